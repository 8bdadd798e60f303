package metrics

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TestEveryMetricExported checks that every collector field of Metrics is
// registered and shows up in a scrape, under the dlprelay_ prefix and with
// a unit suffix where it has one.
func TestEveryMetricExported(t *testing.T) {
	m := New("test", []string{"records"}, []string{"encrypted"})
	// Rule names come from the configuration; the relay registers them
	// at each load (see observeEngine in cmd/dlprelay).
	m.RuleFired.WithLabelValues("r", "flag", "enforce")
	m.WindowTriggers.WithLabelValues("r")
	fams, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	exported := map[string]bool{}
	for _, f := range fams {
		exported[f.GetName()] = true
	}
	v := reflect.ValueOf(m).Elem()
	for i := 0; i < v.NumField(); i++ {
		if !v.Type().Field(i).IsExported() {
			continue
		}
		c, ok := v.Field(i).Interface().(prometheus.Collector)
		if !ok || v.Type().Field(i).Name == "Registry" {
			continue
		}
		ch := make(chan *prometheus.Desc, 4)
		c.Describe(ch)
		close(ch)
		for d := range ch {
			name := descName(d)
			if !strings.HasPrefix(name, "dlprelay_") {
				t.Errorf("%s: %q lacks the dlprelay_ prefix", v.Type().Field(i).Name, name)
			}
			if !exported[name] {
				t.Errorf("%s: %q is not exported", v.Type().Field(i).Name, name)
			}
		}
	}
	if !exported["go_goroutines"] || !exported["dlprelay_build_info"] {
		t.Errorf("runtime or build info metrics missing")
	}
}

func descName(d *prometheus.Desc) string {
	s := d.String()
	_, rest, _ := strings.Cut(s, `fqName: "`)
	name, _, _ := strings.Cut(rest, `"`)
	return name
}

func TestReplyClasses(t *testing.T) {
	m := New("test", nil, nil)
	for _, code := range []int{250, 354, 451, 550, 554, 100, 600} {
		m.Reply(code)
	}
	for class, want := range map[string]float64{"2xx": 1, "3xx": 1, "4xx": 1, "5xx": 2} {
		if got := testutilValue(t, m.Replies.WithLabelValues(class)); got != want {
			t.Errorf("%s = %v, want %v", class, got, want)
		}
	}
}

func TestReady(t *testing.T) {
	m := New("test", nil, nil)
	if got := gaugeValue(t, m.Ready); got != 0 {
		t.Errorf("before SetReadiness: %v, want 0", got)
	}
	var err error
	m.SetReadiness(func() error { return err })
	if got := gaugeValue(t, m.Ready); got != 1 {
		t.Errorf("ready: %v, want 1", got)
	}
	err = errors.New("upstream not reached recently")
	if got := gaugeValue(t, m.Ready); got != 0 {
		t.Errorf("not ready: %v, want 0", got)
	}
}

func gaugeValue(t *testing.T, c prometheus.Metric) float64 {
	t.Helper()
	var pb = &dto.Metric{}
	if err := c.Write(pb); err != nil {
		t.Fatal(err)
	}
	return pb.GetGauge().GetValue()
}

func testutilValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var pb = &dto.Metric{}
	if err := c.Write(pb); err != nil {
		t.Fatal(err)
	}
	return pb.GetCounter().GetValue()
}

// TestDataDisk checks that the data filesystem's free and total bytes are
// reported once the data directory is set, and only then.
func TestDataDisk(t *testing.T) {
	m := New("test", nil, nil)
	gauges := func() map[string]float64 {
		t.Helper()
		fams, err := m.Registry.Gather()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, f := range fams {
			if strings.HasPrefix(f.GetName(), "dlprelay_data_filesystem_") {
				got[f.GetName()] = f.GetMetric()[0].GetGauge().GetValue()
			}
		}
		return got
	}
	if g := gauges(); len(g) != 0 {
		t.Errorf("before SetDataDir: %v, want none", g)
	}
	m.SetDataDir(t.TempDir())
	g := gauges()
	avail, size := g["dlprelay_data_filesystem_avail_bytes"], g["dlprelay_data_filesystem_size_bytes"]
	if size <= 0 || avail < 0 || avail > size {
		t.Errorf("avail %v, size %v: want 0 <= avail <= size, size > 0", avail, size)
	}
	m.SetDataDir(filepath.Join(t.TempDir(), "missing"))
	if g := gauges(); len(g) != 0 {
		t.Errorf("unreadable directory: %v, want none", g)
	}
}

// TestRefusalReasons: every reason a customer list can be refused for is
// exported at 0 from the start, so that rate() and the dashboard see no
// gap before the first refusal.
func TestRefusalReasons(t *testing.T) {
	m := New("test", nil, nil)
	fams, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range fams {
		if f.GetName() != "dlprelay_customers_refused_total" {
			continue
		}
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() == "reason" && s.GetCounter().GetValue() == 0 {
					got[l.GetValue()] = true
				}
			}
		}
	}
	for _, r := range RefusalReasons {
		if !got[r] {
			t.Errorf("dlprelay_customers_refused_total{reason=%q} is not exported at 0", r)
		}
	}
	if len(got) != len(RefusalReasons) {
		t.Errorf("exported reasons %v, want %v", got, RefusalReasons)
	}
}
