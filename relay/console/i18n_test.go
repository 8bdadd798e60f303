package console

import (
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dlprelay/dlprelay/detect/customers"
)

// usedKeys collects every catalog key the package can ask for: the literal
// keys of the templates, and the dynamic ones built from fixed sets.
func usedKeys(t *testing.T) []string {
	t.Helper()
	keys := map[string]bool{}
	lit := regexp.MustCompile(`\.T "([^"]+)"`)
	fs.WalkDir(assets, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := assets.ReadFile(p)
		for _, m := range lit.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
		return nil
	})
	add := func(prefix string, names ...string) {
		for _, n := range names {
			keys[prefix+n] = true
		}
	}
	for _, s := range statuses {
		add("status.", string(s))
	}
	for _, r := range roles {
		add("role.", string(r))
	}
	for _, f := range customers.AllFields() {
		add("field.", string(f))
	}
	for _, a := range auditActions {
		add("action.", string(a))
	}
	add("title.", pageNames...)
	add("done.", actions...)
	add("done.user.", append([]string{"add"}, userOps...)...)
	add("act.", "release", "hold", "delete") // bulk results
	add("rel.", "pending", "approved", "sending", "uncertain", "released", "failed", "closed")
	add("age.", "now", "min", "hour", "day")
	// Error codes: every code the Go files name.
	code := regexp.MustCompile(`badRequest\("([a-z_]+)"\)|(?:return |\{)http\.Status\w+, "([a-z_]+)"`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range code.FindAllStringSubmatch(string(b), -1) {
			add("err.", m[1]+m[2])
		}
	}
	return slices.Sorted(maps.Keys(keys))
}

func TestCatalogs(t *testing.T) {
	t.Parallel()
	ja, en := slices.Sorted(maps.Keys(jaMsgs)), slices.Sorted(maps.Keys(enMsgs))
	if !slices.Equal(ja, en) {
		for _, k := range ja {
			if _, ok := enMsgs[k]; !ok {
				t.Errorf("en lacks %q", k)
			}
		}
		for _, k := range en {
			if _, ok := jaMsgs[k]; !ok {
				t.Errorf("ja lacks %q", k)
			}
		}
	}
	used := usedKeys(t)
	if len(used) < 150 {
		t.Fatalf("only %d keys found: the scan is broken", len(used))
	}
	for _, k := range used {
		if _, ok := jaMsgs[k]; !ok {
			t.Errorf("key %q is used but not in the catalogs", k)
		}
	}
	for _, k := range []string{"err.self_approval", "err.conflict", "err.locked", "err.on_hold", "err.internal"} {
		if !slices.Contains(used, k) {
			t.Errorf("%q not found by the scan", k)
		}
	}
}

func TestAge(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		d      time.Duration
		ja, en string
	}{
		{10 * time.Second, "たった今", "just now"},
		{5 * time.Minute, "5分前", "5 min ago"},
		{3*time.Hour + 20*time.Minute, "3時間前", "3 h ago"},
		{47 * time.Hour, "47時間前", "47 h ago"},
		{72 * time.Hour, "3日前", "3 d ago"},
	} {
		if got := japanese.age(c.d); got != c.ja {
			t.Errorf("ja %v = %q", c.d, got)
		}
		if got := english.age(c.d); got != c.en {
			t.Errorf("en %v = %q", c.d, got)
		}
	}
}

func TestLanguages(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	cl := h.client()
	_, page := cl.get("/console/login")
	if !strings.Contains(page, `<html lang="ja">`) || !strings.Contains(page, "コンプライアンス コンソール") {
		t.Error("default is not Japanese")
	}
	cl.header.Set("Accept-Language", "en-US,en;q=0.9,ja;q=0.5")
	if _, page = cl.get("/console/login"); !strings.Contains(page, `<html lang="en">`) || !strings.Contains(page, "Compliance console") {
		t.Error("Accept-Language en ignored")
	}
	cl.header.Set("Accept-Language", "fr-FR, de")
	if _, page = cl.get("/console/login"); !strings.Contains(page, `<html lang="ja">`) {
		t.Error("an unsupported language is not Japanese")
	}
	// The toggle sets a cookie that wins over Accept-Language.
	cl.header.Set("Accept-Language", "ja")
	cl.get("/console/login?lang=en")
	if cl.jar[langCookie] != "en" {
		t.Fatalf("lang cookie %q", cl.jar[langCookie])
	}
	cl.login("officer1")
	_, page = cl.get("/console/")
	for _, want := range []string{"Quarantined messages", "3 h ago", "Held", "Log out", `href="/console/?lang=ja"`} {
		if !strings.Contains(page, want) {
			t.Errorf("English list lacks %q", want)
		}
	}
	_, page = cl.get("/console/q/" + h.id + "?lang=ja")
	for _, want := range []string{"検出された顧客情報", "3時間前", "保留中", "氏名", "電話番号", "理由（必須）", "顧客リスト送付の件"} {
		if !strings.Contains(page, want) {
			t.Errorf("Japanese detail lacks %q", want)
		}
	}
	_, page = cl.get("/console/audit")
	if !strings.Contains(page, "監査ログ") || !strings.Contains(page, "ログイン") {
		t.Error("Japanese audit page")
	}
	// API errors are English whatever the language.
	api := h.client()
	api.header.Set("Accept-Language", "ja")
	if _, body := api.get("/api/me"); decode[apiError](t, body).Error != english.T("err.unauthenticated") {
		t.Errorf("API error %s", body)
	}
}
