package certstore_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/testcert"
	"github.com/potsgate/potsgate/provisioning/certstore"
)

func files(roots, cert, key []byte) certstore.Files {
	return certstore.Files{
		Roots: certstore.File{Name: "tls-root", PEM: roots},
		Cert:  certstore.File{Name: "tls-cert", PEM: cert},
		Key:   certstore.File{Name: "tls-key", PEM: key},
	}
}

// TestLoad: good sets load; each kind of bad file is refused with an
// error naming the file and wrapping the condition.
func TestLoad(t *testing.T) {
	root := testcert.NewCA(t, "root")
	mid := root.Intermediate(t, "mid")
	good := mid.Issue(t, testcert.Options{})
	other := root.Issue(t, testcert.Options{})
	stranger := testcert.NewCA(t, "stranger").Issue(t, testcert.Options{})
	expired := root.Issue(t, testcert.Options{NotBefore: time.Now().Add(-72 * time.Hour), NotAfter: time.Now().Add(-time.Hour)})
	future := root.Issue(t, testcert.Options{NotBefore: time.Now().Add(time.Hour), NotAfter: time.Now().Add(48 * time.Hour)})
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ekDER, _ := x509.MarshalECPrivateKey(ek)
	encrypted := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00"}, Bytes: ekDER})
	der, _ := pem.Decode(good.CertPEM)
	// leaf first, then the intermediate, reversed:
	midFirst := append(append([]byte{}, mid.CertPEM...), good.CertPEM[:len(good.CertPEM)-len(mid.CertPEM)]...)

	ok := []struct {
		name string
		f    certstore.Files
		cert bool
	}{
		{"chain through an intermediate", files(root.CertPEM, good.CertPEM, good.KeyPEM), true},
		{"no roots", files(nil, good.CertPEM, good.KeyPEM), true},
		{"roots only", files(testcert.Bundle(root, mid), nil, nil), false},
		{"key inside the certificate file", files(root.CertPEM, append(append([]byte{}, good.CertPEM...), good.KeyPEM...), nil), true},
		{"text around the blocks", files([]byte("Bag Attributes\n"+string(root.CertPEM)+"trailer\n"), good.CertPEM, good.KeyPEM), true},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			set, err := certstore.Load(c.f, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if (set.Certificate() != nil) != c.cert {
				t.Fatalf("certificate %v, want %v", set.Certificate() != nil, c.cert)
			}
			if c.cert && set.Info().SHA256 == "" {
				t.Error("no fingerprint")
			}
		})
	}

	bad := []struct {
		name string
		f    certstore.Files
		want error
		file string
		says string
	}{
		{"key of another certificate", files(root.CertPEM, good.CertPEM, other.KeyPEM), certstore.ErrKeyMismatch, "tls-key", "does not match"},
		{"expired", files(root.CertPEM, expired.CertPEM, expired.KeyPEM), certstore.ErrExpired, "tls-cert", "expired on"},
		{"not yet valid", files(root.CertPEM, future.CertPEM, future.KeyPEM), certstore.ErrNotYetValid, "tls-cert", "valid from"},
		{"untrusted", files(root.CertPEM, stranger.CertPEM, stranger.KeyPEM), certstore.ErrUntrusted, "tls-cert", "tls-root"},
		{"intermediate missing", files(root.CertPEM, good.CertPEM[:len(good.CertPEM)-len(mid.CertPEM)], good.KeyPEM), certstore.ErrUntrusted, "tls-cert", "unknown authority"},
		{"certificate without key", files(nil, good.CertPEM, nil), certstore.ErrMissing, "tls-key", "without its private key"},
		{"key without certificate", files(nil, nil, good.KeyPEM), certstore.ErrMissing, "tls-cert", "no device certificate"},
		{"garbage certificate", files(nil, []byte("hello\n"), good.KeyPEM), certstore.ErrNoPEM, "tls-cert", "PEM"},
		{"DER certificate", files(nil, der.Bytes, good.KeyPEM), certstore.ErrNoPEM, "tls-cert", "openssl x509 -inform der"},
		{"cut short", files(nil, good.CertPEM[:len(good.CertPEM)*3/4], good.KeyPEM), certstore.ErrBadPEM, "tls-cert", "cut short"},
		{"damaged base64", files(root.CertPEM[:60], good.CertPEM, good.KeyPEM), certstore.ErrBadPEM, "tls-root", "cut short"},
		{"damaged block between good ones", files([]byte(string(root.CertPEM)+"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"+string(mid.CertPEM)), good.CertPEM, good.KeyPEM), certstore.ErrBadPEM, "tls-root", "3 PEM blocks begin but 2 parse"},
		{"corrupt DER in a block", files(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0x03, 1, 2, 3}}), good.CertPEM, good.KeyPEM), certstore.ErrBadPEM, "tls-root", "certificate 1"},
		{"key in the roots", files(good.KeyPEM, good.CertPEM, good.KeyPEM), certstore.ErrBadPEM, "tls-root", `"PRIVATE KEY"`},
		{"certificate in the key file", files(nil, good.CertPEM, append(append([]byte{}, good.KeyPEM...), root.CertPEM...)), certstore.ErrBadPEM, "tls-key", "private key only"},
		{"encrypted key", files(nil, good.CertPEM, encrypted), certstore.ErrEncryptedKey, "tls-key", "unencrypted"},
		{"CA first", files(nil, midFirst, good.KeyPEM), certstore.ErrBadPEM, "tls-cert", "must come first"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			set, err := certstore.Load(c.f, time.Now())
			if err == nil {
				t.Fatalf("loaded: %+v", set.Info())
			}
			if !errors.Is(err, c.want) {
				t.Errorf("error %q is not %q", err, c.want)
			}
			var fe *certstore.FileError
			if !errors.As(err, &fe) || fe.File != c.file {
				t.Errorf("error %q does not name %s", err, c.file)
			}
			if !strings.Contains(err.Error(), c.says) {
				t.Errorf("error %q does not say %q", err, c.says)
			}
		})
	}
}

// TestReadFiles: files are named by their path in errors; a named file
// that does not exist is an error.
func TestReadFiles(t *testing.T) {
	root := testcert.NewCA(t, "root")
	leaf := root.Issue(t, testcert.Options{})
	dir := t.TempDir()
	p := certstore.Paths{
		Roots: testcert.WriteFile(t, dir, "ca.pem", root.CertPEM),
		Cert:  testcert.WriteFile(t, dir, "cert.pem", leaf.CertPEM),
		Key:   testcert.WriteFile(t, dir, "key.pem", root.Issue(t, testcert.Options{}).KeyPEM),
	}
	f, err := certstore.ReadFiles(p)
	if err != nil {
		t.Fatal(err)
	}
	_, err = certstore.Load(f, time.Now())
	if !errors.Is(err, certstore.ErrKeyMismatch) || !strings.HasPrefix(err.Error(), p.Key+": ") {
		t.Fatalf("error %v", err)
	}
	p.Key = dir + "/missing.pem"
	if _, err := certstore.ReadFiles(p); err == nil {
		t.Fatal("a missing file read")
	}
}
