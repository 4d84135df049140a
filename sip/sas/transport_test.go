package sas_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/internal/testcert"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sas"
	"github.com/potsgate/potsgate/sip/sdp"
)

type phoneCalls chan *sip.Call

func (p phoneCalls) IncomingCall(c *sip.Call)            { p <- c }
func (phoneCalls) CheckSync(context.Context, bool) error { return nil }

var pcmu = []sdp.Format{{PayloadType: 0, Name: "PCMU", ClockRate: 8000}}

// startSAS runs a standalone SAS (it is the registrar) on UDP, TCP and
// TLS, with settings s for its TLS.
func startSAS(t *testing.T, s sip.TLSSettings) *sas.Service {
	t.Helper()
	svc, err := sas.New(sas.Config{EnableSAS: true, SASLocalSIPTCPPort: peer.FreeTCPPort(t), SASLocalSIPTLSPort: peer.FreeTCPPort(t),
		TLSServer: s.Server(), TLSClient: s.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = svc.ListenAndServe(ctx, "127.0.0.1:"+strconv.Itoa(peer.FreeUDPPort(t))) }()
	t.Cleanup(func() { cancel(); <-done })
	peer.WaitFor(t, 10*time.Second, "SAS listening", func() bool { return svc.Addr() != nil })
	return svc
}

func phone(t *testing.T, cfg sip.Config, h sip.Handler) *sip.UA {
	t.Helper()
	cfg.ListenAddr, cfg.Codecs = "127.0.0.1:0", pcmu
	u, err := sip.Listen(cfg, h, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = u.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done; u.Close() })
	return u
}

// registered registers u to registrar and waits for the first outcome.
func registered(t *testing.T, u *sip.UA, registrar, user string) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	res := make(chan error, 4)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = u.Register(ctx, sip.Registration{Registrar: registrar, User: user, Expires: time.Minute, Retry: time.Hour},
			func(s sip.RegState, _ time.Duration, err error) {
				if s == sip.Registered || s == sip.RegistrationFailed {
					select {
					case res <- err:
					default:
					}
				}
			})
	}()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case err := <-res:
		return err
	case <-time.After(45 * time.Second): // a refusal may take Timer F (32 s)
		t.Fatal("no registration outcome")
	}
	return nil
}

func sasAddr(t *testing.T, port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

// TestSASOverTCPAndTLS: a phone registers to SAS over TLS, another calls
// it over TCP through SAS. SAS relays the call on the TLS connection the
// phone registered on (double Record-Route, RFC 5658), and the BYE of
// either side crosses back.
func TestSASOverTCPAndTLS(t *testing.T) {
	ca := testcert.NewCA(t, "potsgate test CA")
	sasLeaf := ca.Issue(t, testcert.Localhost())
	svc := startSAS(t, sip.TLSSettings{Roots: testcert.Pool(ca), Certificate: &sasLeaf.TLS, PeerName: sip.PeerNameServer})
	cfg := svc.Config()

	aLeaf := ca.Issue(t, testcert.Localhost())
	aS := sip.TLSSettings{Roots: testcert.Pool(ca), Certificate: &aLeaf.TLS, PeerName: sip.PeerNameServer}
	aCalls := make(phoneCalls, 4)
	a := phone(t, sip.Config{TLSListenAddr: "127.0.0.1:0", Transport: sip.TransportTLS, TLSServer: aS.Server(), TLSClient: aS.Client()}, aCalls)
	if err := registered(t, a, sasAddr(t, cfg.SASLocalSIPTLSPort), "1001"); err != nil {
		t.Fatalf("register over TLS: %v", err)
	}
	b := phone(t, sip.Config{TCPListenAddr: "127.0.0.1:0", Transport: sip.TransportTCP}, make(phoneCalls, 4))

	for _, calleeHangsUp := range []bool{false, true} {
		c, err := b.Dial(context.Background(), sip.Dial{To: "1001", From: "2001", Host: sasAddr(t, cfg.SASLocalSIPTCPPort), LocalPort: 40000})
		if err != nil {
			t.Fatal(err)
		}
		var in *sip.Call
		select {
		case in = <-aCalls:
		case <-time.After(20 * time.Second):
			t.Fatalf("the call did not reach the TLS phone: %+v", svc.Stats())
		}
		if !in.SignalingSecure() || c.Transport() != sip.TransportTCP {
			t.Fatalf("callee over %v, caller over %v; want TLS and TCP", in.Transport(), c.Transport())
		}
		if err := in.Answer(40002); err != nil {
			t.Fatal(err)
		}
		waitAnswered(t, c)
		hanger, other := c, in
		if calleeHangsUp {
			hanger, other = in, c
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := hanger.Hangup(ctx); err != nil {
			t.Fatalf("BYE through SAS (callee hangs up: %v): %v", calleeHangsUp, err)
		}
		cancel()
		select {
		case <-other.Done():
		case <-time.After(20 * time.Second):
			t.Fatal("the other side did not hear the BYE")
		}
	}
}

func waitAnswered(t *testing.T, c *sip.Call) {
	t.Helper()
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok || ev.Kind == sip.EventEnded {
				t.Fatalf("call ended: %+v", ev)
			}
			if ev.Kind == sip.EventAnswered {
				return
			}
		case <-time.After(20 * time.Second):
			t.Fatal("not answered")
		}
	}
}

