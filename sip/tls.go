package sip

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"
)

// handshakeTimeout bounds a TLS handshake a client starts with us.
const handshakeTimeout = 10 * time.Second

// PeerNameCheck is PeerHostNameVerificationMode: whose certificate must
// also name the peer's address. Chains are verified against the roots in
// every mode; the name check is on top of it.
type PeerNameCheck int

const (
	// PeerNameOff trusts any certificate that chains to the roots.
	PeerNameOff PeerNameCheck = iota
	// PeerNameServer checks the server's certificate names the host we
	// dialled (when we are the TLS client).
	PeerNameServer
	// PeerNameBoth also checks a client's certificate names the address
	// it connects from (when we are the TLS server).
	PeerNameBoth
)

func (m PeerNameCheck) String() string {
	switch m {
	case PeerNameOff:
		return "off"
	case PeerNameServer:
		return "server"
	case PeerNameBoth:
		return "server and client"
	}
	return "PeerNameCheck(" + strconv.Itoa(int(m)) + ")"
}

// TLSSettings are a SIP endpoint's TLS material and policy; Server and
// Client turn them into the tls.Configs Config takes. TLS 1.2 is the
// oldest version either side accepts.
type TLSSettings struct {
	// Roots are the CAs a peer's certificate must chain to (TLSRootFileUrl;
	// nil = the system's).
	Roots *x509.CertPool
	// Certificate is ours (TLSCertFileUrl, TLSPkeyFileUrl): served as the
	// TLS server, presented as a client when the server asks.
	Certificate *tls.Certificate
	// GetCertificate, when set, is asked for our certificate on each new
	// connection instead: a certificate store that Automatic Update
	// refreshes takes effect for the next connection, calls on the open
	// ones go on.
	GetCertificate func() (*tls.Certificate, error)
	// RequireClientCertificate asks clients for a certificate that chains
	// to Roots and refuses them without one (SIPSRequireClientCertificate).
	RequireClientCertificate bool
	// PeerName is PeerHostNameVerificationMode.
	PeerName PeerNameCheck
}

func (s TLSSettings) cert() (*tls.Certificate, error) {
	if s.GetCertificate != nil {
		return s.GetCertificate()
	}
	if s.Certificate == nil {
		return nil, errors.New("sip: no TLS certificate configured")
	}
	return s.Certificate, nil
}

// Server is the configuration of our TLS listener.
func (s TLSSettings) Server() *tls.Config {
	c := &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return s.cert() },
	}
	if s.RequireClientCertificate {
		c.ClientAuth = tls.RequireAndVerifyClientCert
		c.ClientCAs = s.Roots
	}
	return c
}

// Client is the configuration of the TLS connections we dial. The server
// certificate is always verified against Roots; PeerName decides whether
// it must also name the address dialled.
func (s TLSSettings) Client() *tls.Config {
	c := &tls.Config{
		MinVersion: tls.VersionTLS12,
		RootCAs:    s.Roots,
	}
	if s.Certificate != nil || s.GetCertificate != nil {
		c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			cert, err := s.cert()
			if err != nil {
				return &tls.Certificate{}, nil // none to present: the server decides
			}
			return cert, nil
		}
	}
	if s.PeerName == PeerNameOff {
		// Go verifies the name with the chain; to verify the chain alone
		// we take verification over (InsecureSkipVerify only skips the
		// built-in check; VerifyConnection still runs and refuses).
		roots := s.Roots
		c.InsecureSkipVerify = true
		c.VerifyConnection = func(cs tls.ConnectionState) error {
			return verifyChain(cs, roots, x509.ExtKeyUsageServerAuth)
		}
	}
	return c
}

// verifyChain verifies the peer's chain against roots, without a name.
func verifyChain(cs tls.ConnectionState, roots *x509.CertPool, usage x509.ExtKeyUsage) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("tls: peer sent no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{usage}})
	if err != nil {
		return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates, Err: err}
	}
	return nil
}

// verifyClientHost checks a client's (already verified) certificate names
// the address it connects from: PeerNameBoth.
func verifyClientHost(c *tls.Conn) error {
	cs := c.ConnectionState()
	if len(cs.PeerCertificates) == 0 {
		return fmt.Errorf("%w: client %s sent no certificate", ErrTLSPeer, c.RemoteAddr())
	}
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return fmt.Errorf("%w: %w", ErrTLSPeer, err)
	}
	if err := cs.PeerCertificates[0].VerifyHostname(host); err != nil {
		return fmt.Errorf("%w: client certificate: %w", ErrTLSPeer, err)
	}
	return nil
}

// minTLS12 returns c with TLS 1.2 as its oldest version.
func minTLS12(c *tls.Config) *tls.Config {
	if c == nil || c.MinVersion >= tls.VersionTLS12 {
		return c
	}
	c = c.Clone()
	c.MinVersion = tls.VersionTLS12
	return c
}
