package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/potsgate/potsgate/provisioning"
)

// TestStatusPages: the browser page lists the ports and counters, the
// JSON is the Status, and the ini is the running configuration with the
// password masked.
func TestStatusPages(t *testing.T) {
	r := newRig(t, "CDRReportLevel = 1\nPassword = 'hunter2'\nUserName = 'gw'\n", 2, noMedia{})
	srv := httptest.NewServer(r.g.StatusHandler(func() provisioning.Config { return r.g.opts.Config }))
	defer srv.Close()
	get := func(path string) (string, string) {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: %s", path, res.Status)
		}
		return res.Header.Get("Content-Type"), string(b)
	}
	ct, page := get("/")
	if !strings.HasPrefix(ct, "text/html") || !strings.Contains(page, "<td>101</td>") || !strings.Contains(page, "<td>102</td>") ||
		!strings.Contains(page, "<th>attempted</th>") {
		t.Errorf("status page (%s):\n%s", ct, page)
	}
	if _, js := get("/status"); !strings.Contains(js, `"number": "102"`) {
		t.Errorf("JSON status:\n%s", js)
	}
	_, cfg := get("/ini")
	if !strings.Contains(cfg, "CDRReportLevel = 1") || !strings.Contains(cfg, "UserName = 'gw'") || strings.Contains(cfg, "hunter2") {
		t.Errorf("ini export (password must be masked):\n%s", cfg)
	}
	if res, err := http.Get(srv.URL + "/nothing"); err == nil {
		res.Body.Close()
		if res.StatusCode != 404 {
			t.Errorf("GET /nothing: %s", res.Status)
		}
	}
}
