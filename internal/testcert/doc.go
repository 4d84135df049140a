// Package testcert makes certificate authorities and certificates for
// tests, with crypto/x509 in memory: no openssl, no files unless asked.
//
// # Use
//
// A root CA signs server and client certificates, directly or through an
// intermediate:
//
//	ca := testcert.NewCA(t, "test root")
//	srv := ca.Issue(t, testcert.Options{CommonName: "gw", IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
//	// srv.CertPEM, srv.KeyPEM, srv.TLS (a tls.Certificate), ca.CertPEM
//
// Keys are ECDSA P-256 (fast to make, even under -race). Certificates are
// valid from an hour ago for a day unless Options say otherwise, so an
// expired or not-yet-valid one is one field away.
package testcert
