package testcert_test

import (
	"crypto/x509"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/testcert"
)

// TestChainVerifies: a leaf issued through an intermediate verifies
// against the root alone, for its IP and name, and not against another
// root; an expired one does not verify.
func TestChainVerifies(t *testing.T) {
	root := testcert.NewCA(t, "root")
	mid := root.Intermediate(t, "mid")
	leaf := mid.Issue(t, testcert.Options{})
	inter := x509.NewCertPool()
	inter.AddCert(mid.Cert)
	for _, name := range []string{"127.0.0.1", "localhost"} {
		if _, err := leaf.Cert.Verify(x509.VerifyOptions{Roots: testcert.Pool(root), Intermediates: inter, DNSName: name}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := leaf.Cert.Verify(x509.VerifyOptions{Roots: testcert.Pool(testcert.NewCA(t, "other")), Intermediates: inter}); err == nil {
		t.Error("verified against an unrelated root")
	}
	if len(leaf.TLS.Certificate) != 2 {
		t.Errorf("chain in CertPEM has %d certificates, want leaf + intermediate", len(leaf.TLS.Certificate))
	}
	old := root.Issue(t, testcert.Options{NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-time.Hour)})
	if _, err := old.Cert.Verify(x509.VerifyOptions{Roots: testcert.Pool(root)}); err == nil {
		t.Error("expired certificate verified")
	}
}

func ExampleCA_Issue() {
	var t panicTB // in a test, the test's own t
	ca := testcert.NewCA(t, "test root")
	leaf := ca.Issue(t, testcert.Options{CommonName: "gw", IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
	fmt.Println(leaf.Cert.Subject.CommonName, leaf.Cert.IPAddresses, leaf.Cert.Issuer.CommonName)
	// Output: gw [127.0.0.1] test root
}

// panicTB stands in for a test in examples.
type panicTB struct{}

func (panicTB) Helper()                        {}
func (panicTB) Fatalf(format string, a ...any) { panic(fmt.Sprintf(format, a...)) }
