package detect

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
)

// contactList has customers with free-mail addresses and mobile numbers,
// as real lists do.
const contactList = `id,name,kana,email,phone
G1,山田 太郎,,taro.yamada@gmail.com,090-1111-2222
G2,Ann Lee,,ann.lee@yahoo.co.jp,+81 80 3333 4444
G3,佐藤 花子,,hanako@example.jp,03-1234-5678
`

// contactStrings returns "kind:value@part" for each contact.
func contactStrings(res *Result) []string {
	out := []string{}
	for _, c := range res.Contacts {
		out = append(out, fmt.Sprintf("%s:%s@%s", c.Kind, c.Value, c.Part))
	}
	return out
}

func TestContacts(t *testing.T) {
	s := newScanner(t, contactList, Limits{})
	for _, tc := range []struct {
		name, msg string
		want      []string
	}{
		{"private address and mobile", "Subject: x\n\n私用：ｍｙ．ｐｒｉｖａｔｅ＠ｇｍａｉｌ．ｃｏｍ\n携帯 090-9876-5432\n",
			[]string{"email:my.private@gmail.com@1", "mobile:09098765432@1"}},
		{"customer's own gmail and mobile", "Subject: x\n\nご本人：taro.yamada@gmail.com / 090-1111-2222\nmailto:TARO.YAMADA@GMAIL.COM\n",
			[]string{}},
		{"customer's address full-width, +81 mobile", "Subject: x\n\nａｎｎ．ｌｅｅ＠ｙａｈｏｏ．ｃｏ．ｊｐ\n+81-80-3333-4444\n",
			[]string{}},
		// A longer address is another address, not the customer's: a
		// private contact.
		{"an address containing a customer's is another address", "Subject: x\n\nx.taro.yamada@gmail.com\n",
			[]string{"email:x.taro.yamada@gmail.com@1"}},
		{"an address next to a customer's is not", "Subject: x\n\ntaro.yamada@gmail.com,jiro@gmail.com\n",
			[]string{"email:jiro@gmail.com@1"}},
		{"mobile forms", "Subject: x\n\n+81 (0)90-2222-3333, +81 70 4444 5555, 08066667777, 080-6666-7777\n",
			[]string{"mobile:09022223333@1", "mobile:07044445555@1", "mobile:08066667777@1"}},
		{"not mobiles", "Subject: x\n\n03-9999-8888 0120-444-555 050-1234-5678 060-1234-5678 0901234567\n",
			[]string{}},
		{"header text is not looked at", "Subject: call 090-5555-6666 or a@gmail.com\nFrom: \"b@gmail.com\" <c@gmail.com>\nContent-Type: text/plain; name=\"d@gmail.com 090-5555-7777.txt\"\n\nbody\n",
			[]string{}},
		{"distinct, first part kept", "Content-Type: multipart/mixed; boundary=B\n\n--B\n\nx@gmail.com\n--B\nContent-Type: text/csv; name=\"a.csv\"\n\nX@GMAIL.COM,y@gmail.com\n--B--\n",
			[]string{"email:x@gmail.com@1.1", "email:y@gmail.com@1.2"}},
		{"in text order", "Subject: x\n\n090-1234-0001 a@gmail.com 090-1234-0002 b@gmail.com\n",
			[]string{"mobile:09012340001@1", "email:a@gmail.com@1", "mobile:09012340002@1", "email:b@gmail.com@1"}},
		{"in an attached message", "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: message/rfc822\n\nSubject: inner\n\nz@gmail.com\n--B--\n",
			[]string{"email:z@gmail.com@1.1.1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := contactStrings(scan(t, s, tc.msg))
			if !slices.Equal(got, tc.want) {
				t.Errorf("contacts = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestContactsLimit checks MaxContacts, and that collecting stops there.
func TestContactsLimit(t *testing.T) {
	s := newScanner(t, contactList, Limits{})
	var b strings.Builder
	b.WriteString("Subject: x\n\n")
	for i := range 3 * MaxContacts {
		fmt.Fprintf(&b, "u%d@gmail.com 090-0000-%04d\n", i, i)
	}
	res := scan(t, s, b.String())
	if len(res.Contacts) != MaxContacts {
		t.Fatalf("%d contacts, want %d", len(res.Contacts), MaxContacts)
	}
	if c := res.Contacts[0]; c.Value != "u0@gmail.com" {
		t.Errorf("first contact %+v", c)
	}
	if c := res.Contacts[MaxContacts-1]; c.Value != fmt.Sprintf("0900000%04d", MaxContacts/2-1) {
		t.Errorf("last contact %+v", c)
	}
}

// TestContactsLongSegment puts many customer addresses, across many
// chunks of the normalizer, before and around private ones: the queue of
// candidates stays bounded and every customer address is still left out,
// wherever the chunks cut it.
func TestContactsLongSegment(t *testing.T) {
	s := newScanner(t, contactList, Limits{})
	var b strings.Builder
	b.WriteString("Subject: x\nContent-Type: text/plain; charset=utf-8\n\n")
	for i := 0; b.Len() < 1<<20; i++ {
		b.WriteString(strings.Repeat("x", i%17))
		b.WriteString(" taro.yamada@gmail.com ａｎｎ．ｌｅｅ＠ｙａｈｏｏ．ｃｏ．ｊｐ,")
		if i%1000 == 999 {
			fmt.Fprintf(&b, "private%d@gmail.com;", i)
		}
		b.WriteString("\n")
	}
	res := scan(t, s, b.String())

	// The queues, watched at every read of the segment's text.
	st := newScan(s)
	body := b.String()[strings.Index(b.String(), "\n\n")+2:]
	maxPend, maxSpans := 0, 0
	watch := readFunc(func(p []byte) (int, error) {
		maxPend = max(maxPend, len(st.contacts.pend))
		maxSpans = max(maxSpans, len(st.contacts.spans))
		n := copy(p, body)
		body = body[n:]
		if n == 0 {
			return 0, io.EOF
		}
		return n, nil
	})
	if err := st.segment("1", watch); err != nil {
		t.Fatal(err)
	}
	t.Logf("max %d candidates, %d matches", maxPend, maxSpans)
	if maxPend > 200 || maxSpans > 600 {
		t.Errorf("queues grew to %d candidates and %d matches", maxPend, maxSpans)
	}

	var want []string
	for i := 999; i < 1<<20; i += 1000 {
		if strings.Contains(b.String(), fmt.Sprintf("private%d@", i)) {
			want = append(want, fmt.Sprintf("email:private%d@gmail.com@1", i))
		}
	}
	if got := contactStrings(res); !slices.Equal(got, want) || len(want) < 5 {
		t.Errorf("contacts = %q, want %q", got, want)
	}
}

type readFunc func([]byte) (int, error)

func (f readFunc) Read(p []byte) (int, error) { return f(p) }
