package gateway

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/media/tone"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
)

var pcmu = sdp.Format{PayloadType: 0, Name: "PCMU", ClockRate: 8000}

// noMedia is a MediaFactory for tests whose calls stay between local ports.
type noMedia struct{}

func (noMedia) Open(func(byte)) (MediaLeg, error) { return nil, errors.New("no RTP in this test") }

func newTestGateway(t *testing.T, media MediaFactory, phones ...*sim.Phone) *Gateway {
	t.Helper()
	reg, err := NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	us, _ := tone.Country("US")
	var ports []Port
	for i, ph := range phones {
		ports = append(ports, Port{Number: fmt.Sprintf("10%d", i+1), FXS: ph})
	}
	g, err := New(Options{Config: reg.Defaults(), Ports: ports, Tones: us, Media: media,
		SIP: sip.Config{ListenAddr: "127.0.0.1:0", Codecs: []sdp.Format{pcmu}, DTMFPayloadType: 101}})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// stepAll runs every line for d of simulated time.
func stepAll(t *testing.T, g *Gateway, d time.Duration) {
	t.Helper()
	for range int(d / (10 * time.Millisecond)) {
		for _, p := range g.ports {
			if err := p.step(); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(50 * time.Microsecond) // let the gateway's goroutines deliver events
	}
}

func goertzel(x []int16, f float64) float64 {
	w := 2 * math.Pi * f / 8000
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s1, s2 = float64(v)+c*s1-s2, s1
	}
	return (s1*s1 + s2*s2 - c*s1*s2) / float64(len(x)*len(x))
}

// Port 101 dials 102 as DTMF: 102 rings, is picked up, and audio passes
// between the two phones without leaving the gateway.
func TestPortToPortCall(t *testing.T) {
	a, b := sim.NewPhone(), sim.NewPhone()
	g := newTestGateway(t, noMedia{}, a, b)
	t.Cleanup(func() { g.Close() })
	a.PickUp()
	a.Wait(300 * time.Millisecond)
	a.DialDTMF("102#")
	stepAll(t, g, 1500*time.Millisecond)
	if !b.Ringing() {
		t.Fatalf("102 does not ring; port 1 is %v", g.ports[0].fxs.State())
	}
	b.PickUp()
	stepAll(t, g, 200*time.Millisecond)
	a.Heard()
	b.Heard()
	tone1k := make([]int16, 4000)
	for i := range tone1k {
		tone1k[i] = int16(8000 * math.Sin(2*math.Pi*1000*float64(i)/8000))
	}
	a.Say(tone1k)
	stepAll(t, g, 600*time.Millisecond)
	if h := b.Heard(); goertzel(h, 1000) < 100*goertzel(h, 440) {
		t.Fatal("102 does not hear 101")
	}
	if n := g.Counters().Established.Load(); n != 1 {
		t.Fatalf("established %d", n)
	}
	b.HangUp()
	stepAll(t, g, time.Second)
	if h := a.Heard(); goertzel(h[len(h)-2000:], 480) < 100*goertzel(h[len(h)-2000:], 1000) {
		t.Fatal("101 does not hear busy tone after 102 hung up")
	}
	a.HangUp()
	stepAll(t, g, time.Second)
	if !g.ports[0].idle() || !g.ports[1].idle() {
		t.Fatal("ports not idle after the call")
	}
}

// A SIP call to a number with no port is refused 404; to a busy port 486.
func TestIncomingCallRouting(t *testing.T) {
	a := sim.NewPhone()
	g := newTestGateway(t, noMedia{}, a)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	caller, err := sip.Listen(sip.Config{ListenAddr: "127.0.0.1:0", Codecs: []sdp.Format{pcmu}}, refuseAll{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	go caller.Serve(ctx)
	t.Cleanup(func() { caller.Close() })
	a.PickUp() // port 101 is in use from now on
	time.Sleep(100 * time.Millisecond)
	for number, want := range map[string]int{"999": 404, "101": 486} {
		c, err := caller.Dial(ctx, sip.Dial{To: number, Host: g.SIPAddr(), From: "555", LocalPort: 40000})
		if err != nil {
			t.Fatal(err)
		}
		var code int
		for ev := range c.Events() {
			if ev.Kind == sip.EventEnded {
				code = ev.Code
			}
		}
		if code != want {
			t.Errorf("call to %s ended %d, want %d", number, code, want)
		}
	}
}

type refuseAll struct{}

func (refuseAll) IncomingCall(c *sip.Call)              { _ = c.Reject(486, "Busy Here") }
func (refuseAll) CheckSync(context.Context, bool) error { return nil }

// rig is a running paced gateway with simulated phones on ports numbered
// 101 upward and a SIP caller that refuses calls to it.
type rig struct {
	g      *Gateway
	phones []*sim.Phone
	caller *sip.UA
	ctx    context.Context
}

// newRig applies ini to the defaults and runs a gateway with n phones.
func newRig(t *testing.T, ini string, n int, media MediaFactory, options ...func(*Options)) *rig {
	t.Helper()
	reg, _ := NewRegistry()
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(ini))
	if err != nil {
		t.Fatal(err)
	}
	us, _ := tone.Country("US")
	r := &rig{}
	var ports []Port
	for i := range n {
		r.phones = append(r.phones, sim.NewPhone())
		ports = append(ports, Port{Number: fmt.Sprint(101 + i), FXS: r.phones[i]})
	}
	opts := Options{Config: res.Config, Ports: ports, Tones: us, Media: media, Paced: true,
		SIP: sip.Config{ListenAddr: "127.0.0.1:0", Codecs: []sdp.Format{pcmu}}}
	for _, o := range options {
		o(&opts)
	}
	r.g, err = New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.ctx = ctx
	done := make(chan error, 1)
	go func() { done <- r.g.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	r.caller, err = sip.Listen(sip.Config{ListenAddr: "127.0.0.1:0", Codecs: []sdp.Format{pcmu}}, refuseAll{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	go r.caller.Serve(ctx)
	t.Cleanup(func() { r.caller.Close() })
	return r
}

// dial calls number on the gateway from the rig's caller.
func (r *rig) dial(t *testing.T, number string, rtpPort int) *sip.Call {
	t.Helper()
	c, err := r.caller.Dial(r.ctx, sip.Dial{To: number, Host: r.g.SIPAddr(), From: "555", LocalPort: rtpPort})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
