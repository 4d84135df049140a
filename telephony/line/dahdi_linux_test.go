package line

import (
	"errors"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/potsgate/potsgate/hal"
	"github.com/potsgate/potsgate/hal/dahdi"
	"github.com/potsgate/potsgate/hal/dahdi/dahditest"
	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/media/callerid"
	"github.com/potsgate/potsgate/media/tone"
)

// The sim scenarios again, with the line on a hal/dahdi port and the
// simulated phone or exchange behind a fake DAHDI card: the port's
// ioctls, reads, writes, events and the DAHDI core's hook machine sit
// between the line and the phone.

func newDAHDIFXS(t *testing.T, cfg FXSConfig) (*FXSLine, *sim.Phone, *recordingNetwork, *dahditest.Channel, *dahdi.Port) {
	t.Helper()
	us, err := tone.Country("US")
	if err != nil {
		t.Fatal(err)
	}
	dev, phone := dahditest.New(nil), sim.NewPhone()
	ch := dev.AddFXS(1, phone)
	port, err := dahdi.Open(1, dahdi.FXS, dahdi.Options{Kernel: dev})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = port.Close() })
	net := &recordingNetwork{}
	l, err := NewFXSLine(FXSLineOptions{Port: port, Network: net, Config: cfg, Tones: us, Epoch: t0})
	if err != nil {
		t.Fatal(err)
	}
	return l, phone, net, ch, port
}

// Off hook, dial tone, 103 as DTMF, the call, audio both ways, a digit in
// the call, on hook (reported by the driver after its flash time).
func TestDAHDIFXSLineDialsAndConnects(t *testing.T) {
	l, phone, net, _, port := newDAHDIFXS(t, FXSConfig{DigitMap: mustMap(t, "1xx")})
	phone.PickUp()
	steps(t, l, 500*time.Millisecond)
	if !port.OffHook() {
		t.Fatal("the port did not see the phone go off hook")
	}
	heard := phone.Heard()
	if p350, p440, p1k := power(heard, 350), power(heard, 440), power(heard, 1000); p350 < 100*p1k || p440 < 100*p1k {
		t.Fatalf("no US dial tone: 350 Hz %.3g, 440 Hz %.3g, 1 kHz %.3g", p350, p440, p1k)
	}
	phone.DialDTMF("103")
	steps(t, l, time.Second)
	if !slices.Equal(net.calls, []string{"103"}) || l.State() != FXSCalling {
		t.Fatalf("calls %v, state %v", net.calls, l.State())
	}
	if err := l.Deliver(t.Context(), Event{Kind: RemoteAnswered}); err != nil {
		t.Fatal(err)
	}
	steps(t, l, 20*time.Millisecond)
	phone.Heard()
	phone.Say(sine(600, 8000, 400*time.Millisecond))
	steps(t, l, 400*time.Millisecond)
	if got := phone.Heard(); power(got, 1000) < 100*power(got, 440) {
		t.Fatal("the far end's audio does not reach the phone")
	}
	if power(net.heard, 600) < 100*power(net.heard, 1000) {
		t.Fatal("the phone's audio does not reach the far end")
	}
	phone.DialDTMF("5")
	steps(t, l, 300*time.Millisecond)
	if !slices.Equal(net.digits, []byte("5")) {
		t.Fatalf("digits sent in the call: %q", net.digits)
	}
	phone.HangUp()
	steps(t, l, time.Second)
	if l.State() == FXSIdle || !port.OffHook() {
		t.Fatalf("on hook reported before DAHDI's receive flash time: state %v", l.State())
	}
	steps(t, l, 2*time.Second)
	if l.State() != FXSIdle || !slices.Contains(net.actions, "hangup") || port.OffHook() {
		t.Fatalf("after hang-up: state %v, actions %v, port off hook %v", l.State(), net.actions, port.OffHook())
	}
}

