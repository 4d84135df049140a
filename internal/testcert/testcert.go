package testcert

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// TB is what the helpers need of a test: testing.TB has it.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// CA is a certificate authority: a root, or an intermediate made by
// [CA.Intermediate].
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	// CertPEM is the CA's certificate in PEM.
	CertPEM []byte
	// chainPEM is this CA's certificate followed by its parents' up to,
	// not including, the root: what a leaf it issues carries after itself.
	chainPEM []byte
}

// Options describe a certificate to issue. The zero value is a server
// certificate named "localhost" for localhost and 127.0.0.1.
type Options struct {
	CommonName string
	DNSNames   []string
	IPs        []net.IP
	// NotBefore and NotAfter default to an hour ago and a day from now.
	NotBefore, NotAfter time.Time
	// Client makes a client certificate (ExtKeyUsageClientAuth); the
	// default is a server certificate that may also authenticate as a
	// client, as a gateway's device certificate does.
	Client bool
}

// Leaf is an issued certificate and its key.
type Leaf struct {
	Cert *x509.Certificate
	// CertPEM is the certificate followed by the intermediates up to the
	// root (not included): the file a server presents.
	CertPEM []byte
	// KeyPEM is the private key, PKCS #8.
	KeyPEM []byte
	// TLS is CertPEM and KeyPEM as a tls.Certificate.
	TLS tls.Certificate
}

// NewCA makes a self-signed root CA.
func NewCA(tb TB, name string) *CA {
	tb.Helper()
	key := newKey(tb)
	tmpl := &x509.Certificate{
		SerialNumber:          serial(tb),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"potsgate test"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(10 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	cert, der := create(tb, tmpl, tmpl, key.Public(), key)
	return &CA{Cert: cert, Key: key, CertPEM: pemCert(der)}
}

// Intermediate makes a CA signed by ca.
func (ca *CA) Intermediate(tb TB, name string) *CA {
	tb.Helper()
	key := newKey(tb)
	tmpl := &x509.Certificate{
		SerialNumber:          serial(tb),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"potsgate test"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(5 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        false,
	}
	cert, der := create(tb, tmpl, ca.Cert, key.Public(), ca.Key)
	p := pemCert(der)
	return &CA{Cert: cert, Key: key, CertPEM: p, chainPEM: append(append([]byte{}, p...), ca.chainPEM...)}
}

// Issue makes a certificate signed by ca.
func (ca *CA) Issue(tb TB, o Options) *Leaf {
	tb.Helper()
	if o.CommonName == "" {
		o.CommonName = "localhost"
	}
	if o.DNSNames == nil && o.IPs == nil {
		o.DNSNames = []string{"localhost"}
		o.IPs = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	if o.NotBefore.IsZero() {
		o.NotBefore = time.Now().Add(-time.Hour)
	}
	if o.NotAfter.IsZero() {
		o.NotAfter = time.Now().Add(24 * time.Hour)
	}
	usage := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	if o.Client {
		usage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	key := newKey(tb)
	tmpl := &x509.Certificate{
		SerialNumber: serial(tb),
		Subject:      pkix.Name{CommonName: o.CommonName, Organization: []string{"potsgate test"}},
		DNSNames:     o.DNSNames,
		IPAddresses:  o.IPs,
		NotBefore:    o.NotBefore,
		NotAfter:     o.NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  usage,
	}
	cert, der := create(tb, tmpl, ca.Cert, key.Public(), ca.Key)
	certPEM := append(pemCert(der), ca.chainPEM...)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatalf("testcert: %v", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		tb.Fatalf("testcert: %v", err)
	}
	return &Leaf{Cert: cert, CertPEM: certPEM, KeyPEM: keyPEM, TLS: pair}
}

// Pool is a certificate pool holding the given CAs.
func Pool(cas ...*CA) *x509.CertPool {
	p := x509.NewCertPool()
	for _, ca := range cas {
		p.AddCert(ca.Cert)
	}
	return p
}

// Bundle is the PEM certificates of cas, one after the other: a roots file.
func Bundle(cas ...*CA) []byte {
	var b bytes.Buffer
	for _, ca := range cas {
		b.Write(ca.CertPEM)
	}
	return b.Bytes()
}

// WriteFile writes data to name in dir with mode 0600 and returns its path.
func WriteFile(tb TB, dir, name string, data []byte) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		tb.Fatalf("testcert: %v", err)
	}
	return p
}

func newKey(tb TB) *ecdsa.PrivateKey {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatalf("testcert: %v", err)
	}
	return k
}

func serial(tb TB) *big.Int {
	tb.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		tb.Fatalf("testcert: %v", err)
	}
	return n.Add(n, big.NewInt(1))
}

func create(tb TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) (*x509.Certificate, []byte) {
	tb.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		tb.Fatalf("testcert: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatalf("testcert: %v", err)
	}
	return cert, der
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// Localhost is the options of a certificate naming 127.0.0.1 and
// localhost, for a server or a client: what the loopback peers present.
func Localhost() Options {
	return Options{IPs: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"}}
}

// WriteFile writes the CA's certificate as PEM into dir, a roots file for
// a real peer, and returns its path.
func (ca *CA) WriteFile(tb TB, dir, name string) string {
	tb.Helper()
	return WriteFile(tb, dir, name, ca.CertPEM)
}

// WriteFiles writes the leaf's certificate (with its chain) and key as PEM
// into dir under the names given and returns their paths.
func (l *Leaf) WriteFiles(tb TB, dir, certName, keyName string) (certPath, keyPath string) {
	tb.Helper()
	return WriteFile(tb, dir, certName, l.CertPEM), WriteFile(tb, dir, keyName, l.KeyPEM)
}
