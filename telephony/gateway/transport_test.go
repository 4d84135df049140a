package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/internal/testcert"
	"github.com/potsgate/potsgate/media/tone"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
)

type callRecorder chan *sip.Call

func (r callRecorder) IncomingCall(c *sip.Call)            { r <- c }
func (callRecorder) CheckSync(context.Context, bool) error { return nil }

// TestGatewayOverTLS: with SIPTransportType = 2 a phone's call leaves over
// TLS (its signalling secure at the far end) and a call over TLS to the
// gateway rings a port; the far end's certificate is verified.
func TestGatewayOverTLS(t *testing.T) {
	ca := testcert.NewCA(t, "potsgate test CA")
	leaf := ca.Issue(t, testcert.Localhost())
	far := make(callRecorder, 4)
	farLeaf := ca.Issue(t, testcert.Localhost())
	farS := sip.TLSSettings{Roots: testcert.Pool(ca), Certificate: &farLeaf.TLS, PeerName: sip.PeerNameServer}
	farUA, err := sip.Listen(sip.Config{ListenAddr: "127.0.0.1:0", TLSListenAddr: "127.0.0.1:0", Transport: sip.TransportTLS,
		TLSServer: farS.Server(), TLSClient: farS.Client(), Codecs: []sdp.Format{pcmu}}, far, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go farUA.Serve(ctx)
	defer farUA.Close()
	farTLS, _ := farUA.Listening(sip.TransportTLS)

	reg, _ := NewRegistry()
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(fmt.Sprintf(`
SIPTransportType = 2
TLSLocalSIPPort = %d
EnableSIPS = 1
[ PREFIX ]
FORMAT PREFIX_Index = PREFIX_DestinationPrefix, PREFIX_DestAddress;
PREFIX 0 = 9, %s;
[ \PREFIX ]
`, peer.FreeTCPPort(t), farTLS)))
	if err != nil {
		t.Fatal(err)
	}
	a, b := sim.NewPhone(), sim.NewPhone()
	us, _ := tone.Country("US")
	opts := Options{Config: res.Config, Ports: []Port{{Number: "101", FXS: a}, {Number: "102", FXS: b}}, Tones: us,
		SIP: sip.Config{ListenAddr: "127.0.0.1:0", Codecs: []sdp.Format{pcmu}}, Media: rtpFactory(t), Paced: true}

	// Without certificate material TLS is refused at start, clearly.
	if _, err := New(opts); !errors.Is(err, ErrNoTLSCertificate) {
		t.Fatalf("TLS without a certificate: %v", err)
	}
	opts.TLS = TLSMaterial{Roots: testcert.Pool(ca), GetCertificate: func() (*tls.Certificate, error) { return &leaf.TLS, nil }}
	g, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	defer func() { cancel(); <-done }()
	gwTLS, ok := g.SIPListening(sip.TransportTLS)
	if !ok {
		t.Fatal("the gateway does not listen on TLS")
	}
	if _, ok := g.SIPListening(sip.TransportTCP); ok {
		t.Fatal("the gateway listens on TCP, which nothing asked for")
	}

	a.PickUp()
	a.Wait(300 * time.Millisecond)
	a.DialDTMF("95551")
	select {
	case c := <-far:
		if !c.SignalingSecure() || c.Transport() != sip.TransportTLS {
			t.Fatalf("the far end got the call over %v", c.Transport())
		}
		_ = c.Reject(486, "Busy Here")
	case <-time.After(20 * time.Second):
		t.Fatal("the call never reached the far end over TLS")
	}

	c, err := farUA.Dial(ctx, sip.Dial{To: "102", Host: gwTLS.String() + ";transport=tls", From: "777", LocalPort: 39300})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "102 rings", b.Ringing)
	if !c.SignalingSecure() {
		t.Fatal("call to the gateway not over TLS")
	}
	b.PickUp()
	events{t, c}.next(sip.EventAnswered)
	if err := c.Hangup(ctx); err != nil {
		t.Fatalf("BYE over TLS: %v", err)
	}
}

