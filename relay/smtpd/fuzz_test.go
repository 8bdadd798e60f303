package smtpd

import (
	"io"
	"net"
	"testing"
	"time"
)

// FuzzSession feeds arbitrary client bytes to a live relay. Properties: the
// server never panics or hangs a connection past its input, and whatever
// reaches the upstream has only CRLF line endings (no smuggled framing).
func FuzzSession(f *testing.F) {
	seeds := []string{
		"EHLO a\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nSubject: x\r\n\r\nhi\r\n.\r\nQUIT\r\n",
		"EHLO a\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nx\n.\nMAIL FROM:<e@f>\r\n.\r\nQUIT\r\n",
		"HELO a\r\nRCPT TO:<c@d>\r\nDATA\r\nBDAT 5 LAST\r\nhello",
		"EHLO a\r\nAUTH PLAIN\r\n*\r\nSTARTTLS\r\nNOOP\r\n",
		"EHLO a\r\nMAIL FROM:<a@b> SIZE=99999999999\r\nRSET\r\nVRFY x\r\n" + string(make([]byte, 3000)) + "\r\nQUIT\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	r := startRelay(f, func(o *Options, _ *Live) { o.ReadTimeout = 500 * time.Millisecond })
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := net.Dial("tcp", r.addr)
		if err != nil {
			t.Skip(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(3 * time.Second))
		go func() {
			c.Write(in)
			c.(*net.TCPConn).CloseWrite()
		}()
		io.Copy(io.Discard, c)
		for _, m := range r.up.Messages() {
			for i, b := range m.Data {
				if b == '\n' && (i == 0 || m.Data[i-1] != '\r') || b == '\r' && (i+1 == len(m.Data) || m.Data[i+1] != '\n') {
					t.Fatalf("upstream got a bare CR or LF at %d: %q", i, m.Data)
				}
			}
		}
	})
}
