package line

import (
	"slices"
	"testing"
	"time"

	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/media/callerid"
	"github.com/potsgate/potsgate/media/dtmf"
	"github.com/potsgate/potsgate/media/tone"
)

func newTestFXOLine(t *testing.T, cfg FXOConfig) (*FXOLine, *sim.Line, *recordingNetwork, tone.Set) {
	t.Helper()
	us, err := tone.Country("US")
	if err != nil {
		t.Fatal(err)
	}
	exch, net := sim.NewLine(), &recordingNetwork{}
	l, err := NewFXOLine(FXOLineOptions{Port: exch, Network: net, Config: cfg, Tones: us, Epoch: t0})
	if err != nil {
		t.Fatal(err)
	}
	return l, exch, net, us
}

func stepFXO(t *testing.T, l *FXOLine, d time.Duration) {
	t.Helper()
	for range int(d / (10 * time.Millisecond)) {
		if err := l.Step(); err != nil {
			t.Fatal(err)
		}
	}
}

func toneSamples(t *testing.T, set tone.Set, ty tone.Type, d time.Duration) []int16 {
	t.Helper()
	def, _ := set.Tone(ty)
	g, err := tone.NewGenerator(def)
	if err != nil {
		t.Fatal(err)
	}
	return g.Generate(make([]int16, int(d.Seconds()*8000)))
}

// A PSTN call rings the FXO port with caller ID between the rings: the line
// calls the hotline target with the decoded caller ID and answers the line
// when the far end answers.
func TestFXOLineIncomingWithCallerID(t *testing.T) {
	var placed CallerID
	l, exch, net, _ := newTestFXOLine(t, FXOConfig{Target: "101"})
	net.onPlace = func(c CallerID) { placed = c }
	exch.Ring(3, 2*time.Second, 4*time.Second)
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
}

// A network call to the FXO port seizes the line, waits for dial tone,
// dials the number as DTMF, and hangs up when the PBX plays busy tone.
func TestFXOLineOutgoingDialsAfterDialTone(t *testing.T) {
	l, exch, net, us := newTestFXOLine(t, FXOConfig{WaitForDialTone: true, DisconnectOnBusyTone: true})
	dial := toneSamples(t, us, tone.Dial, 3*time.Second)
	exch.OnSeize(func(x *sim.Line) { x.PlayAt(0, dial) })
	if err := l.Deliver(t.Context(), Event{Kind: IncomingCall, Number: "5551234"}); err != nil {
		t.Fatal(err)
	}
	stepFXO(t, l, 300*time.Millisecond)
	if !exch.Seized() || len(exch.Heard()) == 0 {
		t.Fatal("line not seized")
	}
	stepFXO(t, l, 2700*time.Millisecond)
	if got := dtmf.Detect(exch.Heard()); got != "5551234" {
		t.Fatalf("the PBX heard %q, want 5551234 (actions %v, state %v)", got, net.actions, l.State())
	}
	if !slices.Contains(net.actions, "answer") {
		t.Fatalf("network actions %v", net.actions)
	}
	exch.PlayAt(0, toneSamples(t, us, tone.Busy, 4*time.Second))
	stepFXO(t, l, 4*time.Second)
	if exch.Seized() || !slices.Contains(net.actions, "hangup") || l.State() != FXOIdle {
		t.Fatalf("after busy tone: seized %v, actions %v, state %v", exch.Seized(), net.actions, l.State())
	}
}

func TestFXOLineStepAllocatesNothing(t *testing.T) {
	l, exch, _, _ := newTestFXOLine(t, FXOConfig{})
	stepFXO(t, l, 100*time.Millisecond)
	_ = exch
	if n := testing.AllocsPerRun(200, func() { _ = l.Step() }); n != 0 {
		t.Fatalf("Step allocates %.1f times per idle frame", n)
	}
}

// A held line that goes quiet for the silence period is released.
func TestFXOLineSilenceDisconnect(t *testing.T) {
	l, exch, net, us := newTestFXOLine(t, FXOConfig{SilenceTimeout: 5 * time.Second})
	// The PBX talks for 2 s after the dialling, then goes quiet.
	exch.OnSeize(func(x *sim.Line) { x.PlayAt(1500*time.Millisecond, toneSamples(t, us, tone.Dial, 2*time.Second)) })
	if err := l.Deliver(t.Context(), Event{Kind: IncomingCall, Number: "1"}); err != nil {
		t.Fatal(err)
	}
	stepFXO(t, l, 8*time.Second)
	if !exch.Seized() {
		t.Fatal("released before the silence period ended")
	}
	stepFXO(t, l, 1*time.Second)
	if exch.Seized() || !slices.Contains(net.actions, "hangup") {
		t.Fatalf("after silence: seized %v, actions %v", exch.Seized(), net.actions)
	}
}

