package autoupdate

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
)

// testPKI is a CA made by the test, a server certificate for 127.0.0.1 and
// a client certificate, all signed by the CA.
type testPKI struct {
	pool       *x509.CertPool
	caPEM      []byte
	serverPEM  []byte // certificate and key, as lighttpd's ssl.pemfile wants
	clientCert tls.Certificate
	clientPEM  []byte // clientCert's certificate and key
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "potsgate test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, key
	}
	pemOf := func(der []byte, key *ecdsa.PrivateKey) []byte {
		kb, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		return append(out, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})...)
	}
	p := &testPKI{pool: x509.NewCertPool(), caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})}
	p.pool.AddCert(ca)
	sDER, sKey := leaf(2, "127.0.0.1", x509.ExtKeyUsageServerAuth)
	p.serverPEM = pemOf(sDER, sKey)
	cDER, cKey := leaf(3, "gateway 00908f000001", x509.ExtKeyUsageClientAuth)
	p.clientPEM = pemOf(cDER, cKey)
	p.clientCert, err = tls.X509KeyPair(p.clientPEM, p.clientPEM)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// lighttpd is a real lighttpd started by the test on 127.0.0.1, serving www/
// over HTTP, HTTPS, and HTTPS that demands a client certificate, with Basic
// auth under /basic/, Digest MD5 under /digest/ and Digest SHA-256 under
// /digest256/ (user gw, password gwpass).
type lighttpd struct {
	www       string
	accessLog string
	http      string // http://127.0.0.1:port
	https     string
	mtls      string
	pki       *testPKI
}

const (
	httpUser = "gw"
	httpPass = "gwpass"
)

func startLighttpd(t *testing.T) *lighttpd {
	t.Helper()
	peer.Require(t, "lighttpd")
	dir := t.TempDir()
	pki := newTestPKI(t)
	l := &lighttpd{www: filepath.Join(dir, "www"), accessLog: filepath.Join(dir, "access.log"), pki: pki}
	for _, d := range []string{"basic", "digest", "digest256"} {
		if err := os.MkdirAll(filepath.Join(l.www, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pemFile := write("server.pem", pki.serverPEM)
	caFile := write("ca.pem", pki.caPEM)
	users := write("users", []byte(httpUser+":"+httpPass+"\n"))
	ports := []int{peer.FreeTCPPort(t), peer.FreeTCPPort(t), peer.FreeTCPPort(t)}
	for ports[1] == ports[0] || ports[2] == ports[0] || ports[2] == ports[1] {
		ports[1], ports[2] = peer.FreeTCPPort(t), peer.FreeTCPPort(t)
	}
	conf := fmt.Sprintf(`server.modules = ("mod_auth", "mod_authn_file", "mod_openssl", "mod_accesslog")
server.document-root = %q
server.bind = "127.0.0.1"
server.port = %d
server.pid-file = %q
server.errorlog = %q
accesslog.filename = %q
accesslog.format = "%%h %%u %%t \"%%r\" %%>s %%b \"%%{User-Agent}i\""
mimetype.assign = (".ini" => "text/plain", ".img" => "application/x-potsgate-firmware", ".dat" => "text/plain")
server.stat-cache-engine = "disable"
$SERVER["socket"] == "127.0.0.1:%d" {
    ssl.engine = "enable"
    ssl.pemfile = %q
}
$SERVER["socket"] == "127.0.0.1:%d" {
    ssl.engine = "enable"
    ssl.pemfile = %q
    ssl.ca-file = %q
    ssl.verifyclient.activate = "enable"
    ssl.verifyclient.enforce = "enable"
}
auth.backend = "plain"
auth.backend.plain.userfile = %q
auth.require = (
    "/basic/" => ("method" => "basic", "realm" => "gw-config", "require" => "valid-user"),
    "/digest/" => ("method" => "digest", "realm" => "gw-config", "require" => "valid-user"),
    "/digest256/" => ("method" => "digest", "algorithm" => "SHA-256", "realm" => "gw-config", "require" => "valid-user"),
)
`, l.www, ports[0], filepath.Join(dir, "lighttpd.pid"), filepath.Join(dir, "error.log"), l.accessLog,
		ports[1], pemFile, ports[2], pemFile, caFile, users)
	cfg := write("lighttpd.conf", []byte(conf))
	if out, err := peer.Run(t, 10*time.Second, dir, "lighttpd", "-tt", "-f", cfg); err != nil {
		t.Fatalf("lighttpd rejects its configuration: %v\n%s", err, out)
	}
	proc := peer.Start(t, dir, "lighttpd", "-D", "-f", cfg)
	for _, p := range ports {
		peer.WaitListening(t, fmt.Sprintf("127.0.0.1:%d", p), 10*time.Second)
	}
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("lighttpd error.log:\n%s\n%s", b, proc.Output())
		}
	})
	l.http = fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	l.https = fmt.Sprintf("https://127.0.0.1:%d", ports[1])
	l.mtls = fmt.Sprintf("https://127.0.0.1:%d", ports[2])
	return l
}

// put writes a file under www with the given modification time, so
// If-Modified-Since answers are deterministic.
func (l *lighttpd) put(t *testing.T, name, body string, mtime time.Time) {
	t.Helper()
	p := filepath.Join(l.www, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

// accessLines waits for the access log to hold at least n lines (lighttpd
// buffers it briefly) and returns them.
func (l *lighttpd) accessLines(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(l.accessLog)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(b) > 0 && len(lines) >= n || time.Now().After(deadline) {
			return lines
		}
		time.Sleep(20 * time.Millisecond)
	}
}
