package sip

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/internal/testcert"
)

// tlsUA starts a user agent listening on UDP, TCP and TLS with a
// certificate for 127.0.0.1 from ca; mod changes its settings first.
func tlsUA(t *testing.T, ca *testcert.CA, h Handler, mod func(*Config, *TLSSettings)) *UA {
	t.Helper()
	leaf := ca.Issue(t, testcert.Localhost())
	s := TLSSettings{Roots: testcert.Pool(ca), Certificate: &leaf.TLS, PeerName: PeerNameServer}
	cfg := Config{TCPListenAddr: "127.0.0.1:0", TLSListenAddr: "127.0.0.1:0", Transport: TransportTLS}
	if mod != nil {
		mod(&cfg, &s)
	}
	cfg.TLSServer, cfg.TLSClient = s.Server(), s.Client()
	return startUA(t, cfg, h)
}

// recordingHandler hands each incoming call to the test.
type recordingHandler struct{ calls chan *Call }

func (h recordingHandler) IncomingCall(c *Call)                { h.calls <- c }
func (recordingHandler) CheckSync(context.Context, bool) error { return nil }

func newRecorder() recordingHandler { return recordingHandler{calls: make(chan *Call, 8)} }

func waitIncoming(t *testing.T, h recordingHandler) *Call {
	t.Helper()
	select {
	case c := <-h.calls:
		return c
	case <-time.After(20 * time.Second):
		t.Fatal("no incoming call")
	}
	return nil
}

func waitDone(t *testing.T, c *Call) {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(20 * time.Second):
		t.Fatalf("call %s did not end", c.ID())
	}
}

// TestCallOverStreams places a call from one user agent to another over
// TCP and over TLS (with and without sips: URIs); the callee answers and
// the caller or the callee hangs up with BYE on the same connection.
func TestCallOverStreams(t *testing.T) {
	ca := testcert.NewCA(t, "potsgate test CA")
	for _, tc := range []struct {
		name       string
		tr         Transport
		sips       bool
		calleeByes bool
	}{
		{"tcp", TransportTCP, false, false},
		{"tls", TransportTLS, false, false},
		{"tls-callee-hangs-up", TransportTLS, false, true},
		{"sips", TransportTLS, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mod := func(c *Config, _ *TLSSettings) { c.EnableSIPS = tc.sips; c.Transport = tc.tr }
			calleeH := newRecorder()
			callee := tlsUA(t, ca, calleeH, mod)
			caller := tlsUA(t, ca, newRecorder(), mod)
			to, _ := callee.Listening(tc.tr)
			c, err := caller.Dial(context.Background(), Dial{To: "101", From: "201", Host: to.String(), LocalPort: 40000})
			if err != nil {
				t.Fatal(err)
			}
			in := waitIncoming(t, calleeH)
			if in.Transport() != tc.tr || c.Transport() != tc.tr {
				t.Fatalf("transports: callee %v caller %v, want %v", in.Transport(), c.Transport(), tc.tr)
			}
			if in.SignalingSecure() != (tc.tr == TransportTLS) || c.SignalingSecure() != (tc.tr == TransportTLS) {
				t.Fatalf("SignalingSecure: callee %v caller %v over %v", in.SignalingSecure(), c.SignalingSecure(), tc.tr)
			}
			// The caller's Contact names its listener for that transport.
			in.mu.Lock()
			contact := in.remoteTarget.Address
			via := in.invite.Via()
			scheme := in.invite.Recipient.Scheme
			in.mu.Unlock()
			callerTr, _ := caller.Listening(tc.tr)
			if contact.Port != int(callerTr.Port()) {
				t.Fatalf("Contact %s: want port %d", contact.String(), callerTr.Port())
			}
			wantScheme := "sip"
			if tc.sips {
				wantScheme = "sips"
			} else if p, _ := contact.UriParams.Get("transport"); p != strings.ToLower(tc.tr.String()) {
				t.Fatalf("Contact %s: want transport=%s", contact.String(), strings.ToLower(tc.tr.String()))
			}
			if contact.Scheme != wantScheme || scheme != wantScheme {
				t.Fatalf("Contact %s, Request-URI scheme %s: want %s", contact.String(), scheme, wantScheme)
			}
			if via.Transport != tc.tr.String() || via.Port != int(callerTr.Port()) {
				t.Fatalf("Via %s: want %s and port %d", via.Value(), tc.tr, callerTr.Port())
			}
			if err := in.Answer(40002); err != nil {
				t.Fatal(err)
			}
			waitEvent(t, c, EventAnswered)
			hanger, other := c, in
			if tc.calleeByes {
				hanger, other = in, c
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := hanger.Hangup(ctx); err != nil {
				t.Fatalf("BYE: %v", err)
			}
			waitDone(t, other)
		})
	}
}

