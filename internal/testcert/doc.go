// Package testcert makes a certificate authority and the certificates
// signed by it that TLS tests need (servers on 127.0.0.1, clients, expired
// and wrongly named ones), in memory with crypto/x509 and, for the real
// peers, as PEM files.
//
// # Use
//
//	ca := testcert.NewCA(t)
//	srv := ca.Issue(t, testcert.Options{IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
//	cfg := &tls.Config{Certificates: []tls.Certificate{srv.TLS}}
//
// Tests only: the keys are ECDSA P-256 made for the test and thrown away.
package testcert
