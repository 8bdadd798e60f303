package config

import (
	"net"
	"net/netip"
	"testing"
)

// TestAdminListenerLoopbackByDefault: the admin listener (metrics, health,
// console, API) is reachable from this host only unless the operator says
// otherwise: the defaults, the embedded configuration and a file that does
// not mention admin all bind it to a loopback address.
func TestAdminListenerLoopbackByDefault(t *testing.T) {
	t.Parallel()
	parsed, err := Parse([]byte(minimal), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d := Default()
	for name, listen := range map[string]string{"Default": d.Admin.Listen, "Embedded": Embedded().Admin.Listen, "a file without admin": parsed.Admin.Listen} {
		host, _, err := net.SplitHostPort(listen)
		if err != nil {
			t.Errorf("%s: admin.listen %q: %v", name, listen, err)
			continue
		}
		if a, err := netip.ParseAddr(host); err != nil || !a.IsLoopback() {
			t.Errorf("%s: admin.listen %q is not a loopback address", name, listen)
		}
	}
}
