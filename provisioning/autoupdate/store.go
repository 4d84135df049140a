package autoupdate

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// DirStore keeps what an update cycle downloads in a directory: auxiliary
// files under files/ by kind, the staged firmware image under firmware/.
// A host can embed it to implement [Host.InstallFile] and
// [Host.StageFirmware]. Files are written atomically with mode 0600 (the TLS
// key is among them).
type DirStore struct {
	Dir string
}

// FilePath is where a file of that kind is kept.
func (s DirStore) FilePath(kind FileKind) string {
	return filepath.Join(s.Dir, "files", kind.String())
}

// StagedFirmwarePath is where the staged firmware image is kept.
func (s DirStore) StagedFirmwarePath() string {
	return filepath.Join(s.Dir, "firmware", "staged.img")
}

// InstallFile stores data as the file of that kind.
func (s DirStore) InstallFile(_ context.Context, kind FileKind, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(s.FilePath(kind)), 0o700); err != nil {
		return err
	}
	return writeFileAtomic(s.FilePath(kind), data)
}

// StageFirmware stores the image to be booted at the next restart.
func (s DirStore) StageFirmware(_ context.Context, fw *Firmware) error {
	img, err := EncodeFirmware(fw.Product, fw.Version, fw.Payload)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.StagedFirmwarePath()), 0o700); err != nil {
		return err
	}
	return writeFileAtomic(s.StagedFirmwarePath(), img)
}

// TLS returns the trusted roots and the client certificate installed from
// TLSRootFileUrl, TLSCertFileUrl and TLSPkeyFileUrl. Either is nil when its
// files are absent; a file that is present but unusable is an error.
func (s DirStore) TLS() (*x509.CertPool, *tls.Certificate, error) {
	read := func(kind FileKind) ([]byte, error) {
		b, err := os.ReadFile(s.FilePath(kind))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return b, err
	}
	var pool *x509.CertPool
	roots, err := read(FileTLSRoot)
	if err != nil {
		return nil, nil, err
	}
	if roots != nil {
		pool = x509.NewCertPool()
		if !pool.AppendCertsFromPEM(roots) {
			return nil, nil, fmt.Errorf("%s holds no PEM certificate", s.FilePath(FileTLSRoot))
		}
	}
	certPEM, err := read(FileTLSCert)
	if err != nil {
		return nil, nil, err
	}
	keyPEM, err := read(FileTLSKey)
	if err != nil {
		return nil, nil, err
	}
	if certPEM == nil || keyPEM == nil {
		return pool, nil, nil
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("installed device certificate: %w", err)
	}
	return pool, &cert, nil
}