// registrar is a minimal sipgo registrar for transport tests: it accepts
// every REGISTER and counts the connections it accepted.
type registrar struct {
	addr     string
	accepted atomic.Int64
	regs     atomic.Int64
	mu       sync.Mutex
	contacts []string
}

type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// startRegistrar listens on TLS with srv (TCP when srv is nil).
func startRegistrar(t *testing.T, srvCfg *tls.Config) *registrar {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("test-registrar"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua)
	if err != nil {
		t.Fatal(err)
	}
	r := &registrar{}
	srv.OnRegister(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		r.regs.Add(1)
		r.mu.Lock()
		if c := req.Contact(); c != nil {
			r.contacts = append(r.contacts, c.Value())
		}
		r.mu.Unlock()
		res := sipmsg.NewResponseFromRequest(req, 200, "OK", nil)
		if c := req.Contact(); c != nil {
			res.AppendHeader(c)
		}
		_ = tx.Respond(res)
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = l.Addr().String()
	var cl net.Listener = countingListener{l, &r.accepted}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if srvCfg != nil {
			_ = srv.ServeTLS(tls.NewListener(cl, srvCfg))
		} else {
			_ = srv.ServeTCP(cl)
		}
	}()
	t.Cleanup(func() { l.Close(); ua.Close(); <-done })
	return r
}

// registerOnce registers and returns the first state reported.
func registerOnce(t *testing.T, u *UA, reg Registration) (RegState, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	type st struct {
		s   RegState
		err error
	}
	first := make(chan st, 8)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = u.Register(ctx, reg, func(s RegState, _ time.Duration, err error) {
			select {
			case first <- st{s, err}:
			default:
			}
		})
	}()
	defer func() { cancel(); <-done }()
	select {
	case s := <-first:
		return s.s, s.err
	case <-time.After(20 * time.Second):
		t.Fatal("no registration state")
	}
	return 0, nil
}

// TestRegisterOverTLSReusesTheConnection registers three times (refresh
// by Divider) and places nothing else: one TLS connection carries all.
func TestRegisterOverTLSReusesTheConnection(t *testing.T) {
	ca := testcert.NewCA(t, "potsgate test CA")
	srvLeaf := ca.Issue(t, testcert.Localhost())
	r := startRegistrar(t, TLSSettings{Certificate: &srvLeaf.TLS}.Server())
	u := tlsUA(t, ca, newRecorder(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = u.Register(ctx, Registration{Registrar: r.addr + ";transport=tls", User: "1001", Expires: 60 * time.Second, Divider: 1},
			func(s RegState, _ time.Duration, err error) {
				if s == Registered {
					n.Add(1)
				}
			})
	}()
	peer.WaitFor(t, 20*time.Second, "three registrations", func() bool { return n.Load() >= 3 })
	cancel()
	<-done
	if got := r.accepted.Load(); got != 1 {
		t.Fatalf("registrar accepted %d connections for %d REGISTERs; want 1 (connection reuse)", got, r.regs.Load())
	}
	r.mu.Lock()
	contact := r.contacts[0]
	r.mu.Unlock()
	tlsAddr, _ := u.Listening(TransportTLS)
	if !strings.Contains(contact, tlsAddr.String()) || !strings.Contains(contact, "transport=tls") {
		t.Fatalf("Contact %s: want our TLS listener %s with transport=tls", contact, tlsAddr)
	}
}

// TestTLSPeerVerification refuses registrars whose certificate is from
// another CA, expired, or for another host: each a failed registration
// with ErrTLSPeer, never a success.
func TestTLSPeerVerification(t *testing.T) {
	ca := testcert.NewCA(t, "potsgate test CA")
	other := testcert.NewCA(t, "potsgate test CA")
	cases := []struct {
		name    string
		leaf    *testcert.Leaf
		mode    PeerNameCheck
		succeed bool
	}{
		{"trusted", ca.Issue(t, testcert.Localhost()), PeerNameServer, true},
		{"untrusted", other.Issue(t, testcert.Localhost()), PeerNameServer, false},
		{"expired", ca.Issue(t, testcert.Options{IPs: []net.IP{net.IPv4(127, 0, 0, 1)}, NotAfter: time.Now().Add(-time.Minute)}), PeerNameServer, false},
		{"other-host", ca.Issue(t, testcert.Options{DNSNames: []string{"proxy.example.net"}}), PeerNameServer, false},
		// Without the name check the chain alone decides.
		{"other-host-name-check-off", ca.Issue(t, testcert.Options{DNSNames: []string{"proxy.example.net"}}), PeerNameOff, true},
		{"untrusted-name-check-off", other.Issue(t, testcert.Localhost()), PeerNameOff, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := startRegistrar(t, TLSSettings{Certificate: &tc.leaf.TLS}.Server())
			u := tlsUA(t, ca, newRecorder(), func(_ *Config, s *TLSSettings) { s.PeerName = tc.mode })
			s, err := registerOnce(t, u, Registration{Registrar: r.addr, User: "1001", Expires: time.Minute, Retry: time.Hour})
			if tc.succeed {
				if s != Registered {
					t.Fatalf("state %v (%v), want registered", s, err)
				}
				return
			}
			if s != RegistrationFailed || !errors.Is(err, ErrTLSPeer) {
				t.Fatalf("state %v, error %v; want failed with ErrTLSPeer", s, err)
			}
			if r.regs.Load() != 0 {
				t.Fatal("the registrar got a REGISTER over a connection we should have refused")
			}
			t.Logf("refused: %v", err)
		})
	}
}

