package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/internal/testcert"
	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/provisioning/autoupdate"
	"github.com/potsgate/potsgate/provisioning/certstore"
	"github.com/potsgate/potsgate/telephony/gateway"
)

// pki is a test CA with an intermediate and a device certificate issued
// through it, written to files as an operator would pass them.
type pki struct {
	root, mid          *testcert.CA
	dev                *testcert.Leaf
	rootFile, certFile string
	keyFile            string
}

func newPKI(t *testing.T, cn string) *pki {
	t.Helper()
	p := &pki{root: testcert.NewCA(t, "potsgate test root")}
	p.mid = p.root.Intermediate(t, "potsgate test intermediate")
	p.dev = p.mid.Issue(t, testcert.Options{CommonName: cn})
	dir := t.TempDir()
	p.rootFile = testcert.WriteFile(t, dir, "ca.pem", p.root.CertPEM)
	p.certFile = testcert.WriteFile(t, dir, "gw.crt", p.dev.CertPEM)
	p.keyFile = testcert.WriteFile(t, dir, "gw.key", p.dev.KeyPEM)
	return p
}

// httpsGateway runs the default gateway with the device certificate of p
// (from the -tls-* flags) and HTTPS on a free port.
func httpsGateway(t *testing.T, p *pki, after ...string) *gw {
	t.Helper()
	g := startGatewayFlags(t, t.TempDir(), "", func(f *gatewayFlags) {
		f.https, f.tlsRoots, f.tlsCert, f.tlsKey = "127.0.0.1:0", p.rootFile, p.certFile, p.keyFile
	}, after...)
	if g.HTTPS() == "" {
		t.Fatal("no HTTPS listener")
	}
	return g
}

func noRedirects(c *http.Client) *http.Client {
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// TestHTTPSPages: with HTTPSOnly = 1 the pages are served over HTTPS with
// the device certificate and its chain, with HSTS; plain HTTP is
// redirected; TLS 1.1 and clients that do not trust the CA are refused.
func TestHTTPSPages(t *testing.T) {
	p := newPKI(t, "gw-https")
	g := httpsGateway(t, p, "HTTPSOnly = 1")
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: testcert.Pool(p.root)}}}
	res, err := client.Get("https://" + g.HTTPS() + "/status")
	if err != nil {
		t.Fatal(err)
	}
	var st gateway.Status
	err = json.NewDecoder(res.Body).Decode(&st)
	res.Body.Close()
	if err != nil || res.StatusCode != 200 || len(st.Ports) == 0 {
		t.Fatalf("GET /status over HTTPS: %s, %v, %d ports", res.Status, err, len(st.Ports))
	}
	if res.Header.Get("Strict-Transport-Security") != gateway.HSTSValue {
		t.Errorf("HSTS %q", res.Header.Get("Strict-Transport-Security"))
	}
	if cs := res.TLS; cs.Version < tls.VersionTLS12 || len(cs.PeerCertificates) != 2 || cs.PeerCertificates[0].Subject.CommonName != "gw-https" {
		t.Errorf("TLS %x, %d certificates", cs.Version, len(cs.PeerCertificates))
	}

	_, port, _ := net.SplitHostPort(g.HTTPS())
	res, err = noRedirects(&http.Client{Timeout: 10 * time.Second}).Get("http://" + g.HTTP + "/status?x=1")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if want := "https://127.0.0.1:" + port + "/status?x=1"; res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != want {
		t.Fatalf("plain HTTP: %s to %q, want 301 to %s", res.Status, res.Header.Get("Location"), want)
	}

	old := &tls.Config{RootCAs: testcert.Pool(p.root), MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}
	if c, err := tls.Dial("tcp", g.HTTPS(), old); err == nil {
		c.Close()
		t.Fatal("TLS 1.1 accepted")
	}
	if _, err := (&http.Client{Timeout: 10 * time.Second}).Get("https://" + g.HTTPS() + "/status"); err == nil || !strings.Contains(err.Error(), "unknown authority") {
		t.Fatalf("client without the CA: %v", err)
	}
}

// TestHTTPSFlagErrors: a key that does not match the -tls-cert
// certificate stops the gateway with an error naming the key file.
func TestHTTPSFlagErrors(t *testing.T) {
	p := newPKI(t, "gw")
	other := newPKI(t, "other")
	err := runGateway(t.Context(), gatewayFlags{http: "127.0.0.1:0", tones: "us", state: t.TempDir(),
		tlsCert: p.certFile, tlsKey: other.keyFile}, slog.New(slog.DiscardHandler), nil)
	if !errors.Is(err, certstore.ErrKeyMismatch) || !strings.Contains(err.Error(), other.keyFile) {
		t.Fatalf("err = %v", err)
	}
}