// TestGatewaySASOverTLS: SAS listens on TLS with the gateway's
// certificate; a phone registers to it over TLS and calls port 101
// through it.
func TestGatewaySASOverTLS(t *testing.T) {
	ca := testcert.NewCA(t, "potsgate test CA")
	leaf := ca.Issue(t, testcert.Localhost())
	tlsPort := peer.FreeTCPPort(t)
	r := newRig(t, fmt.Sprintf("EnableSAS = 1\nSASLocalSIPUDPPort = %d\nSASLocalSIPTLSPort = %d\n", peer.FreeUDPPort(t), tlsPort), 1,
		captureMedia{&captureLeg{}}, func(o *Options) {
			o.TLS = TLSMaterial{Roots: testcert.Pool(ca), GetCertificate: func() (*tls.Certificate, error) { return &leaf.TLS, nil }}
			o.SAS = SASConfig(o.Config)
		})
	phoneLeaf := ca.Issue(t, testcert.Localhost())
	s := sip.TLSSettings{Roots: testcert.Pool(ca), Certificate: &phoneLeaf.TLS, PeerName: sip.PeerNameServer}
	ph, err := sip.Listen(sip.Config{ListenAddr: "127.0.0.1:0", TLSListenAddr: "127.0.0.1:0", Transport: sip.TransportTLS,
		TLSServer: s.Server(), TLSClient: s.Client(), Codecs: []sdp.Format{pcmu}}, refuseAll{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	go ph.Serve(r.ctx)
	t.Cleanup(func() { ph.Close() })
	sasTLS := fmt.Sprintf("127.0.0.1:%d", tlsPort)
	peer.WaitListening(t, sasTLS, 10*time.Second) // SAS starts with Run
	registered := make(chan error, 4)
	go ph.Register(r.ctx, sip.Registration{Registrar: sasTLS, User: "201", Expires: time.Minute, Retry: time.Hour},
		func(st sip.RegState, _ time.Duration, err error) {
			if st != sip.Unregistered {
				registered <- err
			}
		})
	select {
	case err := <-registered:
		if err != nil {
			t.Fatalf("register to SAS over TLS: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no registration to SAS")
	}
	if st := r.g.Status().SAS; st == nil || st.Bindings != 1 {
		t.Fatalf("SAS status %+v", st)
	}
	c, err := ph.Dial(r.ctx, sip.Dial{To: "101", From: "201", Host: sasTLS, LocalPort: 39400})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "101 rings through SAS", r.phones[0].Ringing)
	_ = c.Hangup(r.ctx)
}

// TestTransportParams: the documented ini (docs/sip-transports.md) gives
// the user agent TLS by default, sips:, a proxy on UDP of its own, and
// listeners for what is used; the default configuration stays UDP alone.
func TestTransportParams(t *testing.T) {
	reg, _ := NewRegistry()
	def := reg.Defaults()
	sc, err := SIPConfig(def, "t")
	if err != nil {
		t.Fatal(err)
	}
	if err := transportConfig(def, &sc, TLSMaterial{}); err != nil || sc.Transport != sip.TransportUDP || sc.TCPListenAddr != "" || sc.TLSListenAddr != "" {
		t.Fatalf("defaults: %v, transport %v, tcp %q, tls %q", err, sc.Transport, sc.TCPListenAddr, sc.TLSListenAddr)
	}
	res, err := reg.ApplyText(def, "gw.ini", []byte(`
SIPTransportType = 2
TLSLocalSIPPort = 5061
EnableSIPS = 1
SIPSRequireClientCertificate = 1
PeerHostNameVerificationMode = 2
IsRegisterNeeded = 1
RegistrarIP = '192.0.2.10:5061'
RegistrarTransportType = 1
ProxyIP = '192.0.2.10:5061'
UsePingPongKeepAlive = 1
PingPongKeepAliveTime = 60
[ ProxySet ]
FORMAT ProxySet_Index = ProxySet_IpAddress, ProxySet_TransportType;
ProxySet 0 = 192.0.2.11:5060, 0;
[ \ProxySet ]
`))
	if err != nil {
		t.Fatal(err)
	}
	c := res.Config
	sc, err = SIPConfig(c, "t")
	if err != nil {
		t.Fatal(err)
	}
	if err := transportConfig(c, &sc, TLSMaterial{}); !errors.Is(err, ErrNoTLSCertificate) {
		t.Fatalf("TLS without material: %v", err)
	}
	ca := testcert.NewCA(t, "potsgate test CA")
	leaf := ca.Issue(t, testcert.Localhost())
	if err := transportConfig(c, &sc, TLSMaterial{Roots: testcert.Pool(ca), GetCertificate: func() (*tls.Certificate, error) { return &leaf.TLS, nil }}); err != nil {
		t.Fatal(err)
	}
	want := []string{"192.0.2.10:5061", "192.0.2.11:5060;transport=udp"}
	if fmt.Sprint(sc.Proxies) != fmt.Sprint(want) {
		t.Fatalf("proxies %v, want %v", sc.Proxies, want)
	}
	if sc.Transport != sip.TransportTLS || !sc.EnableSIPS || sc.CRLFKeepAlive != time.Minute || !sc.TLSVerifyClientHost {
		t.Fatalf("config %+v", sc)
	}
	if sc.TLSListenAddr != "127.0.0.1:5061" || sc.TCPListenAddr != "127.0.0.1:5060" { // TCP: the registrar's
		t.Fatalf("listeners tls %q tcp %q", sc.TLSListenAddr, sc.TCPListenAddr)
	}
	if sc.TLSServer.ClientAuth != tls.RequireAndVerifyClientCert || sc.TLSServer.MinVersion != tls.VersionTLS12 {
		t.Fatalf("TLS server: client auth %v, min version %x", sc.TLSServer.ClientAuth, sc.TLSServer.MinVersion)
	}
	if regs := registrations(c, []string{"101"}); len(regs) != 1 || regs[0].Registrar != "192.0.2.10:5061;transport=tcp" {
		t.Fatalf("registrations %+v", regs)
	}
}
