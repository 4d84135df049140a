package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/provisioning/autoupdate"
	"github.com/potsgate/potsgate/provisioning/certstore"
	"github.com/potsgate/potsgate/telephony/gateway"
)

// webServers are the listeners of the status and management pages: plain
// HTTP on -http, and HTTPS with the device certificate of the TLS store.
// They outlive gateway restarts. HTTPS is served on -https, or on the
// -http address with HTTPSPort, once there is a reason to: -https given,
// a certificate installed, or HTTPSOnly = 1.
type webServers struct {
	pages     http.Handler // the pages, behind gateway.HTTPSPolicy
	store     *certstore.Store
	httpsFlag string // -https
	httpHost  string // host of the -http listener; "" = no -http
	auth      func() certstore.ClientAuth
	log       *slog.Logger

	mu        sync.Mutex
	closed    bool
	httpsWant string // the address asked for; "" = no HTTPS
	https     *http.Server
	port      atomic.Int64 // the HTTPS listener's port; 0 = none
	addr      atomic.Value // its address, string
	wg        sync.WaitGroup
}

// httpsPort is the port plain HTTP redirects to: 0 when there is no HTTPS
// listener, or no certificate for it to serve (HTTPSPolicy then says so
// rather than sending browsers to a handshake that fails).
func (w *webServers) httpsPort() int {
	if set := w.store.Current(); set == nil || set.Certificate() == nil {
		return 0
	}
	return int(w.port.Load())
}

// httpsAddr is the HTTPS listener's address, "" when there is none.
func (w *webServers) httpsAddr() string {
	a, _ := w.addr.Load().(string)
	return a
}

// want is the HTTPS address cfg asks for, and whether failing to open it
// is an error (HTTPS asked for explicitly) rather than a warning.
func (w *webServers) want(cfg provisioning.Config) (addr string, required bool) {
	if w.httpsFlag != "" {
		return w.httpsFlag, true
	}
	if w.httpHost == "" {
		return "", false
	}
	set := w.store.Current()
	if (set == nil || set.Certificate() == nil) && !gateway.HTTPSOnly(cfg) {
		return "", false
	}
	return net.JoinHostPort(w.httpHost, strconv.Itoa(gateway.HTTPSPort(cfg))), gateway.HTTPSOnly(cfg)
}

// reconcile opens, moves or closes the HTTPS listener as cfg and the
// installed certificate ask. A new certificate needs none of this: the
// listener's config reads the store at each handshake.
func (w *webServers) reconcile(cfg provisioning.Config) error {
	want, required := w.want(cfg)
	w.mu.Lock()
	defer w.mu.Unlock()
	if want == w.httpsWant || w.closed {
		return nil
	}
	if w.https != nil {
		_ = w.https.Close() // a port change: its connections go with it
		w.https = nil
		w.port.Store(0)
		w.addr.Store("")
	}
	w.httpsWant = ""
	if want == "" {
		return nil
	}
	ln, err := net.Listen("tcp", want)
	if err != nil {
		if required {
			return fmt.Errorf("HTTPS pages: %w", err)
		}
		w.log.Warn("HTTPS pages not served", "address", want, "error", err)
		return nil
	}
	srv := &http.Server{
		Handler:           w.pages,
		ReadHeaderTimeout: 5 * time.Second,
		// Failed handshakes (scanners, a browser refusing the
		// certificate) are routine: debug, not the console.
		ErrorLog: slog.NewLogLogger(w.log.Handler(), slog.LevelDebug),
	}
	w.https, w.httpsWant = srv, want
	w.port.Store(int64(ln.Addr().(*net.TCPAddr).Port))
	w.addr.Store(ln.Addr().String())
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		_ = srv.Serve(tls.NewListener(ln, w.store.ServerConfigFunc(w.auth)))
	}()
	if set := w.store.Current(); set == nil || set.Certificate() == nil {
		w.log.Warn("HTTPS pages up without a certificate: handshakes fail until one is installed", "address", ln.Addr().String())
	} else {
		w.log.Info("HTTPS pages", "address", ln.Addr().String())
	}
	return nil
}

