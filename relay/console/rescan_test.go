package console

import (
	"context"
	"strings"
	"testing"

	"github.com/dlprelay/dlprelay/detect/extract"
)

func TestRescanner(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rs := NewRescanner(extract.Limits{})
	var asked []string
	var kepts []int64
	want := map[string]int64{"1.1": 1 << 20, "1.header": 1 << 20, "1.2.header": 1 << 20, "1.2": 9, "1.9": 100}
	parts, texts, err := rs.Rescan(ctx, strings.NewReader(sampleMessage), func(seg string, kept int64) int64 {
		asked, kepts = append(asked, seg), append(kepts, kept)
		return want[seg]
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := texts["1.1"]; !strings.Contains(got, "お客様: 山田 太郎 様") || !strings.Contains(got, "住所: 東京都千代田区丸の内1-2-3") {
		t.Errorf("1.1 = %q", got)
	}
	if got := texts["1.2"]; got != "id,name\r\n" {
		t.Errorf("1.2 bounded to 9 bytes = %q", got)
	}
	if got := texts["1.header"]; !strings.Contains(got, "Subject: 顧客リスト送付の件\n") || !strings.Contains(got, "Sales Rep") {
		t.Errorf("1.header = %q", got)
	}
	if got := texts["1.2.header"]; !strings.HasSuffix(got, "\nlist.csv\n") {
		t.Errorf("1.2.header = %q", got)
	}
	if _, ok := texts["1.9"]; ok || len(texts) != 4 {
		t.Errorf("texts of %d segments, 1.9 among them: %v", len(texts), ok)
	}
	// Each segment is asked for once, in walk order, with what was kept
	// before it.
	if got := strings.Join(asked, " "); got != "1.header 1 1.1.header 1.1 1.2.header 1.2" {
		t.Errorf("asked for %s", got)
	}
	if kepts[0] != 0 || kepts[len(kepts)-1] != int64(len(texts["1.header"])+len(texts["1.1"])+len(texts["1.2.header"])) {
		t.Errorf("kept so far: %v", kepts)
	}
	wantParts := []PartInfo{
		{Path: "1", ContentType: "multipart/mixed"},
		{Path: "1.1", ContentType: "text/plain"},
		{Path: "1.2", ContentType: "text/csv", Filename: "list.csv"},
	}
	if len(parts) != len(wantParts) {
		t.Fatalf("parts %+v", parts)
	}
	for i, p := range parts {
		if p.Path != wantParts[i].Path || p.ContentType != wantParts[i].ContentType || p.Filename != wantParts[i].Filename {
			t.Errorf("part %d = %+v, want %+v", i, p, wantParts[i])
		}
	}
	if parts[1].Bytes == 0 || parts[2].Bytes != int64(len("id,name\r\nC002,佐藤 花子")) {
		t.Errorf("part sizes %d %d", parts[1].Bytes, parts[2].Bytes)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := rs.Rescan(cctx, strings.NewReader(sampleMessage), func(string, int64) int64 { return 100 }); err == nil {
		t.Error("cancelled: no error")
	}
}
