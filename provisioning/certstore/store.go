package certstore

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// ClientAuth is what a server config asks of TLS clients.
type ClientAuth int

const (
	// NoClientCert asks clients for no certificate.
	NoClientCert ClientAuth = iota
	// VerifyClientCertIfGiven verifies a certificate a client presents
	// against the trusted roots, and accepts a client that presents none.
	// With no roots installed nothing is asked.
	VerifyClientCertIfGiven
	// RequireClientCert refuses a client without a certificate that
	// chains to the trusted roots (mutual TLS). With no roots installed
	// every handshake fails.
	RequireClientCert
)

func (c ClientAuth) String() string {
	switch c {
	case NoClientCert:
		return "none"
	case VerifyClientCertIfGiven:
		return "verify if given"
	case RequireClientCert:
		return "required"
	}
	return "ClientAuth(" + strconv.Itoa(int(c)) + ")"
}

// Verify is how a client config checks the server's certificate.
type Verify int

const (
	// VerifyFull checks the chain to the trusted roots and that the
	// certificate names the server.
	VerifyFull Verify = iota
	// VerifyChain checks the chain only (PeerHostNameVerificationMode 0).
	VerifyChain
	// VerifyNone checks nothing: only for an operator who turned
	// verification off.
	VerifyNone
)

func (v Verify) String() string {
	switch v {
	case VerifyFull:
		return "full"
	case VerifyChain:
		return "chain only"
	case VerifyNone:
		return "none"
	}
	return "Verify(" + strconv.Itoa(int(v)) + ")"
}

// ErrNoRoots is a handshake refused because client certificates are
// required and no trusted roots are installed to verify them.
var ErrNoRoots = errors.New("client certificates required but no trusted roots are installed")

// Options configure a Store; the zero value is the default.
type Options struct {
	// Now is the clock validation uses (nil: time.Now).
	Now func() time.Time
	// Logger hears sets installed and refused (nil: none). Keys are never
	// logged.
	Logger *slog.Logger
	// ClientAuth is what ServerConfig asks of clients.
	ClientAuth ClientAuth
}

// Store holds the running set of TLS files and hands out tls.Configs that
// always use it. The zero Store is not usable; call New.
type Store struct {
	opts Options
	log  *slog.Logger
	cur  atomic.Pointer[Set]
	mu   sync.Mutex // serialises Load, so two installs do not interleave
	gen  atomic.Uint64
}

// New returns a store with no set: servers fail their handshakes with
// ErrNoCertificate and clients verify servers against the system's roots
// until Load installs one.
func New(opts Options) *Store {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Store{opts: opts, log: opts.Logger}
}

// Load validates f and, when it is valid, makes it the running set;
// connections made from now on use it. When it is not, the running set
// stays and the error says which file is wrong and how.
func (s *Store) Load(f Files) (*Set, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	set, err := Load(f, s.opts.Now())
	if err != nil {
		s.log.Warn("TLS files refused; the running set stays", "error", err)
		return nil, fmt.Errorf("TLS files refused: %w", err)
	}
	s.install(set)
	return set, nil
}

// Check validates f the way Load does, without installing it.
func (s *Store) Check(f Files) error {
	_, err := Load(f, s.opts.Now())
	return err
}

func (s *Store) install(set *Set) {
	s.cur.Store(set)
	n := s.gen.Add(1)
	in := set.Info()
	s.log.Info("TLS files installed", "generation", n, "subject", in.Subject, "issuer", in.Issuer,
		"not_after", in.NotAfter, "sha256", in.SHA256, "roots", in.Roots)
}

// Current is the running set; nil before the first Load.
func (s *Store) Current() *Set { return s.cur.Load() }

// Generation counts the sets installed so far.
func (s *Store) Generation() uint64 { return s.gen.Load() }

// ServerConfig is a server config asking clients for Options.ClientAuth.
func (s *Store) ServerConfig() *tls.Config {
	auth := s.opts.ClientAuth
	return s.ServerConfigFunc(func() ClientAuth { return auth })
}

// ServerConfigFunc is a server config that presents the running
// certificate and asks clients for what auth returns, both read at each
// handshake: a consumer with its own live parameter (mutual TLS for SIP,
// say) passes a function that reads it.
func (s *Store) ServerConfigFunc(auth func() ClientAuth) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			set := s.cur.Load()
			if set == nil || set.cert == nil {
				return nil, ErrNoCertificate
			}
			c := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{*set.cert}}
			switch auth() {
			case VerifyClientCertIfGiven:
				if set.roots != nil {
					c.ClientAuth, c.ClientCAs = tls.VerifyClientCertIfGiven, set.roots
				}
			case RequireClientCert:
				if set.roots == nil {
					return nil, ErrNoRoots
				}
				c.ClientAuth, c.ClientCAs = tls.RequireAndVerifyClientCert, set.roots
			}
			return c, nil
		},
	}
}

// ClientConfig is a client config for a connection to serverName that
// verifies the server fully (VerifyFull) and presents the running device
// certificate when the server asks for one.
func (s *Store) ClientConfig(serverName string) *tls.Config {
	return s.ClientConfigVerify(serverName, VerifyFull)
}

// ClientConfigVerify is ClientConfig with the verification v. The server
// is verified against the trusted roots of the set running at the
// handshake (the system's when the set has none).
func (s *Store) ClientConfigVerify(serverName string, v Verify) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		ServerName: serverName,
		// Verification is done below, against the roots running at the
		// handshake rather than those of when the config was made.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if v == VerifyNone {
				return nil
			}
			if len(cs.PeerCertificates) == 0 {
				return errors.New("tls: the server presented no certificate")
			}
			opts := x509.VerifyOptions{CurrentTime: s.opts.Now(), Intermediates: x509.NewCertPool()}
			if set := s.cur.Load(); set != nil {
				opts.Roots = set.roots
			}
			for _, c := range cs.PeerCertificates[1:] {
				opts.Intermediates.AddCert(c)
			}
			if v == VerifyFull {
				if serverName == "" {
					return errors.New("tls: no server name to verify the server's certificate against")
				}
				opts.DNSName = serverName
			}
			_, err := cs.PeerCertificates[0].Verify(opts)
			return err
		},
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			if set := s.cur.Load(); set != nil && set.cert != nil {
				return set.cert, nil
			}
			return &tls.Certificate{}, nil // none: the server decides
		},
	}
}
