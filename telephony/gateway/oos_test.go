package gateway

import (
	"net"
	"sync"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/telephony/line"
)

// testRegistrar answers REGISTER on a UDP socket: 403 for the users it
// refuses, 200 for the others.
type testRegistrar struct {
	conn net.PacketConn
	done chan struct{}

	mu     sync.Mutex
	refuse map[string]bool
}

func startRegistrar(t *testing.T, refuse ...string) *testRegistrar {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &testRegistrar{conn: conn, done: make(chan struct{}), refuse: map[string]bool{}}
	for _, u := range refuse {
		r.refuse[u] = true
	}
	go r.serve()
	t.Cleanup(func() { conn.Close(); <-r.done })
	return r
}

func (r *testRegistrar) addr() string { return r.conn.LocalAddr().String() }

func (r *testRegistrar) setRefused(user string, refused bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refuse[user] = refused
}

func (r *testRegistrar) serve() {
	defer close(r.done)
	buf := make([]byte, 65535)
	for {
		n, from, err := r.conn.ReadFrom(buf)
		if err != nil {
			return // closed
		}
		msg, err := sipmsg.ParseMessage(buf[:n])
		req, ok := msg.(*sipmsg.Request)
		if err != nil || !ok || req.Method != sipmsg.REGISTER || req.To() == nil {
			continue
		}
		req.SetSource(from.String())
		r.mu.Lock()
		refused := r.refuse[req.To().Address.User]
		r.mu.Unlock()
		res := sipmsg.NewResponseFromRequest(req, 200, "OK", nil)
		if refused {
			res = sipmsg.NewResponseFromRequest(req, 403, "Forbidden", nil)
		}
		_, _ = r.conn.WriteTo([]byte(res.String()), from)
	}
}

// oosConfig is the defaults with ini applied.
func oosConfig(t *testing.T, ini string) provisioning.Config {
	t.Helper()
	reg, err := NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(ini))
	if err != nil {
		t.Fatal(err)
	}
	return res.Config
}

func oosRig(t *testing.T, ini string, n int) *rig {
	t.Helper()
	c := oosConfig(t, ini)
	return newRig(t, "", n, noMedia{}, func(o *Options) { o.Config = c })
}