// TestMutualTLS: a callee that requires client certificates refuses a
// caller without one (the call fails, the refusal is counted) and takes
// a caller with one.
func TestMutualTLS(t *testing.T) {
	t.Parallel() // the refused call waits out Timer B
	ca := testcert.NewCA(t, "potsgate test CA")
	calleeH := newRecorder()
	callee := tlsUA(t, ca, calleeH, func(_ *Config, s *TLSSettings) { s.RequireClientCertificate = true })
	to, _ := callee.Listening(TransportTLS)

	// A caller with no certificate of its own.
	noCert := startUA(t, Config{TLSListenAddr: "127.0.0.1:0", Transport: TransportTLS,
		TLSServer: TLSSettings{}.Server(), TLSClient: TLSSettings{Roots: testcert.Pool(ca), PeerName: PeerNameServer}.Client()}, newRecorder())
	c, err := noCert.Dial(context.Background(), Dial{To: "101", From: "201", Host: to.String(), LocalPort: 40000})
	if err == nil {
		ev := waitEventEnd(t, c)
		if ev.Kind != EventEnded || ev.Code != 503 || !strings.Contains(ev.Reason, "TLS peer closed") {
			t.Fatalf("call without a client certificate: %+v", ev)
		}
		t.Logf("refused: %d %s", ev.Code, ev.Reason)
	} else {
		t.Logf("refused: %v", err)
	}
	peer.WaitFor(t, 10*time.Second, "the refusal counted", func() bool { return callee.Stats().TLSHandshakeFailures.Load() >= 1 })
	select {
	case in := <-calleeH.calls:
		t.Fatalf("call %s reached the callee without a client certificate", in.ID())
	default:
	}

	// A caller with one.
	caller := tlsUA(t, ca, newRecorder(), nil)
	c, err = caller.Dial(context.Background(), Dial{To: "101", From: "201", Host: to.String(), LocalPort: 40000})
	if err != nil {
		t.Fatal(err)
	}
	in := waitIncoming(t, calleeH)
	if err := in.Answer(40002); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c, EventAnswered)
	if err := c.Hangup(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func waitEventEnd(t *testing.T, c *Call) Event {
	t.Helper()
	deadline := time.After(40 * time.Second)
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok || ev.Kind == EventEnded {
				return ev
			}
		case <-deadline:
			t.Fatal("call did not end")
		}
	}
}

