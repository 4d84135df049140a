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
	"time"

	"github.com/potsgate/potsgate/provisioning/certstore"
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

// TLS returns the trusted roots and the device certificate installed from
// TLSRootFileUrl, TLSCertFileUrl and TLSPkeyFileUrl, validated as a set
// (see provisioning/certstore). Either is nil when its files are absent;
// files that are present but unusable are an error naming the file.
func (s DirStore) TLS() (*x509.CertPool, *tls.Certificate, error) {
	files, err := certstore.ReadFiles(s.TLSPaths())
	if err != nil {
		return nil, nil, err
	}
	set, err := certstore.Load(files, time.Now())
	if err != nil {
		return nil, nil, fmt.Errorf("installed TLS files: %w", err)
	}
	return set.Roots(), set.Certificate(), nil
}

// TLSPaths are the installed TLS files that exist ("" for the others).
func (s DirStore) TLSPaths() certstore.Paths {
	exists := func(kind FileKind) string {
		if _, err := os.Stat(s.FilePath(kind)); errors.Is(err, fs.ErrNotExist) {
			return ""
		}
		return s.FilePath(kind)
	}
	return certstore.Paths{Roots: exists(FileTLSRoot), Cert: exists(FileTLSCert), Key: exists(FileTLSKey)}
}
