package admin

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dlprelay/dlprelay/relay/metrics"
)

func TestEndpoints(t *testing.T) {
	m := metrics.New("test", nil, nil)
	var readyErr error = errors.New("upstream not reached recently")
	srv := httptest.NewServer(Handler(m.Registry, func() error { return readyErr }))
	defer srv.Close()
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, "upstream not reached recently") {
		t.Errorf("/readyz while not ready = %d %q", code, body)
	}
	readyErr = nil
	if code, body := get("/readyz"); code != 200 || body != "ready\n" {
		t.Errorf("/readyz = %d %q", code, body)
	}
	if code, body := get("/metrics"); code != 200 || !strings.Contains(body, "dlprelay_build_info{") {
		t.Errorf("/metrics = %d, lacks dlprelay_build_info", code)
	}
	resp, err := http.Post(srv.URL+"/readyz", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /readyz = %d", resp.StatusCode)
	}
}
