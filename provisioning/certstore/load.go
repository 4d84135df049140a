package certstore

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// Conditions a [FileError] wraps, for errors.Is.
var (
	ErrNoPEM         = errors.New("no PEM block")
	ErrBadPEM        = errors.New("malformed content")
	ErrEncryptedKey  = errors.New("the private key is encrypted")
	ErrKeyMismatch   = errors.New("the private key does not match the certificate")
	ErrMissing       = errors.New("file missing from the set")
	ErrExpired       = errors.New("certificate expired")
	ErrNotYetValid   = errors.New("certificate not yet valid")
	ErrUntrusted     = errors.New("certificate does not chain to the trusted roots")
	ErrNoCertificate = errors.New("no device certificate installed")
)

// FileError is what is wrong with one file of a set.
type FileError struct {
	// File names the file: a path, or a kind such as "tls-cert".
	File string
	Err  error
}

func (e *FileError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// File is one PEM file.
type File struct {
	// Name identifies the file in errors (a path, or "tls-cert").
	Name string
	PEM  []byte
}

// Files is a set of TLS files; a File with no PEM is not part of the set.
type Files struct {
	// Roots are the trusted root certificates (TLSRootFileUrl): they
	// verify servers the gateway connects to and clients that present a
	// certificate.
	Roots File
	// Cert is the device certificate, followed by the intermediates that
	// lead to its root (TLSCertFileUrl).
	Cert File
	// Key is the device certificate's private key, unencrypted
	// (TLSPkeyFileUrl). When it is absent, a key in Cert is used.
	Key File
}

// Paths name TLS files on disk; "" leaves that file out.
type Paths struct {
	Roots, Cert, Key string
}

// ReadFiles reads the files of p. A file that p names and that cannot be
// read is an error.
func ReadFiles(p Paths) (Files, error) {
	var f Files
	for _, x := range []struct {
		path string
		into *File
	}{{p.Roots, &f.Roots}, {p.Cert, &f.Cert}, {p.Key, &f.Key}} {
		if x.path == "" {
			continue
		}
		b, err := os.ReadFile(x.path)
		if err != nil {
			return Files{}, err
		}
		*x.into = File{Name: x.path, PEM: b}
	}
	return f, nil
}

// Set is a validated set of TLS files.
type Set struct {
	roots     *x509.CertPool
	rootCerts []*x509.Certificate
	cert      *tls.Certificate
	loaded    time.Time
	files     Files
}

// Certificate is the device certificate with its chain and key; nil when
// the set has none.
func (s *Set) Certificate() *tls.Certificate { return s.cert }

// Roots are the trusted roots; nil when the set has none (the system's
// are used to verify servers then, and client certificates cannot be
// verified).
func (s *Set) Roots() *x509.CertPool { return s.roots }

// Info describes a set, for status pages and logs (nothing secret).
type Info struct {
	Subject, Issuer     string
	DNSNames            []string
	IPs                 []net.IP
	NotBefore, NotAfter time.Time
	// SHA256 is the device certificate's fingerprint, hex.
	SHA256 string
	// Chain is how many certificates the device presents (itself
	// included); Roots how many trusted roots the set has.
	Chain, Roots int
	// Loaded is when the set was validated.
	Loaded time.Time
}

// Info describes the set.
func (s *Set) Info() Info {
	in := Info{Roots: len(s.rootCerts), Loaded: s.loaded}
	if s.cert != nil {
		l := s.cert.Leaf
		sum := sha256.Sum256(l.Raw)
		in.Subject, in.Issuer = l.Subject.String(), l.Issuer.String()
		in.DNSNames, in.IPs = l.DNSNames, l.IPAddresses
		in.NotBefore, in.NotAfter = l.NotBefore, l.NotAfter
		in.SHA256 = hex.EncodeToString(sum[:])
		in.Chain = len(s.cert.Certificate)
	}
	return in
}

// Load validates f at time now and returns it as a Set. A set may hold
// only roots (to verify peers, presenting no certificate), only a
// certificate and key, or both; a certificate without its key, or a key
// without its certificate, is an error.
func Load(f Files, now time.Time) (*Set, error) {
	s := &Set{loaded: now, files: f}
	if len(f.Roots.PEM) > 0 {
		certs, err := parseCerts(f.Roots, "root certificate")
		if err != nil {
			return nil, err
		}
		s.roots = x509.NewCertPool()
		for _, c := range certs {
			s.roots.AddCert(c)
		}
		s.rootCerts = certs
	}
	certBlocks, keyInCert, err := splitCertFile(f.Cert)
	if err != nil {
		return nil, err
	}
	keyFile := f.Key
	if len(keyFile.PEM) == 0 && keyInCert != nil {
		keyFile = File{Name: f.Cert.Name, PEM: pem.EncodeToMemory(keyInCert)}
	}
	switch {
	case len(certBlocks) == 0 && len(keyFile.PEM) == 0:
		return s, nil
	case len(certBlocks) == 0:
		return nil, &FileError{File: name(f.Cert, "certificate file"), Err: fmt.Errorf("%w: a private key is given (%s) but no device certificate", ErrMissing, name(keyFile, "key file"))}
	case len(keyFile.PEM) == 0:
		return nil, &FileError{File: name(f.Key, "key file"), Err: fmt.Errorf("%w: the device certificate (%s) is given without its private key", ErrMissing, name(f.Cert, "certificate file"))}
	}
	chain := make([]*x509.Certificate, len(certBlocks))
	for i, b := range certBlocks {
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, &FileError{File: name(f.Cert, "certificate file"), Err: fmt.Errorf("%w: certificate %d: %w", ErrBadPEM, i+1, err)}
		}
		chain[i] = c
	}
	leaf := chain[0]
	if leaf.IsCA && len(chain) > 1 && !chain[len(chain)-1].IsCA {
		return nil, &FileError{File: name(f.Cert, "certificate file"), Err: fmt.Errorf("%w: the first certificate is a CA (%s); the device certificate must come first, then its intermediates", ErrBadPEM, leaf.Subject)}
	}
	key, err := parseKey(keyFile)
	if err != nil {
		return nil, err
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(leaf.PublicKey) {
		return nil, &FileError{File: name(keyFile, "key file"), Err: fmt.Errorf("%w (%s, subject %s)", ErrKeyMismatch, name(f.Cert, "certificate file"), leaf.Subject)}
	}
	certName := name(f.Cert, "certificate file")
	if now.Before(leaf.NotBefore) {
		return nil, &FileError{File: certName, Err: fmt.Errorf("%w: %s is valid from %s (now %s)", ErrNotYetValid, leaf.Subject, leaf.NotBefore.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))}
	}
	if now.After(leaf.NotAfter) {
		return nil, &FileError{File: certName, Err: fmt.Errorf("%w: %s expired on %s", ErrExpired, leaf.Subject, leaf.NotAfter.UTC().Format(time.RFC3339))}
	}
	if s.roots != nil {
		inter := x509.NewCertPool()
		for _, c := range chain[1:] {
			inter.AddCert(c)
		}
		_, err := leaf.Verify(x509.VerifyOptions{Roots: s.roots, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		if err != nil {
			return nil, &FileError{File: certName, Err: fmt.Errorf("%w in %s: %w", ErrUntrusted, name(f.Roots, "roots file"), err)}
		}
	}
	ders := make([][]byte, len(chain))
	for i, c := range chain {
		ders[i] = c.Raw
	}
	s.cert = &tls.Certificate{Certificate: ders, PrivateKey: key, Leaf: leaf}
	return s, nil
}

func name(f File, what string) string {
	if f.Name != "" {
		return f.Name
	}
	return what
}

// blocks decodes every PEM block of data. Text around the blocks (openssl
// writes "Bag Attributes" and the like) is allowed; a file with no block
// at all is not.
func blocks(f File, what string) ([]*pem.Block, error) {
	var out []*pem.Block
	rest := f.PEM
	for {
		b, r := pem.Decode(rest)
		if b == nil {
			break
		}
		out = append(out, b)
		rest = r
	}
	if len(out) == 0 {
		why := fmt.Errorf("%w: expected a %s in PEM (-----BEGIN ...)", ErrNoPEM, what)
		if _, err := x509.ParseCertificate(f.PEM); err == nil {
			why = fmt.Errorf("%w: it is a DER certificate; convert it with openssl x509 -inform der -out FILE.pem", ErrNoPEM)
		} else if bytes.Contains(rest, []byte("-----BEGIN")) {
			why = fmt.Errorf("%w: a PEM block is cut short or its base64 is damaged", ErrBadPEM)
		}
		return nil, &FileError{File: name(f, what+" file"), Err: why}
	}
	// pem.Decode skips a damaged block and goes on to the next one: count
	// the blocks begun to see it.
	if begun := bytes.Count(f.PEM, []byte("-----BEGIN ")); begun != len(out) {
		return nil, &FileError{File: name(f, what+" file"), Err: fmt.Errorf("%w: %d PEM blocks begin but %d parse: one is cut short or its base64 is damaged", ErrBadPEM, begun, len(out))}
	}
	return out, nil
}

// parseCerts parses a file of CERTIFICATE blocks only.
func parseCerts(f File, what string) ([]*x509.Certificate, error) {
	bs, err := blocks(f, what)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	for i, b := range bs {
		if b.Type != "CERTIFICATE" {
			return nil, &FileError{File: name(f, what+" file"), Err: fmt.Errorf("%w: block %d is %q; only CERTIFICATE blocks belong here", ErrBadPEM, i+1, b.Type)}
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, &FileError{File: name(f, what+" file"), Err: fmt.Errorf("%w: certificate %d: %w", ErrBadPEM, i+1, err)}
		}
		certs = append(certs, c)
	}
	return certs, nil
}

// splitCertFile returns the certificate blocks of the device certificate
// file and the private key block it may also hold (a combined PEM).
func splitCertFile(f File) (certs []*pem.Block, key *pem.Block, err error) {
	if len(f.PEM) == 0 {
		return nil, nil, nil
	}
	bs, err := blocks(f, "device certificate")
	if err != nil {
		return nil, nil, err
	}
	for i, b := range bs {
		switch {
		case b.Type == "CERTIFICATE":
			certs = append(certs, b)
		case isKeyBlock(b) && key == nil:
			key = b
		default:
			return nil, nil, &FileError{File: name(f, "certificate file"), Err: fmt.Errorf("%w: block %d is %q; expected CERTIFICATE blocks (and at most one private key)", ErrBadPEM, i+1, b.Type)}
		}
	}
	if len(certs) == 0 {
		return nil, nil, &FileError{File: name(f, "certificate file"), Err: fmt.Errorf("%w: no CERTIFICATE block", ErrNoPEM)}
	}
	return certs, key, nil
}

func isKeyBlock(b *pem.Block) bool {
	switch b.Type {
	case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY":
		return true
	}
	return false
}

// parseKey parses the one private key of a key file.
func parseKey(f File) (crypto.Signer, error) {
	fe := func(err error) error { return &FileError{File: name(f, "key file"), Err: err} }
	bs, err := blocks(f, "private key")
	if err != nil {
		return nil, err
	}
	var kb *pem.Block
	for i, b := range bs {
		switch {
		case b.Type == "EC PARAMETERS": // openssl ecparam -genkey writes it first
		case isKeyBlock(b) && kb == nil:
			kb = b
		case isKeyBlock(b):
			return nil, fe(fmt.Errorf("%w: more than one private key (block %d)", ErrBadPEM, i+1))
		default:
			return nil, fe(fmt.Errorf("%w: block %d is %q; the key file holds the private key only", ErrBadPEM, i+1, b.Type))
		}
	}
	if kb == nil {
		return nil, fe(fmt.Errorf("%w: no PRIVATE KEY block", ErrNoPEM))
	}
	if kb.Type == "ENCRYPTED PRIVATE KEY" || kb.Headers["Proc-Type"] == "4,ENCRYPTED" {
		return nil, fe(fmt.Errorf("%w: install it unencrypted (openssl pkey -in KEY -out PLAIN)", ErrEncryptedKey))
	}
	var key any
	switch kb.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(kb.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(kb.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(kb.Bytes)
	}
	if err != nil {
		return nil, fe(fmt.Errorf("%w: %s: %w", ErrBadPEM, kb.Type, err))
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return nil, fe(fmt.Errorf("%w: RSA key of %d bits; TLS needs 2048 at least", ErrBadPEM, k.N.BitLen()))
		}
		return k, nil
	case *ecdsa.PrivateKey:
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	}
	return nil, fe(fmt.Errorf("%w: key type %T is not usable for TLS", ErrBadPEM, key))
}

// Files are the files the set was made from, for a new set that replaces
// some of them (Automatic Update downloads only what changed).
func (s *Set) Files() Files { return s.files }
