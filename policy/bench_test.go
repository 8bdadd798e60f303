package policy

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkEvaluate judges a message with 100 records from a watchlisted
// sender with 1,000 records of history under the sample company rules.
func BenchmarkEvaluate(b *testing.B) {
	p, err := New(Config{Rules: companyRules(), InternalDomains: []string{"example.co.jp"},
		PartnerDomains: []string{"partner.co.jp"}, FreeMailDomains: []string{"gmail.com", "yahoo.co.jp"}})
	if err != nil {
		b.Fatal(err)
	}
	in := Input{Now: testNow, Watchlisted: true, Sender: "taro.yamada@example.co.jp",
		Recipients: rcpts("x@gmail.com", "c@customer.com", "b@partner.co.jp"), Records: recs("k", 100, false), Attachments: 1}
	for i := range 1000 {
		in.Past = append(in.Past, Past{Key: fmt.Sprintf("p%d", i), At: testNow.Add(-time.Duration(i) * time.Minute)})
	}
	b.ReportAllocs()
	for b.Loop() {
		p.Evaluate(in)
	}
}