// dtmfSamples is digits as DTMF audio, as a caller on the PBX side dials.
func dtmfSamples(t *testing.T, digits string) []int16 {
	t.Helper()
	g, err := dtmf.NewGenerator(dtmf.DefaultGeneratorConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Play(digits); err != nil {
		t.Fatal(err)
	}
	var out []int16
	frame := make([]int16, 80)
	for g.Busy() {
		out = append(out, g.Generate(frame)...)
	}
	return out
}

// SetConfig on an idle FXO line: the next call is answered after the new
// NumberOfRings (ring bursts start every 6 s).
func TestFXOLineSetConfigWhileIdle(t *testing.T) {
	l, exch, _, _ := newTestFXOLine(t, FXOConfig{TwoStageDial: true, NumberOfRings: 4})
	stepFXO(t, l, 100*time.Millisecond)
	l.SetConfig(FXOConfig{TwoStageDial: true, NumberOfRings: 1})
	exch.Ring(3, 2*time.Second, 4*time.Second)
	stepFXO(t, l, 5*time.Second)
	if exch.Seized() {
		t.Fatal("answered at the first ring")
	}
	stepFXO(t, l, 2*time.Second)
	if !exch.Seized() || l.State() != FXOCollecting {
		t.Fatalf("after the second ring: seized %v, state %v; want answered by NumberOfRings 1", exch.Seized(), l.State())
	}
}

// SetConfig during a two-stage call leaves it alone (the number is
// collected by the map it began with); the next call rings NumberOfRings
// of the new configuration and dials by its map.
func TestFXOLineSetConfigDuringACall(t *testing.T) {
	l, exch, net, _ := newTestFXOLine(t, FXOConfig{TwoStageDial: true, NumberOfRings: 1, DigitMap: mustMap(t, "1xx")})
	exch.Ring(2, 2*time.Second, 4*time.Second) // bursts at 0 and 6 s; the script goes on at 12 s
	stepFXO(t, l, 7*time.Second)
	if l.State() != FXOCollecting {
		t.Fatalf("state %v, want collecting", l.State())
	}
	l.SetConfig(FXOConfig{TwoStageDial: true, NumberOfRings: 3, DigitMap: mustMap(t, "2xxx")})
	exch.PlayAt(0, dtmfSamples(t, "103"))
	stepFXO(t, l, time.Second)
	if !slices.Equal(net.calls, []string{"103"}) {
		t.Fatalf("calls %v, want [103] by the map the call began with", net.calls)
	}
	if err := l.Deliver(t.Context(), Event{Kind: RemoteAnswered}); err != nil {
		t.Fatal(err)
	}
	stepFXO(t, l, time.Second)
	if l.State() != FXOConnected || !exch.Seized() {
		t.Fatalf("in the call: state %v, seized %v", l.State(), exch.Seized())
	}
	if err := l.Deliver(t.Context(), Event{Kind: RemoteHangup}); err != nil {
		t.Fatal(err)
	}
	stepFXO(t, l, 100*time.Millisecond) // now 9.1 s
	if exch.Seized() || l.State() != FXOIdle {
		t.Fatalf("after the hang-up: seized %v, state %v", exch.Seized(), l.State())
	}
	exch.Ring(5, 2*time.Second, 4*time.Second) // bursts at 12, 18, 24, 30 s
	stepFXO(t, l, 20*time.Second)              // 29.1 s: NumberOfRings 1 would have answered at 18 s
	if exch.Seized() {
		t.Fatalf("answered before the fourth ring: %v", exch.HookChanges())
	}
	stepFXO(t, l, 2*time.Second)
	if !exch.Seized() || l.State() != FXOCollecting {
		t.Fatalf("after the fourth ring: seized %v, state %v", exch.Seized(), l.State())
	}
	exch.PlayAt(0, dtmfSamples(t, "2345"))
	stepFXO(t, l, time.Second)
	if !slices.Equal(net.calls, []string{"103", "2345"}) {
		t.Fatalf("calls %v, want [103 2345]", net.calls)
	}
}