// TestCRLFKeepAlive: the flow to a registrar is pinged with double CRLF
// and the registrar's pongs are heard.
func TestCRLFKeepAlive(t *testing.T) {
	ca := testcert.NewCA(t, "potsgate test CA")
	srvLeaf := ca.Issue(t, testcert.Localhost())
	for _, tr := range []Transport{TransportTCP, TransportTLS} {
		t.Run(tr.String(), func(t *testing.T) {
			var r *registrar
			if tr == TransportTLS {
				r = startRegistrar(t, TLSSettings{Certificate: &srvLeaf.TLS}.Server())
			} else {
				r = startRegistrar(t, nil)
			}
			u := tlsUA(t, ca, newRecorder(), func(c *Config, _ *TLSSettings) {
				c.CRLFKeepAlive = 50 * time.Millisecond
				c.Transport = tr
			})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go u.Register(ctx, Registration{Registrar: r.addr, User: "1001", Expires: time.Hour}, nil)
			peer.WaitFor(t, 20*time.Second, "three pongs", func() bool { return u.Stats().KeepAlivePongs.Load() >= 3 })
			if f := u.Stats().KeepAliveFailures.Load(); f != 0 {
				t.Fatalf("%d keep-alive failures with a registrar that answers", f)
			}
			if r.accepted.Load() != 1 {
				t.Fatalf("%d connections; the keep-alive must ride the registration's", r.accepted.Load())
			}
		})
	}
}

// TestCRLFKeepAliveDeadFlow: a peer that never answers the pings gets
// its flow closed.
func TestCRLFKeepAliveDeadFlow(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	closed := make(chan struct{})
	wg.Add(1)
	go func() { // swallow everything, answer nothing
		defer wg.Done()
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 4096)
		for {
			if _, err := c.Read(buf); err != nil {
				close(closed)
				return
			}
		}
	}()
	u := startUA(t, Config{TCPListenAddr: "127.0.0.1:0", Transport: TransportTCP, CRLFKeepAlive: 50 * time.Millisecond}, newRecorder())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go u.Register(ctx, Registration{Registrar: l.Addr().String(), User: "1001", Expires: time.Hour, Retry: time.Hour}, nil)
	peer.WaitFor(t, 20*time.Second, "the dead flow noticed", func() bool { return u.Stats().KeepAliveFailures.Load() >= 1 })
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the dead flow was not closed")
	}
	if u.Stats().KeepAlivePings.Load() < 1 {
		t.Fatal("no ping sent")
	}
}

// TestFlowState is the keep-alive machine: ping, pong, ping, silence.
func TestFlowState(t *testing.T) {
	now := time.Unix(1000, 0)
	var s flowState
	s, a := s.tick(now)
	if a != flowPing || !s.awaiting {
		t.Fatalf("first tick: %v %+v", a, s)
	}
	s = s.pong()
	s, a = s.tick(now.Add(time.Second))
	if a != flowPing {
		t.Fatalf("tick after a pong: %v", a)
	}
	s, a = s.tick(now.Add(2 * time.Second))
	if a != flowDead || s.awaiting {
		t.Fatalf("tick without a pong: %v %+v", a, s)
	}
}

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		in   string
		def  Transport
		want string
		err  bool
	}{
		{"127.0.0.1:5060", TransportUDP, "127.0.0.1:5060", false},
		{"127.0.0.1:5061", TransportTLS, "127.0.0.1:5061;transport=tls", false},
		{"127.0.0.1:5060;transport=TCP", TransportUDP, "127.0.0.1:5060;transport=tcp", false},
		{"127.0.0.1:5060;transport=udp", TransportTLS, "127.0.0.1:5060", false},
		{"127.0.0.1:5060;transport=sctp", TransportUDP, "", true},
		{"example:5060", TransportUDP, "", true},
	} {
		got, err := ParseTarget(tc.in, tc.def)
		if (err != nil) != tc.err || err == nil && got.String() != tc.want {
			t.Errorf("ParseTarget(%q, %v) = %v, %v; want %q", tc.in, tc.def, got, err, tc.want)
		}
	}
}

// TestTransportNotListening: a TLS transport without a TLS listener is a
// configuration error, not a silent UDP.
func TestTransportNotListening(t *testing.T) {
	_, err := Listen(Config{ListenAddr: "127.0.0.1:0", Codecs: testCodecs, Transport: TransportTLS}, newRecorder(), nil)
	if !errors.Is(err, ErrTransportNotListening) {
		t.Fatalf("got %v", err)
	}
	u := startUA(t, Config{}, newRecorder())
	if _, err := u.Dial(context.Background(), Dial{To: "1", Host: "127.0.0.1:5061;transport=tls"}); !errors.Is(err, ErrTransportNotListening) {
		t.Fatalf("dial over TLS without it: %v", err)
	}
}