// within waits for cond up to d: registrations retry every
// RegistrationRetryTime (10 s at least), longer than waitFor's deadline.
func within(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// hears picks the phone up for half a second and reports whether it heard
// the two frequencies of a tone (US dial tone 350 + 440 Hz, reorder 480 +
// 620 Hz, 250 ms on and off) well above the frequency not.
func hears(t *testing.T, g *Gateway, index int, phone *sim.Phone, f1, f2, not float64) bool {
	t.Helper()
	phone.Heard()
	phone.PickUp()
	time.Sleep(500 * time.Millisecond) // paced: simulated time follows the clock
	h := phone.Heard()
	phone.HangUp()
	waitFor(t, "the line idle again", func() bool { return g.ports[index].fxs.State() == line.FXSIdle })
	ref := goertzel(h, not)
	return goertzel(h, f1) > 100*ref && goertzel(h, f2) > 100*ref
}

// TestOutOfServiceOnRegistrationFailure: per-endpoint registration, the
// registrar refusing 101 only. Port 101 goes out of service: its phone
// hears reorder tone instead of dial tone (FXSOOSBehavior = 1) and a SIP
// call to it gets 503, while 102 works. Once the registrar accepts 101
// again, its next retry brings the port back: dial tone.
func TestOutOfServiceOnRegistrationFailure(t *testing.T) {
	t.Parallel()
	reg := startRegistrar(t, "101")
	r := oosRig(t, `IsRegisterNeeded = 1
RegistrarIP = '`+reg.addr()+`'
RegistrationTime = 60
RegistrationRetryTime = 10
OOSOnRegistrationFail = 1
FXSOOSBehavior = 1
`, 2)
	g := r.g
	waitFor(t, "101 out of service, 102 registered", func() bool {
		st := g.Status()
		return g.ports[0].fxs.OutOfService() && st.Ports[0].OutOfService && st.Ports[0].Registration == "failed" &&
			st.Ports[1].Registration == "registered" && !st.Ports[1].OutOfService
	})
	if g.ports[1].fxs.OutOfService() {
		t.Fatal("102 registered but its line is out of service")
	}
	if !hears(t, g, 0, r.phones[0], 480, 620, 350) {
		t.Error("101 out of service: no reorder tone on off-hook")
	}
	if !hears(t, g, 1, r.phones[1], 350, 440, 480) {
		t.Error("102 in service: no dial tone")
	}

	c := r.dial(t, "101", 40300)
	if ev := ended(t, c, 5*time.Second); ev.Code != 503 {
		t.Errorf("call to the out-of-service port ended %d %s, want 503", ev.Code, ev.Reason)
	}
	if rc := r.phones[0].RingChanges(); len(rc) != 0 {
		t.Errorf("the out-of-service phone rang: %v", rc)
	}

	reg.setRefused("101", false)
	within(t, 15*time.Second, "101 back in service at its next registration", func() bool {
		st := g.Status()
		return !g.ports[0].fxs.OutOfService() && !st.Ports[0].OutOfService && st.Ports[0].Registration == "registered"
	})
	if !hears(t, g, 0, r.phones[0], 350, 440, 480) {
		t.Error("101 back in service: no dial tone")
	}
}

// TestOutOfServicePerGatewayAndReconfigure: the gateway registers as a
// whole (AuthenticationMode = 1) and is refused: every port is out of
// service. The two parameters are live: a new FXSOOSBehavior reverses the
// polarity of the idle lines, and OOSOnRegistrationFail = 0 brings the
// ports back with normal polarity while the registration still fails.
func TestOutOfServicePerGatewayAndReconfigure(t *testing.T) {
	t.Parallel()
	reg := startRegistrar(t, "gw")
	base := `IsRegisterNeeded = 1
RegistrarIP = '` + reg.addr() + `'
AuthenticationMode = 1
UserName = gw
RegistrationRetryTime = 10
`
	r := oosRig(t, base+"OOSOnRegistrationFail = 1\n", 2)
	g := r.g
	waitFor(t, "every port out of service", func() bool {
		st := g.Status()
		return g.ports[0].fxs.OutOfService() && g.ports[1].fxs.OutOfService() && st.Ports[0].OutOfService && st.Ports[1].OutOfService
	})
	if !hears(t, g, 1, r.phones[1], 350, 440, 480) {
		t.Error("FXSOOSBehavior = 0: no dial tone")
	}

	if err := g.Reconfigure(oosConfig(t, base+"OOSOnRegistrationFail = 1\nFXSOOSBehavior = 2\n")); err != nil {
		t.Fatal(err)
	}
	reversed := func(on bool) func() bool {
		return func() bool {
			for _, ph := range r.phones {
				pc := ph.PolarityChanges()
				if len(pc) == 0 && on || len(pc) > 0 && pc[len(pc)-1].On != on {
					return false
				}
			}
			return true
		}
	}
	within(t, 15*time.Second, "polarity reversed on every port", reversed(true))

	if err := g.Reconfigure(oosConfig(t, base+"OOSOnRegistrationFail = 0\nFXSOOSBehavior = 2\n")); err != nil {
		t.Fatal(err)
	}
	if st := g.Status(); st.Ports[0].OutOfService || st.Ports[1].OutOfService || !g.registrationFailed(g.ports[0]) {
		t.Fatalf("after OOSOnRegistrationFail = 0: %+v", st.Ports)
	}
	within(t, 15*time.Second, "every line back in service, polarity restored", func() bool {
		return !g.ports[0].fxs.OutOfService() && !g.ports[1].fxs.OutOfService() && reversed(false)()
	})
	if !hears(t, g, 0, r.phones[0], 350, 440, 480) {
		t.Error("back in service: no dial tone")
	}
}