// An incoming call rings the phone through DAHDI_RING with the line's
// cadence, and caller ID reaches the on-hook phone between the rings by
// on-hook transfer; picking up answers.
func TestDAHDIFXSLineRingsWithCallerID(t *testing.T) {
	l, phone, net, ch, port := newDAHDIFXS(t, FXSConfig{CallerID: true})
	err := l.Deliver(t.Context(), Event{Kind: IncomingCall, CallerID: CallerID{Number: "5551234", Name: "ALICE"}})
	if err != nil {
		t.Fatal(err)
	}
	steps(t, l, 5*time.Second)
	rc := phone.RingChanges()
	if len(rc) != 2 || !rc[0].On || rc[0].At > 20*time.Millisecond || rc[1].On || rc[1].At < 2000*time.Millisecond || rc[1].At > 2020*time.Millisecond {
		t.Fatalf("ring changes %v, want on at 10 ms, off at 2010 ms", rc)
	}
	if port.Stats().OHTStart == 0 || ch.OnHookAudio() < 300*time.Millisecond {
		t.Fatalf("on-hook transfers %d, audio on hook %v", port.Stats().OHTStart, ch.OnHookAudio())
	}
	rx, err := callerid.NewReceiver(callerid.Bellcore, callerid.ReceiverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	heard := phone.Heard()
	for i := 0; i+hal.FrameSamples <= len(heard); i += hal.FrameSamples {
		rx.Process(heard[i : i+hal.FrameSamples])
	}
	msg, ok := rx.Next()
	if !ok || msg.Number != "5551234" || msg.Name != "ALICE" {
		t.Fatalf("caller ID decoded by the phone: %+v, %v", msg, ok)
	}
	phone.PickUp()
	steps(t, l, 100*time.Millisecond)
	if l.State() != FXSConnected || !slices.Contains(net.actions, "answer") || phone.Ringing() {
		t.Fatalf("after pick-up: state %v, actions %v, ringing %v", l.State(), net.actions, phone.Ringing())
	}
}

// Pulses and a flash are timed by the DAHDI core, which reports a pulse
// digit and a wink/flash: the line dials the digits and sends the flash.
func TestDAHDIFXSLinePulseDialAndFlash(t *testing.T) {
	l, phone, net, _, _ := newDAHDIFXS(t, FXSConfig{DigitMap: mustMap(t, "xx")})
	phone.PickUp()
	phone.Wait(500 * time.Millisecond)
	phone.DialPulse("42")
	steps(t, l, 3*time.Second)
	if !slices.Equal(net.calls, []string{"42"}) {
		t.Fatalf("calls %v, want [42] from pulses", net.calls)
	}
	if err := l.Deliver(t.Context(), Event{Kind: RemoteAnswered}); err != nil {
		t.Fatal(err)
	}
	steps(t, l, 100*time.Millisecond)
	phone.Flash(400 * time.Millisecond)
	steps(t, l, time.Second)
	if !slices.Contains(net.actions, "flash") || l.State() == FXSIdle {
		t.Fatalf("after a flash: actions %v, state %v", net.actions, l.State())
	}
}

// A PSTN call rings the FXO port with caller ID between the rings; the
// line calls the hotline target, answers the line when the far end
// answers, and a polarity reversal (the PBX hanging up) ends the call.
func TestDAHDIFXOLineRingAnswerPolarityDisconnect(t *testing.T) {
	us, _ := tone.Country("US")
	dev, exch := dahditest.New(nil), sim.NewLine()
	dev.AddFXO(3, exch)
	port, err := dahdi.Open(3, dahdi.AnyKind, dahdi.Options{Kernel: dev})
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	if port.Kind() != dahdi.FXO {
		t.Fatalf("kind %v from FXSKS signalling", port.Kind())
	}
	net := &recordingNetwork{}
	var placed CallerID
	net.onPlace = func(c CallerID) { placed = c }
	l, err := NewFXOLine(FXOLineOptions{Port: port, Network: net, Config: FXOConfig{Target: "101", DisconnectOnPolarity: true}, Tones: us, Epoch: t0})
	if err != nil {
		t.Fatal(err)
	}
	exch.Ring(2, 2*time.Second, 4*time.Second) // bursts at 0 and 6 s; the script goes on at 12 s
	fsk, err := callerid.Samples(callerid.Bellcore, callerid.Message{Time: t0, Number: "5551234", Name: "CAROL"}, callerid.Options{})
	if err != nil {
		t.Fatal(err)
	}
	exch.PlayAt(2500*time.Millisecond, fsk)
	stepFXO(t, l, 7*time.Second)
	if !slices.Equal(net.calls, []string{"101"}) || placed.Number != "5551234" || placed.Name != "CAROL" {
		t.Fatalf("calls %v with caller ID %+v", net.calls, placed)
	}
	if exch.Seized() {
		t.Fatal("line answered before the far end did")
	}
	if err := l.Deliver(t.Context(), Event{Kind: RemoteAnswered}); err != nil {
		t.Fatal(err)
	}
	stepFXO(t, l, 100*time.Millisecond)
	if !exch.Seized() || l.State() != FXOConnected {
		t.Fatalf("after answer: seized %v, state %v", exch.Seized(), l.State())
	}
	exch.PlayAt(0, sine(700, 8000, 200*time.Millisecond))
	stepFXO(t, l, 300*time.Millisecond)
	if power(net.heard, 700) < 100*power(net.heard, 1000) {
		t.Fatal("the line's audio does not reach the far end")
	}
	if h := exch.Heard(); power(h, 1000) < 100*power(h, 700) {
		t.Fatal("the far end's audio does not reach the line")
	}
	exch.ReversePolarity() // at 12 s
	stepFXO(t, l, 4300*time.Millisecond)
	if !exch.Seized() {
		t.Fatal("released before the polarity reversal")
	}
	stepFXO(t, l, 500*time.Millisecond)
	if exch.Seized() || !slices.Contains(net.actions, "hangup") || l.State() != FXOIdle {
		t.Fatalf("after polarity reversal: seized %v, actions %v, state %v", exch.Seized(), net.actions, l.State())
	}
}

// A card that goes away, an I/O error or a card that stops sending
// frames takes the port out of service: Step reports it, every time,
// and nothing panics.
func TestDAHDIPortFailureTakesTheLineOutOfService(t *testing.T) {
	for name, fail := range map[string]func(*dahditest.Channel){
		"removed": func(c *dahditest.Channel) { c.Remove() },
		"EIO":     func(c *dahditest.Channel) { c.FailIO(syscall.EIO) },
		"stalled": func(c *dahditest.Channel) { c.Stall(true) },
	} {
		t.Run(name, func(t *testing.T) {
			l, phone, _, ch, port := newDAHDIFXS(t, FXSConfig{})
			phone.PickUp()
			steps(t, l, 100*time.Millisecond)
			fail(ch)
			for range 3 {
				err := l.Step()
				if !errors.Is(err, dahdi.ErrOutOfService) {
					t.Fatalf("Step: %v, want ErrOutOfService", err)
				}
			}
			if port.Err() == nil {
				t.Fatal("port.Err is nil out of service")
			}
			if err := port.SetRing(true); !errors.Is(err, dahdi.ErrOutOfService) {
				t.Fatalf("SetRing out of service: %v", err)
			}
		})
	}
}

func TestDAHDIFXSLineStepAllocatesNothing(t *testing.T) {
	l, phone, _, _, _ := newDAHDIFXS(t, FXSConfig{})
	phone.Record(false)
	phone.PickUp()
	steps(t, l, 100*time.Millisecond)
	if n := testing.AllocsPerRun(200, func() { _ = l.Step() }); n != 0 {
		t.Fatalf("Step on a DAHDI port allocates %.1f times per frame with dial tone playing", n)
	}
}

// BenchmarkDAHDIFXSLineStep is BenchmarkFXSLineStep (a line in a call)
// with the phone behind a DAHDI port on the fake card: the difference is
// the backend's frame loop plus the fake card.
func BenchmarkDAHDIFXSLineStep(b *testing.B) {
	us, _ := tone.Country("US")
	dev, phone := dahditest.New(nil), sim.NewPhone()
	dev.AddFXS(1, phone)
	port, err := dahdi.Open(1, dahdi.FXS, dahdi.Options{Kernel: dev})
	if err != nil {
		b.Fatal(err)
	}
	defer port.Close()
	l, _ := NewFXSLine(FXSLineOptions{Port: port, Network: &discardNetwork{&recordingNetwork{}}, Tones: us, Config: FXSConfig{Hotline: "1"}, Epoch: t0})
	phone.Record(false)
	phone.Echo(true)
	phone.PickUp()
	_ = l.Step()
	_ = l.Deliver(b.Context(), Event{Kind: RemoteAnswered})
	_ = l.Step()
	b.ReportAllocs()
	for b.Loop() {
		_ = l.Step()
	}
}