// TestDefaultServesNoHTTPS: with no certificate, no -https and
// HTTPSOnly = 0 (the default binary) only plain HTTP is served.
func TestDefaultServesNoHTTPS(t *testing.T) {
	g := startGateway(t, "")
	if g.HTTPS() != "" {
		t.Fatalf("HTTPS on %s with no setup", g.HTTPS())
	}
	if page := g.page(t, "/status"); !strings.Contains(page, `"ports"`) {
		t.Fatalf("plain /status: %.200s", page)
	}
}

// TestHTTPSPeers: openssl s_client sees the certificate and its chain
// verify against the test CA over TLS >= 1.2, and a TLS 1.1 handshake
// refused; curl gets the page with the CA, a certificate error without
// it, and a redirect to https from plain HTTP with HTTPSOnly = 1.
func TestHTTPSPeers(t *testing.T) {
	peer.Require(t, "openssl")
	peer.Require(t, "curl")
	p := newPKI(t, "gw-peers")
	g := httpsGateway(t, p, "HTTPSOnly = 1")
	dir := t.TempDir()
	ca := p.rootFile

	out, err := peer.Run(t, 20*time.Second, dir, "openssl", "s_client", "-connect", g.HTTPS(), "-CAfile", ca,
		"-verify_return_error", "-verify_ip", "127.0.0.1", "-showcerts", "-brief")
	if err != nil && !strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl s_client: %v\n%s", err, out)
	}
	for _, want := range []string{"Verification: OK", "CN = gw-peers", "Protocol version: TLSv1."} {
		if !strings.Contains(out, want) {
			t.Errorf("openssl s_client -brief: no %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "Protocol version: TLSv1.1") || strings.Contains(out, "Protocol version: TLSv1\n") {
		t.Errorf("old protocol:\n%s", out)
	}
	out, _ = peer.Run(t, 20*time.Second, dir, "openssl", "s_client", "-connect", g.HTTPS(), "-CAfile", ca, "-showcerts")
	if n := strings.Count(out, "-----BEGIN CERTIFICATE-----"); n != 2 || !strings.Contains(out, "potsgate test intermediate") {
		t.Errorf("chain served: %d certificates\n%s", n, out)
	}
	// OpenSSL 3 itself refuses TLS 1.1 at its default security level:
	// level 0 so the refusal seen is the gateway's.
	out, err = peer.Run(t, 20*time.Second, dir, "openssl", "s_client", "-connect", g.HTTPS(), "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0")
	if err == nil || !strings.Contains(out, "protocol version") {
		t.Errorf("TLS 1.1 handshake: err %v\n%s", err, out)
	}
	out, err = peer.Run(t, 20*time.Second, dir, "openssl", "s_client", "-connect", g.HTTPS(), "-tls1_2", "-CAfile", ca, "-verify_return_error", "-brief")
	if !strings.Contains(out, "Protocol version: TLSv1.2") || !strings.Contains(out, "Verification: OK") {
		t.Errorf("TLS 1.2 handshake: err %v\n%s", err, out)
	}

	url := "https://" + g.HTTPS() + "/status"
	out, err = peer.Run(t, 20*time.Second, dir, "curl", "-sS", "--fail", "--cacert", ca, "-D", "-", url)
	if err != nil || !strings.Contains(out, `"ports"`) || !strings.Contains(strings.ToLower(out), "strict-transport-security: "+gateway.HSTSValue) {
		t.Errorf("curl with the CA: %v\n%s", err, out)
	}
	out, err = peer.Run(t, 20*time.Second, dir, "curl", "-sS", url)
	if err == nil || !strings.Contains(out, "SSL certificate problem") {
		t.Errorf("curl without the CA: %v\n%s", err, out)
	}
	out, err = peer.Run(t, 20*time.Second, dir, "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "http://"+g.HTTP+"/status")
	if want := "301 " + url; err != nil || out != want {
		t.Errorf("curl over plain HTTP: %v %q, want %q", err, out, want)
	}
	out, err = peer.Run(t, 20*time.Second, dir, "curl", "-sS", "-L", "--fail", "--cacert", ca, "http://"+g.HTTP+"/status")
	if err != nil || !strings.Contains(out, `"ports"`) {
		t.Errorf("curl following the redirect: %v\n%s", err, out)
	}
}

// TestHTTPSCertificateRotatedByAutoUpdate: Automatic Update installs the
// device certificate from the provisioning server; a new one installed
// by a later cycle is served to the next HTTPS connection while a
// keep-alive connection made before goes on working; a set whose key does
// not match is refused with the configuration-error alarm and the
// running certificate stays.
func TestHTTPSCertificateRotatedByAutoUpdate(t *testing.T) {
	ca := testcert.NewCA(t, "provisioning CA")
	a := ca.Issue(t, testcert.Options{CommonName: "cert-A"})
	b := ca.Issue(t, testcert.Options{CommonName: "cert-B"})
	var mu sync.Mutex
	files := map[string][]byte{"/ca.pem": ca.CertPEM, "/gw.crt": a.CertPEM, "/gw.key": a.KeyPEM}
	prov := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		_, _ = w.Write(files[r.URL.Path])
	}))
	defer prov.Close()
	serve := func(crt, key []byte) {
		mu.Lock()
		defer mu.Unlock()
		files["/gw.crt"], files["/gw.key"] = crt, key
	}
	state := t.TempDir()
	g := startGatewayFlags(t, state, "", func(f *gatewayFlags) { f.https = "127.0.0.1:0" },
		fmt.Sprintf("TLSRootFileUrl = '%[1]s/ca.pem'\nTLSCertFileUrl = '%[1]s/gw.crt'\nTLSPkeyFileUrl = '%[1]s/gw.key'", prov.URL))

	pool := testcert.Pool(ca)
	served := func() string {
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", g.HTTPS(), &tls.Config{RootCAs: pool, ServerName: "localhost"})
		if err != nil {
			return "error: " + err.Error()
		}
		defer c.Close()
		return c.ConnectionState().PeerCertificates[0].Subject.CommonName
	}
	peer.WaitFor(t, 20*time.Second, "the start-up cycle's certificate served", func() bool { return served() == "cert-A" })
	if got, _ := filepath.Glob(filepath.Join(state, "files", "tls-*")); len(got) != 3 {
		t.Fatalf("installed files %v", got)
	}

	// A browser with a keep-alive connection.
	var reused []bool
	browser := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, MaxIdleConnsPerHost: 1}}
	get := func() (string, error) {
		trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = append(reused, i.Reused) }}
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", "https://"+g.HTTPS()+"/status", nil)
		res, err := browser.Do(req)
		if err != nil {
			return "", err
		}
		defer res.Body.Close()
		if _, err := io.Copy(io.Discard, res.Body); err != nil {
			return "", err
		}
		return res.TLS.PeerCertificates[0].Subject.CommonName, nil
	}
	if cn, err := get(); err != nil || cn != "cert-A" {
		t.Fatalf("first page: %s, %v", cn, err)
	}

	serve(b.CertPEM, b.KeyPEM)
	if err := g.Update(t.Context()); err != nil {
		t.Fatal(err)
	}
	peer.WaitFor(t, 20*time.Second, "the new certificate served", func() bool { return served() == "cert-B" })
	cn, err := get()
	if err != nil || cn != "cert-A" || len(reused) != 2 || !reused[1] {
		t.Fatalf("keep-alive connection after the rotation: %s, %v, reused %v", cn, err, reused)
	}

	// The certificate of A with the key of B: refused whole.
	serve(a.CertPEM, b.KeyPEM)
	if err := g.Update(t.Context()); err != nil {
		t.Fatal(err)
	}
	peer.WaitFor(t, 20*time.Second, "the configuration-error alarm", func() bool {
		for _, al := range g.status(t).Alarms {
			if strings.Contains(al.Source, "tls-") && strings.Contains(al.Text, "does not match") {
				return true
			}
		}
		return false
	})
	if got := served(); got != "cert-B" {
		t.Fatalf("after a refused set the server presents %s", got)
	}
	if got := g.TLS.Current().Certificate().Leaf.Subject.CommonName; got != "cert-B" {
		t.Fatalf("store runs %s", got)
	}
}

