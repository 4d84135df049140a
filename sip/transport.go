package sip

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"

	sipmsg "github.com/emiago/sipgo/sip"
)

// Transport is a SIP transport (SIPTransportType).
type Transport int

const (
	TransportUDP Transport = iota // the default
	TransportTCP
	TransportTLS
)

func (t Transport) String() string {
	switch t {
	case TransportUDP:
		return "UDP"
	case TransportTCP:
		return "TCP"
	case TransportTLS:
		return "TLS"
	}
	return "Transport(" + strconv.Itoa(int(t)) + ")"
}

// Reliable reports whether the transport is a stream (TCP or TLS): its
// requests and responses share connections.
func (t Transport) Reliable() bool { return t == TransportTCP || t == TransportTLS }

// network is sipgo's name for the transport.
func (t Transport) network() string { return strings.ToLower(t.String()) }

// ParseTransport reads "udp", "tcp" or "tls" (any case).
func ParseTransport(s string) (Transport, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "udp":
		return TransportUDP, nil
	case "tcp":
		return TransportTCP, nil
	case "tls":
		return TransportTLS, nil
	}
	return 0, fmt.Errorf("sip: transport %q: want udp, tcp or tls", s)
}

// ErrTransportNotListening is a request for a transport the user agent
// was not configured to listen on.
var ErrTransportNotListening = errors.New("sip: transport not enabled")

// ErrTLSPeer is a TLS peer whose certificate was refused (untrusted,
// expired, or not naming the host) or that refused ours: a registration
// or call over TLS fails with an error wrapping it, never silently.
var ErrTLSPeer = errors.New("sip: TLS peer not verified")

// ErrTLSPeerClosed is a TLS peer that closed the connection under a
// request, as a server does that refuses our certificate (TLS 1.3 tells
// the client only after the handshake) or demands one we lack.
var ErrTLSPeerClosed = errors.New("sip: TLS peer closed the connection (did it refuse our certificate?)")

// streamError says what the failure of a request to dest over t means:
// a certificate refused (ErrTLSPeer), or, when the TLS connection it
// went on is gone, a peer that hung up on us (ErrTLSPeerClosed).
func (u *UA) streamError(t Transport, dest string, err error) error {
	err = tlsError(err)
	if t != TransportTLS || errors.Is(err, ErrTLSPeer) || dest == "" {
		return err
	}
	conn, gerr := u.ua.TransportLayer().GetConnection(t.network(), dest)
	if gerr != nil {
		return fmt.Errorf("%w: %w", ErrTLSPeerClosed, err)
	}
	_, _ = conn.TryClose()
	return err
}

// Target is where a request goes: an address and the transport to reach
// it by.
type Target struct {
	Addr      netip.AddrPort
	Transport Transport
}

// ParseTarget reads "host:port" (with the default transport def) or
// "host:port;transport=tcp|tls|udp", the form a proxy set entry or a
// registrar may take to choose its own transport.
func ParseTarget(s string, def Transport) (Target, error) {
	hp, params, _ := strings.Cut(strings.TrimSpace(s), ";")
	ap, err := netip.ParseAddrPort(hp)
	if err != nil {
		return Target{}, fmt.Errorf("sip: address %q: %w", s, err)
	}
	t := Target{Addr: netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), Transport: def}
	for p := range strings.SplitSeq(params, ";") {
		k, v, _ := strings.Cut(p, "=")
		if !strings.EqualFold(strings.TrimSpace(k), "transport") {
			continue
		}
		if t.Transport, err = ParseTransport(v); err != nil {
			return Target{}, fmt.Errorf("sip: address %q: %w", s, err)
		}
	}
	return t, nil
}

// String is the target in the form ParseTarget reads.
func (t Target) String() string {
	if t.Transport == TransportUDP {
		return t.Addr.String()
	}
	return t.Addr.String() + ";transport=" + t.Transport.network()
}

// listenAddr is the address a transport listens on (invalid when it does
// not).
func (u *UA) listenAddr(t Transport) netip.AddrPort {
	if int(t) < 0 || int(t) >= len(u.addrs) {
		return netip.AddrPort{}
	}
	return u.addrs[t]
}

// Listening reports the address the user agent listens on for t (false:
// t is not enabled).
func (u *UA) Listening(t Transport) (netip.AddrPort, bool) {
	a := u.listenAddr(t)
	return a, a.IsValid()
}

// scheme is the URI scheme of our addresses on t: sips: over TLS when
// EnableSIPS is set (RFC 3261 19.1.2; RFC 5630).
func (u *UA) scheme(t Transport) string {
	if t == TransportTLS && u.cfg.EnableSIPS {
		return "sips"
	}
	return "sip"
}

// uri is a URI of ours or the peer's for a request on t: sips: needs no
// transport parameter, sip: over a stream says which.
func (u *UA) uri(user string, ap netip.AddrPort, t Transport) sipmsg.Uri {
	uri := sipmsg.Uri{Scheme: u.scheme(t), User: user, Host: ap.Addr().String(), Port: int(ap.Port())}
	if uri.Scheme == "sip" && t.Reliable() {
		uri.UriParams = sipmsg.NewParams()
		uri.UriParams.Add("transport", t.network())
	}
	return uri
}

// contactFor is our Contact on t: the port we listen on for that
// transport, so the peer's new requests (and new connections) reach us.
func (u *UA) contactFor(user string, t Transport) *sipmsg.ContactHeader {
	a := u.listenAddr(t)
	if !a.IsValid() {
		a = u.addr
	}
	return &sipmsg.ContactHeader{Address: u.uri(user, a, t)}
}

// tlsListener counts the TLS handshakes that fail as they happen, so a
// client refused for its certificate is seen (Stats, log) rather than
// lost in the transport's read loop.
type tlsListener struct {
	net.Listener
	u *UA
}

func (l tlsListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &tlsServerConn{Conn: c.(*tls.Conn), u: l.u}, nil
}

// tlsServerConn handshakes on its first read, counting a failure.
type tlsServerConn struct {
	*tls.Conn
	u    *UA
	done atomic.Bool
}

func (c *tlsServerConn) Read(b []byte) (int, error) {
	if !c.done.Load() {
		ctx, cancel := context.WithTimeout(c.u.ctx, handshakeTimeout)
		err := c.Conn.HandshakeContext(ctx)
		cancel()
		if err != nil {
			c.u.stats.TLSHandshakeFailures.Add(1)
			c.u.log.Warn("sip: TLS client refused", "remote", c.RemoteAddr().String(), "error", err)
			return 0, fmt.Errorf("%w: %w", ErrTLSPeer, err)
		}
		if c.u.cfg.TLSVerifyClientHost {
			if err := verifyClientHost(c.Conn); err != nil {
				c.u.stats.TLSHandshakeFailures.Add(1)
				c.u.log.Warn("sip: TLS client refused", "remote", c.RemoteAddr().String(), "error", err)
				c.Conn.Close()
				return 0, err
			}
		}
		c.done.Store(true)
	}
	return c.Conn.Read(b)
}

// tlsError marks an error of a TLS dial with ErrTLSPeer when the
// handshake failed on a certificate, so callers can tell it from a peer
// that is down.
func tlsError(err error) error {
	if err == nil {
		return nil
	}
	var cv *tls.CertificateVerificationError
	var alert tls.AlertError
	// sipgo wraps the handshake's error, but a transaction may flatten
	// it to text: its words are the fallback.
	if errors.As(err, &cv) || errors.As(err, &alert) || strings.Contains(err.Error(), "TLS handshake error") {
		return fmt.Errorf("%w: %w", ErrTLSPeer, err)
	}
	return err
}
