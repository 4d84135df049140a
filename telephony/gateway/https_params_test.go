package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/potsgate/potsgate/provisioning"
)

// TestHTTPSPolicy: with HTTPSOnly = 0 both listeners serve the pages; with
// 1 (applied live) plain HTTP is redirected to the HTTPS port, path and
// query kept, 308 for a POST, and HTTPS answers carry HSTS; with no HTTPS
// listener plain HTTP is refused, not served.
func TestHTTPSPolicy(t *testing.T) {
	reg, err := NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	var cfg atomic.Pointer[provisioning.Config]
	set := func(ini string) {
		res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(ini))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Store(&res.Config)
	}
	set("")
	if c := *cfg.Load(); HTTPSOnly(c) || HTTPSPort(c) != 443 || HTTPSClientAuth(c).String() != "none" {
		t.Fatalf("defaults: only %v port %d auth %v", HTTPSOnly(c), HTTPSPort(c), HTTPSClientAuth(c))
	}
	var port atomic.Int64
	pages := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "page "+r.URL.RequestURI()) })
	h := HTTPSPolicy(pages, func() provisioning.Config { return *cfg.Load() }, func() int { return int(port.Load()) })
	plain := httptest.NewServer(h)
	defer plain.Close()
	secure := httptest.NewTLSServer(h)
	defer secure.Close()
	port.Store(8443)
	noFollow := func(c *http.Client) *http.Client {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		return c
	}
	pc, sc := noFollow(plain.Client()), noFollow(secure.Client())
	do := func(c *http.Client, method, url string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, url, strings.NewReader("a=1"))
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}

	for _, c := range []struct {
		c   *http.Client
		url string
	}{{pc, plain.URL}, {sc, secure.URL}} {
		if res := do(c.c, "GET", c.url+"/status"); res.StatusCode != 200 || res.Header.Get("Strict-Transport-Security") != "" {
			t.Fatalf("HTTPSOnly = 0, %s: %s, HSTS %q", c.url, res.Status, res.Header.Get("Strict-Transport-Security"))
		}
	}

	set("HTTPSOnly = 1\nHTTPSRequireClientCertificate = 1\n")
	if HTTPSClientAuth(*cfg.Load()).String() != "required" {
		t.Fatal("HTTPSRequireClientCertificate not read")
	}
	res := do(pc, "GET", plain.URL+"/status?x=1")
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "https://127.0.0.1:8443/status?x=1" {
		t.Fatalf("GET over HTTP: %s to %q", res.Status, res.Header.Get("Location"))
	}
	if res.Header.Get("Strict-Transport-Security") != "" {
		t.Fatal("HSTS over plain HTTP (browsers ignore it there; it must not be relied on)")
	}
	res = do(pc, "POST", plain.URL+"/login")
	if res.StatusCode != http.StatusPermanentRedirect || res.Header.Get("Location") != "https://127.0.0.1:8443/login" {
		t.Fatalf("POST over HTTP: %s to %q", res.Status, res.Header.Get("Location"))
	}
	port.Store(443)
	if res := do(pc, "GET", plain.URL+"/"); res.Header.Get("Location") != "https://127.0.0.1/" {
		t.Fatalf("to port 443: %q", res.Header.Get("Location"))
	}
	res = do(sc, "GET", secure.URL+"/status")
	if res.StatusCode != 200 || res.Header.Get("Strict-Transport-Security") != HSTSValue {
		t.Fatalf("HTTPS: %s, HSTS %q", res.Status, res.Header.Get("Strict-Transport-Security"))
	}
	port.Store(0)
	if res := do(pc, "GET", plain.URL+"/status"); res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("HTTPSOnly without an HTTPS listener: %s", res.Status)
	}
}