// TestHTTPSFromInstalledFilesAtStart: at start the gateway serves the TLS
// files Automatic Update installed before; installed files that do not
// validate leave it running without a certificate, with the
// configuration-error alarm saying why.
func TestHTTPSFromInstalledFilesAtStart(t *testing.T) {
	p := newPKI(t, "installed-before")
	other := newPKI(t, "other")
	for _, c := range []struct {
		name string
		key  []byte
		want string
	}{{"good", p.dev.KeyPEM, "installed-before"}, {"mismatched key", other.dev.KeyPEM, ""}} {
		t.Run(c.name, func(t *testing.T) {
			state := t.TempDir()
			store := autoupdate.DirStore{Dir: state}
			for kind, b := range map[autoupdate.FileKind][]byte{autoupdate.FileTLSRoot: p.root.CertPEM, autoupdate.FileTLSCert: p.dev.CertPEM, autoupdate.FileTLSKey: c.key} {
				if err := store.InstallFile(t.Context(), kind, b); err != nil {
					t.Fatal(err)
				}
			}
			g := startGatewayFlags(t, state, "", func(f *gatewayFlags) { f.https = "127.0.0.1:0" })
			conn, err := tls.Dial("tcp", g.HTTPS(), &tls.Config{RootCAs: testcert.Pool(p.root), ServerName: "localhost"})
			if c.want != "" {
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				if got := conn.ConnectionState().PeerCertificates[0].Subject.CommonName; got != c.want {
					t.Fatalf("served %s", got)
				}
				return
			}
			if err == nil {
				conn.Close()
				t.Fatal("handshake succeeded with a refused set")
			}
			var found bool
			for _, al := range g.status(t).Alarms {
				found = found || (al.Source == "configuration tls" && strings.Contains(al.Text, "does not match"))
			}
			if !found {
				t.Fatalf("no configuration alarm: %+v", g.status(t).Alarms)
			}
		})
	}
}

