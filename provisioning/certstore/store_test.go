package certstore_test

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/testcert"
	"github.com/potsgate/potsgate/provisioning/certstore"
)

// echoServer serves TLS on loopback with cfg and echoes lines; it stops,
// and waits for its goroutines, when the test ends.
func echoServer(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

func dial(t *testing.T, addr string, cfg *tls.Config) (*tls.Conn, error) {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, cfg)
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

func echo(t *testing.T, c *tls.Conn, msg string) {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, msg+"\n"); err != nil {
		t.Fatalf("write: %v", err)
	}
	got, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || got != msg+"\n" {
		t.Fatalf("echo %q, %v", got, err)
	}
}

func mustLoad(t *testing.T, s *certstore.Store, f certstore.Files) {
	t.Helper()
	if _, err := s.Load(f); err != nil {
		t.Fatal(err)
	}
}

// TestRotation: a connection made before a new certificate is installed
// keeps working on the old one; the next connection gets the new one; a
// bad set installed in between changes nothing.
func TestRotation(t *testing.T) {
	root := testcert.NewCA(t, "root")
	a := root.Issue(t, testcert.Options{CommonName: "A"})
	b := root.Issue(t, testcert.Options{CommonName: "B"})
	srv := certstore.New(certstore.Options{})
	mustLoad(t, srv, files(root.CertPEM, a.CertPEM, a.KeyPEM))
	addr := echoServer(t, srv.ServerConfig())
	cli := certstore.New(certstore.Options{})
	mustLoad(t, cli, files(root.CertPEM, nil, nil))

	old, err := dial(t, addr, cli.ClientConfig("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	echo(t, old, "before")

	if _, err := srv.Load(files(root.CertPEM, b.CertPEM, a.KeyPEM)); !errors.Is(err, certstore.ErrKeyMismatch) {
		t.Fatalf("mismatched set: %v", err)
	}
	if got := srv.Current().Certificate().Leaf.Subject.CommonName; got != "A" || srv.Generation() != 1 {
		t.Fatalf("after a refused set the store runs %s, generation %d", got, srv.Generation())
	}
	c, err := dial(t, addr, cli.ClientConfig("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.ConnectionState().PeerCertificates[0].Subject.CommonName; got != "A" {
		t.Fatalf("after a refused set the server presents %s", got)
	}

	mustLoad(t, srv, files(root.CertPEM, b.CertPEM, b.KeyPEM))
	c, err = dial(t, addr, cli.ClientConfig("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.ConnectionState().PeerCertificates[0].Subject.CommonName; got != "B" {
		t.Fatalf("new connection presented %s, want B", got)
	}
	echo(t, c, "new")
	echo(t, old, "after")
	if got := old.ConnectionState().PeerCertificates[0].Subject.CommonName; got != "A" {
		t.Fatalf("old connection's certificate %s", got)
	}
}

// TestClientVerify: the client verifies the chain and the name by
// default, against roots that can change live; VerifyChain skips the
// name; with no roots installed the system's are used (which do not know
// the test CA).
func TestClientVerify(t *testing.T) {
	root := testcert.NewCA(t, "root")
	leaf := root.Issue(t, testcert.Options{DNSNames: []string{"gw.example"}})
	srv := certstore.New(certstore.Options{})
	mustLoad(t, srv, files(nil, leaf.CertPEM, leaf.KeyPEM))
	addr := echoServer(t, srv.ServerConfig())
	cli := certstore.New(certstore.Options{})

	if _, err := dial(t, addr, cli.ClientConfig("gw.example")); err == nil || !strings.Contains(err.Error(), "unknown authority") {
		t.Fatalf("no roots: %v", err)
	}
	mustLoad(t, cli, files(testcert.NewCA(t, "other").CertPEM, nil, nil))
	if _, err := dial(t, addr, cli.ClientConfig("gw.example")); err == nil {
		t.Fatal("verified against another root")
	}
	mustLoad(t, cli, files(root.CertPEM, nil, nil))
	cfg := cli.ClientConfig("gw.example") // made before the roots change below
	if _, err := dial(t, addr, cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := dial(t, addr, cli.ClientConfig("other.example")); err == nil || !strings.Contains(err.Error(), "other.example") {
		t.Fatalf("wrong name: %v", err)
	}
	if _, err := dial(t, addr, cli.ClientConfig("")); err == nil {
		t.Fatal("verified without a name")
	}
	if _, err := dial(t, addr, cli.ClientConfigVerify("other.example", certstore.VerifyChain)); err != nil {
		t.Fatalf("chain only: %v", err)
	}
	mustLoad(t, cli, files(testcert.NewCA(t, "other").CertPEM, nil, nil))
	if _, err := dial(t, addr, cfg); err == nil {
		t.Fatal("a config made earlier did not see the new roots")
	}
	if _, err := dial(t, addr, cli.ClientConfigVerify("", certstore.VerifyNone)); err != nil {
		t.Fatalf("verification off: %v", err)
	}
}

// TestMutualTLS: with client certificates required, a client without one
// is refused and one with the store's device certificate is let in; a
// certificate from another CA is refused.
func TestMutualTLS(t *testing.T) {
	root := testcert.NewCA(t, "root")
	server := root.Issue(t, testcert.Options{})
	srv := certstore.New(certstore.Options{ClientAuth: certstore.RequireClientCert})
	mustLoad(t, srv, files(root.CertPEM, server.CertPEM, server.KeyPEM))
	addr := echoServer(t, srv.ServerConfig())

	try := func(cfg *tls.Config) error {
		c, err := dial(t, addr, cfg)
		if err != nil {
			return err
		}
		// TLS 1.3: the server's verdict on the client arrives with the
		// first read.
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(c, "x\n"); err != nil {
			return err
		}
		_, err = bufio.NewReader(c).ReadString('\n')
		return err
	}
	none := certstore.New(certstore.Options{})
	mustLoad(t, none, files(root.CertPEM, nil, nil))
	if err := try(none.ClientConfig("127.0.0.1")); err == nil {
		t.Fatal("client without a certificate let in")
	}
	stranger := testcert.NewCA(t, "stranger")
	sc := stranger.Issue(t, testcert.Options{Client: true})
	// (A store would not load it: it does not chain to the roots.)
	bad := &tls.Config{RootCAs: testcert.Pool(root), ServerName: "localhost", Certificates: []tls.Certificate{sc.TLS}}
	if err := try(bad); err == nil {
		t.Fatal("client with an untrusted certificate let in")
	}
	cc := root.Issue(t, testcert.Options{Client: true, CommonName: "port-1"})
	good := certstore.New(certstore.Options{})
	mustLoad(t, good, files(root.CertPEM, cc.CertPEM, cc.KeyPEM))
	if err := try(good.ClientConfig("127.0.0.1")); err != nil {
		t.Fatalf("client with a good certificate: %v", err)
	}

	// Without roots the server cannot verify anyone: refused, saying why.
	noRoots := certstore.New(certstore.Options{ClientAuth: certstore.RequireClientCert})
	mustLoad(t, noRoots, files(nil, server.CertPEM, server.KeyPEM))
	addr2 := echoServer(t, noRoots.ServerConfig())
	if _, err := dial(t, addr2, good.ClientConfig("127.0.0.1")); err == nil {
		t.Fatal("handshake without roots to verify clients succeeded")
	}
}

// TestMinVersionAndNoCertificate: a TLS 1.1 client is refused; a store
// with no certificate refuses handshakes instead of serving none.
func TestMinVersionAndNoCertificate(t *testing.T) {
	root := testcert.NewCA(t, "root")
	leaf := root.Issue(t, testcert.Options{})
	srv := certstore.New(certstore.Options{})
	mustLoad(t, srv, files(nil, leaf.CertPEM, leaf.KeyPEM))
	addr := echoServer(t, srv.ServerConfig())
	old := &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}
	if _, err := dial(t, addr, old); err == nil || !strings.Contains(err.Error(), "protocol version") {
		t.Fatalf("TLS 1.1: %v", err)
	}
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		c, err := dial(t, addr, &tls.Config{RootCAs: testcert.Pool(root), ServerName: "localhost", MaxVersion: v})
		if err != nil || c.ConnectionState().Version != v {
			t.Fatalf("version %x: %v", v, err)
		}
	}
	if cfg := srv.ClientConfig("x"); cfg.MinVersion != tls.VersionTLS12 {
		t.Fatalf("client MinVersion %x", cfg.MinVersion)
	}

	empty := certstore.New(certstore.Options{})
	addr2 := echoServer(t, empty.ServerConfig())
	if _, err := dial(t, addr2, &tls.Config{InsecureSkipVerify: true}); err == nil {
		t.Fatal("handshake with no certificate installed succeeded")
	}
}
