package gateway

import (
	"context"
	"crypto/tls"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/internal/testcert"
	"github.com/potsgate/potsgate/media/tone"
	"github.com/potsgate/potsgate/sip/sdp"
)

// tlsGateway runs a gateway with one phone numbered user that registers
// over TLS to registrar (also its proxy) with user's kamailio password.
func tlsGateway(t *testing.T, ca *testcert.CA, registrar, user string) (*Gateway, *sim.Phone) {
	t.Helper()
	reg, _ := NewRegistry()
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(fmt.Sprintf(`SIPTransportType = 2
TLSLocalSIPPort = %d
IsRegisterNeeded = 1
RegistrarIP = '%s'
ProxyIP = '%s'
RegistrationTime = 60
[ TrunkGroup ]
FORMAT TrunkGroup_Index = TrunkGroup_TrunkGroupNum, TrunkGroup_FirstBChannel, TrunkGroup_LastBChannel, TrunkGroup_FirstPhoneNumber;
TrunkGroup 0 = 1, 1, 1, %s;
[ \TrunkGroup ]
[ Authentication ]
FORMAT Authentication_Index = Authentication_UserId, Authentication_UserPassword, Authentication_Port;
Authentication 0 = "%s", "secret%s", 1;
[ \Authentication ]
`, peer.FreeTCPPort(t), registrar, registrar, user, user, user)))
	if err != nil {
		t.Fatal(err)
	}
	leaf := ca.Issue(t, testcert.Localhost())
	ph := sim.NewPhone()
	us, _ := tone.Country("US")
	sipCfg, err := SIPConfig(res.Config, "potsgate-test")
	if err != nil {
		t.Fatal(err)
	}
	sipCfg.ListenAddr = "127.0.0.1:0"
	sipCfg.Codecs = []sdp.Format{pcmu}
	g, err := New(Options{Config: res.Config, Ports: []Port{{Number: user, FXS: ph}}, Tones: us, SIP: sipCfg, Media: rtpFactory(t), Paced: true,
		TLS: TLSMaterial{Roots: testcert.Pool(ca), GetCertificate: func() (*tls.Certificate, error) { return &leaf.TLS, nil }}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return g, ph
}

// TestKamailioOverTLS: two gateways register their ports (1001, 1002) to
// kamailio over TLS with digest; 1001 calls 1002 through kamailio, which
// relays over TLS (verifying the callee gateway's certificate), and the
// call is answered and hung up.
func TestKamailioOverTLS(t *testing.T) {
	ca := testcert.NewCA(t, "potsgate test CA")
	dir := t.TempDir()
	kLeaf := ca.Issue(t, testcert.Localhost())
	cert, key := kLeaf.WriteFiles(t, dir, "kamailio.pem", "kamailio.key")
	k := peer.StartKamailioTLS(t, peer.TLSFiles{Cert: cert, Key: key, CA: ca.WriteFile(t, dir, "ca.pem")})

	ga, a := tlsGateway(t, ca, k.TLSAddr, "1001")
	gb, b := tlsGateway(t, ca, k.TLSAddr, "1002")
	registered := func(g *Gateway) func() bool {
		return func() bool { return g.Status().Ports[0].Registration == "registered" }
	}
	peer.WaitFor(t, 20*time.Second, "1001 registered over TLS", registered(ga))
	peer.WaitFor(t, 20*time.Second, "1002 registered over TLS", registered(gb))
	binds := k.Bindings(t)
	if strings.Count(binds, "tls:"+k.TLSAddr) < 2 || !strings.Contains(binds, "transport=tls") {
		t.Fatalf("kamailio's bindings are not both over TLS:\n%s", binds)
	}

	a.PickUp()
	a.Wait(300 * time.Millisecond)
	a.DialDTMF("1002#")
	peer.WaitFor(t, 20*time.Second, "1002 rings through kamailio", b.Ringing)
	b.PickUp()
	peer.WaitFor(t, 20*time.Second, "the call established", func() bool { return ga.Counters().Established.Load() == 1 })
	a.HangUp()
	peer.WaitFor(t, 20*time.Second, "the BYE through kamailio", func() bool { return k.Requests("BYE") >= 1 && len(gb.ua.Calls()) == 0 })
	if n := k.Requests("INVITE"); n < 2 { // the first is challenged (407)
		t.Errorf("kamailio saw %d INVITEs, want the challenged one and the authenticated one", n)
	}
}

// TestKamailioUntrustedTLS: a kamailio whose certificate the gateway does
// not trust is refused: the registration fails, with an alarm naming the
// certificate problem, and kamailio gets no REGISTER.
func TestKamailioUntrustedTLS(t *testing.T) {
	ca, other := testcert.NewCA(t, "potsgate test CA"), testcert.NewCA(t, "potsgate test CA")
	dir := t.TempDir()
	kLeaf := other.Issue(t, testcert.Localhost())
	cert, key := kLeaf.WriteFiles(t, dir, "kamailio.pem", "kamailio.key")
	k := peer.StartKamailioTLS(t, peer.TLSFiles{Cert: cert, Key: key, CA: other.WriteFile(t, dir, "ca.pem")})
	g, _ := tlsGateway(t, ca, k.TLSAddr, "1001")
	var text string
	peer.WaitFor(t, 20*time.Second, "a registration alarm", func() bool {
		active, _ := g.Alarms()
		for _, a := range active {
			if a.Kind == AlarmRegistrationFailed {
				text = a.Text
				return true
			}
		}
		return false
	})
	if !strings.Contains(text, "certificate") || !strings.Contains(text, "TLS peer not verified") {
		t.Fatalf("alarm text %q does not say the certificate was refused", text)
	}
	if g.Status().Ports[0].Registration == "registered" {
		t.Fatal("registered to an untrusted kamailio")
	}
	if n := k.Requests("REGISTER"); n != 0 {
		t.Fatalf("kamailio got %d REGISTERs over a connection the gateway should have refused", n)
	}
	t.Logf("alarm: %s", text)
}