// TestHTTPSClientCertificateRequired: with HTTPSRequireClientCertificate
// = 1 a browser without a certificate from the trusted roots is refused,
// one with such a certificate gets the pages.
func TestHTTPSClientCertificateRequired(t *testing.T) {
	p := newPKI(t, "gw-mtls")
	g := httpsGateway(t, p, "HTTPSRequireClientCertificate = 1")
	get := func(certs ...tls.Certificate) error {
		c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: testcert.Pool(p.root), Certificates: certs}}}
		res, err := c.Get("https://" + g.HTTPS() + "/status")
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			return fmt.Errorf("status %s", res.Status)
		}
		return nil
	}
	if err := get(); err == nil {
		t.Fatal("no client certificate: served")
	}
	if err := get(testcert.NewCA(t, "stranger").Issue(t, testcert.Options{Client: true}).TLS); err == nil {
		t.Fatal("untrusted client certificate: served")
	}
	if err := get(p.root.Issue(t, testcert.Options{Client: true, CommonName: "operator"}).TLS); err != nil {
		t.Fatalf("trusted client certificate: %v", err)
	}
}

// TestHTTPSListenerFollowsConfiguration: the HTTPS listener opens on the
// -http address with HTTPSPort once a certificate is there, moves when
// HTTPSPort changes, and is not opened without a certificate unless
// HTTPSOnly = 1 asks for it (which then fails loudly if it cannot).
func TestHTTPSListenerFollowsConfiguration(t *testing.T) {
	reg, err := gateway.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	cfgWith := func(ini string) provisioning.Config {
		res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(ini))
		if err != nil {
			t.Fatal(err)
		}
		return res.Config
	}
	store := certstore.New(certstore.Options{})
	w := &webServers{pages: http.NotFoundHandler(), store: store, httpHost: "127.0.0.1", log: slog.New(slog.DiscardHandler),
		auth: func() certstore.ClientAuth { return certstore.NoClientCert }}
	defer w.close()
	p1, p2 := peer.FreeTCPPort(t), peer.FreeTCPPort(t)
	if err := w.reconcile(cfgWith(fmt.Sprintf("HTTPSPort = %d\n", p1))); err != nil || w.httpsAddr() != "" {
		t.Fatalf("no certificate: %q, %v", w.httpsAddr(), err)
	}
	p := newPKI(t, "gw")
	if _, err := store.Load(certstore.Files{Cert: certstore.File{PEM: p.dev.CertPEM}, Key: certstore.File{PEM: p.dev.KeyPEM}}); err != nil {
		t.Fatal(err)
	}
	if err := w.reconcile(cfgWith(fmt.Sprintf("HTTPSPort = %d\n", p1))); err != nil || w.httpsPort() != p1 {
		t.Fatalf("with a certificate: %q, %v", w.httpsAddr(), err)
	}
	if err := w.reconcile(cfgWith(fmt.Sprintf("HTTPSPort = %d\n", p2))); err != nil || w.httpsPort() != p2 {
		t.Fatalf("port changed: %q, %v", w.httpsAddr(), err)
	}
	if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p1), 2*time.Second); err == nil {
		c.Close()
		t.Fatal("the old port still listens")
	}
	peer.WaitListening(t, w.httpsAddr(), 5*time.Second)

	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	taken := busy.Addr().(*net.TCPAddr).Port
	if err := w.reconcile(cfgWith(fmt.Sprintf("HTTPSPort = %d\n", taken))); err != nil {
		t.Fatalf("a taken port without HTTPSOnly should only warn: %v", err)
	}
	if err := w.reconcile(cfgWith(fmt.Sprintf("HTTPSPort = %d\nHTTPSOnly = 1\n", taken))); err == nil {
		t.Fatal("HTTPSOnly = 1 on a taken port: no error")
	}
}