// TestSASTLSVerification: a phone refuses an SAS whose certificate it
// does not trust; an SAS that requires client certificates refuses a
// phone without one; both fail the registration, never silently.
func TestSASTLSVerification(t *testing.T) {
	t.Parallel() // the refused registration waits out Timer F
	ca, other := testcert.NewCA(t, "potsgate test CA"), testcert.NewCA(t, "potsgate test CA")
	untrusted := other.Issue(t, testcert.Localhost())
	svc := startSAS(t, sip.TLSSettings{Roots: testcert.Pool(other), Certificate: &untrusted.TLS})
	s := sip.TLSSettings{Roots: testcert.Pool(ca), PeerName: sip.PeerNameServer}
	p := phone(t, sip.Config{TLSListenAddr: "127.0.0.1:0", Transport: sip.TransportTLS, TLSServer: s.Server(), TLSClient: s.Client()}, make(phoneCalls, 1))
	if err := registered(t, p, sasAddr(t, svc.Config().SASLocalSIPTLSPort), "1001"); !errors.Is(err, sip.ErrTLSPeer) {
		t.Fatalf("registration to an untrusted SAS: %v; want ErrTLSPeer", err)
	}

	leaf := ca.Issue(t, testcert.Localhost())
	mtls := startSAS(t, sip.TLSSettings{Roots: testcert.Pool(ca), Certificate: &leaf.TLS, RequireClientCertificate: true})
	err := registered(t, p, sasAddr(t, mtls.Config().SASLocalSIPTLSPort), "1001")
	if !errors.Is(err, sip.ErrTLSPeerClosed) || len(mtls.Bindings()) != 0 {
		t.Fatalf("registration without a client certificate: %v, bindings %v", err, mtls.Bindings())
	}
	t.Logf("refused: %v", err)
	// With one it is taken.
	withCert := phone(t, sip.Config{TLSListenAddr: "127.0.0.1:0", Transport: sip.TransportTLS,
		TLSServer: sip.TLSSettings{Roots: testcert.Pool(ca), Certificate: &leaf.TLS}.Server(),
		TLSClient: sip.TLSSettings{Roots: testcert.Pool(ca), Certificate: &leaf.TLS, PeerName: sip.PeerNameServer}.Client()}, make(phoneCalls, 1))
	if err := registered(t, withCert, sasAddr(t, mtls.Config().SASLocalSIPTLSPort), "1002"); err != nil {
		t.Fatalf("registration with a client certificate: %v", err)
	}
}
