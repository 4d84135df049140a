package autoupdate

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/testcert"
	"github.com/potsgate/potsgate/provisioning/certstore"
)

// tlsHost is a recordingHost that installs TLS files as a set into a
// certificate store, on top of the set it runs.
type tlsHost struct {
	*recordingHost
	store *certstore.Store
	calls int
}

func (h *tlsHost) InstallTLS(_ context.Context, changed map[FileKind][]byte) error {
	h.calls++
	f := certstore.Files{}
	if cur := h.store.Current(); cur != nil {
		f = cur.Files()
	}
	for kind, into := range map[FileKind]*certstore.File{FileTLSRoot: &f.Roots, FileTLSCert: &f.Cert, FileTLSKey: &f.Key} {
		if b, ok := changed[kind]; ok {
			*into = certstore.File{Name: kind.Param(), PEM: b}
		}
	}
	_, err := h.store.Load(f)
	return err
}

// TestTLSFilesInstalledAsASet: the three TLS files reach the host as one
// set; a certificate whose key is not there yet is refused whole (the
// running set stays, the file fails naming what is wrong), and is
// installed with its key at the cycle that brings the key.
func TestTLSFilesInstalledAsASet(t *testing.T) {
	ca := testcert.NewCA(t, "provisioning CA")
	a := ca.Issue(t, testcert.Options{CommonName: "A"})
	b := ca.Issue(t, testcert.Options{CommonName: "B"})
	var mu sync.Mutex
	served := map[string][]byte{"/root.pem": ca.CertPEM, "/dev.crt": a.CertPEM, "/dev.key": a.KeyPEM}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		_, _ = w.Write(served[r.URL.Path])
	}))
	defer srv.Close()
	serve := func(path string, body []byte) {
		mu.Lock()
		defer mu.Unlock()
		served[path] = body
	}
	ini := fmt.Sprintf("TLSRootFileUrl = '%[1]s/root.pem'\nTLSCertFileUrl = '%[1]s/dev.crt'\nTLSPkeyFileUrl = '%[1]s/dev.key'\n", srv.URL)
	f := newFixture(t, ini, Options{})
	host := &tlsHost{recordingHost: f.host, store: certstore.New(certstore.Options{})}
	f.u.opts.Host = host
	running := func() string { return host.store.Current().Certificate().Leaf.Subject.CommonName }
	outcomes := func(rep Report) []Outcome {
		var o []Outcome
		for _, fr := range rep.Files {
			o = append(o, fr.Outcome)
		}
		return o
	}

	rep := f.cycle(t)
	if fmt.Sprint(outcomes(rep)) != fmt.Sprint([]Outcome{Applied, Applied, Applied}) || host.calls != 1 || running() != "A" {
		t.Fatalf("first cycle: %v, %d installs, running %v", rep.Files, host.calls, host.store.Current())
	}
	if len(f.host.files) != 0 || rep.Restarted {
		t.Fatalf("TLS files went through InstallFile (%d) or restarted (%v)", len(f.host.files), rep.Restarted)
	}

	// The new certificate is on the server, its key not yet.
	serve("/dev.crt", b.CertPEM)
	rep = f.cycle(t)
	if fmt.Sprint(outcomes(rep)) != fmt.Sprint([]Outcome{Unchanged, Failed, Unchanged}) || running() != "A" {
		t.Fatalf("certificate without its key: %v, running %s", rep.Files, running())
	}
	if err := rep.Files[1].Err; !errors.Is(err, certstore.ErrKeyMismatch) {
		t.Fatalf("error %v", err)
	}
	// Nothing changed on the server: the refused certificate is tried
	// again (it was never installed), and refused again.
	rep = f.cycle(t)
	if fmt.Sprint(outcomes(rep)) != fmt.Sprint([]Outcome{Unchanged, Failed, Unchanged}) {
		t.Fatalf("second try: %v", rep.Files)
	}

	serve("/dev.key", b.KeyPEM)
	rep = f.cycle(t)
	if fmt.Sprint(outcomes(rep)) != fmt.Sprint([]Outcome{Unchanged, Applied, Applied}) || running() != "B" {
		t.Fatalf("key arrived: %v, running %s", rep.Files, running())
	}
	rep = f.cycle(t)
	if fmt.Sprint(outcomes(rep)) != fmt.Sprint([]Outcome{Unchanged, Unchanged, Unchanged}) || host.store.Generation() != 2 {
		t.Fatalf("nothing new: %v, generation %d", rep.Files, host.store.Generation())
	}
}

// TestLighttpdInstalledTLSAuthenticatesNextCycle: the roots and device
// certificate a cycle installs (from lighttpd over plain HTTP) verify the
// provisioning server and authenticate the device to it at the next
// cycle, against a real lighttpd that demands a client certificate.
func TestLighttpdInstalledTLSAuthenticatesNextCycle(t *testing.T) {
	srv := startLighttpd(t)
	srv.put(t, "gw.ini", goodIni, time.Now().Add(-time.Hour))
	srv.put(t, "ca.pem", string(srv.pki.caPEM), time.Now().Add(-time.Hour))
	srv.put(t, "device.pem", string(srv.pki.clientPEM), time.Now().Add(-time.Hour))
	ini := fmt.Sprintf("IniFileURL = '%s/gw.ini'\nTLSRootFileUrl = '%s/ca.pem'\nTLSCertFileUrl = '%s/device.pem'\n", srv.mtls, srv.http, srv.http)
	store := certstore.New(certstore.Options{})
	f := newFixture(t, ini, Options{InstalledTLS: func() (*x509.CertPool, *tls.Certificate) {
		if set := store.Current(); set != nil {
			return set.Roots(), set.Certificate()
		}
		return nil, nil
	}})
	f.u.opts.Host = &tlsHost{recordingHost: f.host, store: store}
	rep := f.cycle(t)
	if len(rep.Files) != 3 || rep.Files[0].Outcome != Failed || rep.Files[1].Outcome != Applied || rep.Files[2].Outcome != Applied {
		t.Fatalf("first cycle: %+v", rep.Files)
	}
	rep = f.cycle(t)
	wantOutcome(t, rep.Files[0], Applied)
	if f.host.Config().Int("RegistrationTime") != 120 {
		t.Fatal("the ini from the mutual-TLS server was not applied")
	}
}
