package testcert_test

import (
	"crypto/x509"
	"fmt"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/testcert"
)

func Example() {
	t := &testing.T{}
	ca := testcert.NewCA(t)
	srv := ca.Issue(t, testcert.Localhost())
	_, err := srv.Cert.Verify(x509.VerifyOptions{Roots: ca.Pool, DNSName: "127.0.0.1"})
	fmt.Println("verifies for 127.0.0.1:", err == nil)
	old := ca.Issue(t, testcert.Options{DNSNames: []string{"localhost"}, NotAfter: time.Now().Add(-time.Minute)})
	_, err = old.Cert.Verify(x509.VerifyOptions{Roots: ca.Pool, DNSName: "localhost"})
	fmt.Println("expired one verifies:", err == nil)
	// Output:
	// verifies for 127.0.0.1: true
	// expired one verifies: false
}