// TestHTTPSLoginCookieSecure: a login over HTTPS (plain HTTP redirected
// there by HTTPSOnly = 1) gets a Secure session cookie, and the session
// works over HTTPS.
func TestHTTPSLoginCookieSecure(t *testing.T) {
	p := newPKI(t, "gw-login")
	g := httpsGateway(t, p, "HTTPSOnly = 1", `[ WebUsers ]
FORMAT WebUsers_Index = WebUsers_Username, WebUsers_Password, WebUsers_Privilege;
WebUsers 0 = "admin", "correct-horse-battery", 1;
[ \WebUsers ]`)
	jar, _ := cookiejar.New(nil)
	c := noRedirects(&http.Client{Jar: jar, Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: testcert.Pool(p.root)}}})
	res, err := c.PostForm("http://"+g.HTTP+"/login", url.Values{"username": {"admin"}, "password": {"correct-horse-battery"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusPermanentRedirect || len(res.Cookies()) != 0 {
		t.Fatalf("login over plain HTTP: %s, cookies %v", res.Status, res.Cookies())
	}
	res, err = c.PostForm(res.Header.Get("Location"), url.Values{"username": {"admin"}, "password": {"correct-horse-battery"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if len(res.Cookies()) != 1 || !res.Cookies()[0].Secure || !res.Cookies()[0].HttpOnly || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login over HTTPS: %s, Set-Cookie %q", res.Status, res.Header.Get("Set-Cookie"))
	}
	res, err = c.Get("https://" + g.HTTPS() + "/config")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), `name="csrf"`) {
		t.Fatalf("configuration page with the session: %s\n%.300s", res.Status, b)
	}
}

// TestTLSExpiryAlarm: a device certificate with less than 30 days left
// raises the configuration alarm at start, saying when it ends; one with
// more raises none.
func TestTLSExpiryAlarm(t *testing.T) {
	now := time.Now()
	root := testcert.NewCA(t, "root")
	for _, c := range []struct {
		name string
		end  time.Time
		want string
	}{{"ten days left", now.Add(10*24*time.Hour + time.Hour), "in 10 days"}, {"a year left", now.Add(365 * 24 * time.Hour), ""}} {
		t.Run(c.name, func(t *testing.T) {
			dev := root.Issue(t, testcert.Options{CommonName: "short", NotAfter: c.end})
			set, err := certstore.Load(certstore.Files{Cert: certstore.File{PEM: dev.CertPEM}, Key: certstore.File{PEM: dev.KeyPEM}}, now)
			if err != nil {
				t.Fatal(err)
			}
			if err := tlsExpiry(set, now); (err == nil) != (c.want == "") || (err != nil && !strings.Contains(err.Error(), c.want)) {
				t.Fatalf("tlsExpiry: %v", err)
			}
			if err := tlsExpiry(set, c.end.Add(time.Minute)); err == nil || !strings.Contains(err.Error(), "expired on") {
				t.Fatalf("after the end: %v", err)
			}
			dir := t.TempDir()
			crt, key := testcert.WriteFile(t, dir, "c.pem", dev.CertPEM), testcert.WriteFile(t, dir, "k.pem", dev.KeyPEM)
			g := startGatewayFlags(t, t.TempDir(), "", func(f *gatewayFlags) { f.https, f.tlsCert, f.tlsKey = "127.0.0.1:0", crt, key })
			var text string
			for _, al := range g.status(t).Alarms {
				if al.Source == "configuration tls expiry" {
					text = al.Text
				}
			}
			if (text == "") != (c.want == "") || !strings.Contains(text, c.want) {
				t.Fatalf("alarm %q, want one saying %q", text, c.want)
			}
		})
	}
	if tlsExpiry(nil, now) != nil {
		t.Fatal("no set, yet an expiry problem")
	}
}

// TestHTTPSOnlyWithoutCertificate: HTTPSOnly = 1 and no certificate:
// plain HTTP answers 503 saying what to install, never the pages.
func TestHTTPSOnlyWithoutCertificate(t *testing.T) {
	g := startGatewayFlags(t, t.TempDir(), "", func(f *gatewayFlags) { f.https = "127.0.0.1:0" }, "HTTPSOnly = 1")
	res, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + g.HTTP + "/status")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), "TLSCertFileUrl") {
		t.Fatalf("%s\n%s", res.Status, b)
	}
}
