package console

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/dlprelay/dlprelay/detect/extract"
)

func TestRescanner(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rs := NewRescanner(extract.Limits{})
	text := func(part string, max int64) (string, error) {
		return rs.PartText(ctx, strings.NewReader(sampleMessage), part, max)
	}
	got, err := text("1.1", 1<<20)
	if err != nil || !strings.Contains(got, "お客様: 山田 太郎 様") || !strings.Contains(got, "住所: 東京都千代田区丸の内1-2-3") {
		t.Errorf("1.1 = %q, %v", got, err)
	}
	if got, err := text("1.1", 9); err != nil || got != "いつも" {
		t.Errorf("1.1 bounded to 9 bytes = %q, %v", got, err)
	}
	if got, err := text("1.header", 1<<20); err != nil || !strings.Contains(got, "顧客リスト送付の件") || !strings.Contains(got, "Sales Rep") {
		t.Errorf("1.header = %q, %v", got, err)
	}
	if got, err := text("1.2.header", 1<<20); err != nil || !strings.Contains(got, "list.csv") {
		t.Errorf("1.2.header = %q, %v", got, err)
	}
	if _, err := text("1.9", 100); !errors.Is(err, ErrNoPart) {
		t.Errorf("missing part: %v", err)
	}
	parts, err := rs.Parts(ctx, strings.NewReader(sampleMessage))
	if err != nil {
		t.Fatal(err)
	}
	want := []PartInfo{
		{Path: "1", ContentType: "multipart/mixed"},
		{Path: "1.1", ContentType: "text/plain"},
		{Path: "1.2", ContentType: "text/csv", Filename: "list.csv"},
	}
	if len(parts) != len(want) {
		t.Fatalf("parts %+v", parts)
	}
	for i, p := range parts {
		if p.Path != want[i].Path || p.ContentType != want[i].ContentType || p.Filename != want[i].Filename {
			t.Errorf("part %d = %+v, want %+v", i, p, want[i])
		}
	}
	if parts[1].Bytes == 0 || parts[2].Bytes != int64(len("id,name\r\nC002,佐藤 花子")) {
		t.Errorf("part sizes %d %d", parts[1].Bytes, parts[2].Bytes)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := rs.PartText(cctx, strings.NewReader(sampleMessage), "1.1", 100); err == nil || errors.Is(err, ErrNoPart) {
		t.Errorf("cancelled: %v", err)
	}
}
