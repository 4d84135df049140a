package gateway

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/potsgate/potsgate/hal"
	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/media/tone"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
)

// brokenPort is an FXS port whose hardware is gone.
type brokenPort struct{ *sim.Phone }

var errCardGone = errors.New("card gone")

func (brokenPort) Exchange(out, in []int16, ev []hal.Event) ([]hal.Event, error) {
	return ev, errCardGone
}

// A hardware port that fails takes itself out of service with an alarm
// naming it; the gateway goes on.
func TestPortFailureRaisesAnAlarm(t *testing.T) {
	reg, _ := NewRegistry()
	us, _ := tone.Country("US")
	alarms := make(chan Alarm, 4)
	g, err := New(Options{Config: reg.Defaults(), Ports: []Port{{Number: "101", FXS: brokenPort{sim.NewPhone()}}}, Tones: us, Media: noMedia{},
		SIP:     sip.Config{ListenAddr: "127.0.0.1:0", Codecs: []sdp.Format{pcmu}, DTMFPayloadType: 101},
		OnAlarm: func(a Alarm, raised bool) { alarms <- a }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	select {
	case a := <-alarms:
		if a.Kind != AlarmPortFailed || a.Source != "port 1" || a.Text == "" {
			t.Fatalf("alarm %+v", a)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no alarm for the failed port")
	}
	if st := g.Status(); !st.Ports[0].OutOfService {
		t.Fatalf("port status %+v", st.Ports[0])
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// Another port calling the failed one gets a busy, not a ring that never
// ends.
func TestCallToAFailedPortIsBusy(t *testing.T) {
	a := sim.NewPhone()
	g := newTestGateway(t, noMedia{}, a, sim.NewPhone())
	t.Cleanup(func() { g.Close() })
	g.portFailed(g.ports[1], errCardGone)
	a.PickUp()
	a.Wait(300 * time.Millisecond)
	a.DialDTMF("102#")
	// Step until the busy arrives: it comes from the gateway's goroutines.
	deadline := time.Now().Add(10 * time.Second)
	for g.ports[0].fxs.State().String() != "disconnected" {
		if time.Now().After(deadline) {
			t.Fatalf("caller's state %v, want disconnected (busy)", g.ports[0].fxs.State())
		}
		if err := g.ports[0].step(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Microsecond)
	}
	if a, _ := g.Alarms(); len(a) != 1 || a[0].Kind != AlarmPortFailed || a[0].Source != "port 2" {
		t.Fatalf("alarms %+v", a)
	}
}