// close stops the HTTPS listener and waits for it.
func (w *webServers) close() {
	w.mu.Lock()
	if w.https != nil {
		_ = w.https.Close()
	}
	w.https, w.closed = nil, true
	w.mu.Unlock()
	w.wg.Wait()
}

// loadTLS installs the TLS files the gateway starts with: those the
// -tls-* flags name (an error stops the gateway: the operator asked for
// them), else those Automatic Update installed before (an error is
// returned as a warning: the gateway runs without, and says so).
func loadTLS(store *certstore.Store, f gatewayFlags, d autoupdate.DirStore) (warning, err error) {
	if f.tlsRoots != "" || f.tlsCert != "" || f.tlsKey != "" {
		files, err := certstore.ReadFiles(certstore.Paths{Roots: f.tlsRoots, Cert: f.tlsCert, Key: f.tlsKey})
		if err != nil {
			return nil, err
		}
		_, err = store.Load(files)
		return nil, err
	}
	p := d.TLSPaths()
	if p == (certstore.Paths{}) {
		return nil, nil
	}
	files, err := certstore.ReadFiles(p)
	if err == nil {
		_, err = store.Load(files)
	}
	return err, nil
}

// InstallTLS installs the TLS files a cycle downloaded as one set, in
// place of the running set's files of the same kinds: validated first
// (a set that fails changes nothing), then saved, then served by the
// next handshake. Connections and calls up keep theirs.
func (h *configHost) InstallTLS(ctx context.Context, changed map[autoupdate.FileKind][]byte) error {
	var f certstore.Files
	if cur := h.tls.Current(); cur != nil {
		f = cur.Files()
	}
	for kind, b := range changed {
		file := certstore.File{Name: kind.Param(), PEM: b}
		switch kind {
		case autoupdate.FileTLSRoot:
			f.Roots = file
		case autoupdate.FileTLSCert:
			f.Cert = file
		case autoupdate.FileTLSKey:
			f.Key = file
		default:
			return fmt.Errorf("%s is not a TLS file", kind)
		}
	}
	if err := h.tls.Check(f); err != nil {
		return err
	}
	for kind, b := range changed {
		if err := h.DirStore.InstallFile(ctx, kind, b); err != nil {
			return err
		}
	}
	if _, err := h.tls.Load(f); err != nil {
		return err
	}
	if g := h.gw.Load(); g != nil {
		g.ConfigurationResult("tls", nil) // a set refused at start is replaced
		g.ConfigurationResult("tls expiry", tlsExpiry(h.tls.Current(), time.Now()))
	}
	if h.onTLS != nil {
		h.onTLS()
	}
	return nil
}

// expiryWarning is how long before its end the device certificate raises
// the alarm: time to get a new one onto the provisioning server.
const expiryWarning = 30 * 24 * time.Hour

// tlsExpiry is what is wrong with the running device certificate's
// validity at now: nil when it has more than expiryWarning left (or there
// is none).
func tlsExpiry(set *certstore.Set, now time.Time) error {
	if set == nil || set.Certificate() == nil {
		return nil
	}
	in := set.Info()
	switch left := in.NotAfter.Sub(now); {
	case left <= 0:
		return fmt.Errorf("the device certificate %s expired on %s: install a new one (TLSCertFileUrl, TLSPkeyFileUrl)", in.Subject, in.NotAfter.UTC().Format(time.DateOnly))
	case left < expiryWarning:
		return fmt.Errorf("the device certificate %s expires on %s, in %d days: install a new one (TLSCertFileUrl, TLSPkeyFileUrl)",
			in.Subject, in.NotAfter.UTC().Format(time.DateOnly), int(left.Hours()/24))
	}
	return nil
}

// watchExpiry checks the device certificate's validity now and then every
// hour until ctx ends, raising or clearing the "tls expiry" configuration
// alarm of the gateway running.
func watchExpiry(ctx context.Context, store *certstore.Store, gw func() *gateway.Gateway) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if g := gw(); g != nil {
			g.ConfigurationResult("tls expiry", tlsExpiry(store.Current(), time.Now()))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
