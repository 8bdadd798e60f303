package smtpd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/dlprelay/dlprelay/relay/upstream"
)

func TestToReply(t *testing.T) {
	secret := "taro.yamada@example.jp 03-1234-5678"
	tests := []struct {
		name string
		err  error
		at   stage
		want string
	}{
		{"internal error never leaks its text", fmt.Errorf("scan: %s", secret), atData, "451 4.3.0"},
		{"wrapped internal error", fmt.Errorf("x: %w", errors.New(secret)), atMail, "451 4.3.0"},
		{"upstream unreachable", fmt.Errorf("%w: dial: refused", upstream.ErrUnavailable), atMail, "451 4.4.1"},
		{"upstream timeout", fmt.Errorf("%w: i/o", upstream.ErrTimeout), atData, "451 4.4.2"},
		{"deadline", os.ErrDeadlineExceeded, atData, "451 4.4.2"},
		{"context deadline", context.DeadlineExceeded, atData, "451 4.4.2"},
		{"upstream 4xx at RCPT kept", &upstream.Reply{Code: 452, Enhanced: smtp.EnhancedCode{4, 5, 3}, Message: "too many"}, atRcpt, "452 4.5.3 upstream: too many"},
		{"upstream 4xx at DATA", &upstream.Reply{Code: 452, Enhanced: smtp.EnhancedCode{4, 3, 1}, Message: "full"}, atData, "451 4.4.0 upstream: full"},
		{"upstream 5xx kept", &upstream.Reply{Code: 554, Enhanced: smtp.EnhancedCode{5, 7, 1}, Message: "no"}, atData, "554 5.7.1 upstream: no"},
		{"upstream 5xx without enhanced code", &upstream.Reply{Code: 550, Enhanced: smtp.NoEnhancedCode, Message: "no"}, atRcpt, "550 5.0.0 upstream: no"},
		{"upstream text cannot break framing", &upstream.Reply{Code: 550, Message: "a\r\n250 ok"}, atRcpt, "550 5.0.0 upstream: a  250 ok"},
		{"upstream odd code", &upstream.Reply{Code: 250, Message: "?"}, atData, "451 4.4.0"},
		{"no SMTPUTF8 upstream", upstream.ErrNoUTF8, atMail, "553 5.6.7"},
		{"too big", smtp.ErrDataTooLarge, atData, "552 5.3.4"},
		{"SMTPError without enhanced code", &smtp.SMTPError{Code: 421, Message: "x"}, atMail, "421 4.0.0 x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := toReply(tt.err, tt.at)
			got := fmt.Sprintf("%d %d.%d.%d %s", r.Code, r.EnhancedCode[0], r.EnhancedCode[1], r.EnhancedCode[2], r.Message)
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("got %q, want prefix %q", got, tt.want)
			}
			if strings.Contains(got, "yamada") || strings.Contains(got, "5678") {
				t.Errorf("reply leaks error text: %q", got)
			}
		})
	}
	if toReply(nil, atData) != nil {
		t.Error("nil error must give no reply")
	}
}
