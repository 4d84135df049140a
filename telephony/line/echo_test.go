package line

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/media/echo"
	"github.com/potsgate/potsgate/media/tone"
)

// talkingNetwork is a far end that speaks (speech-shaped noise at about
// -15 dBm0) and records what the line sends it.
type talkingNetwork struct {
	recordingNetwork
	r  *rand.Rand
	lp float64
}

func newTalkingNetwork() *talkingNetwork {
	return &talkingNetwork{r: rand.New(rand.NewPCG(1, 2))}
}

func (n *talkingNetwork) ReadAudio(dst []int16) {
	for i := range dst {
		n.lp = 0.7*n.lp + n.r.NormFloat64()
		dst[i] = int16(max(min(n.lp*1100, 32767), -32768))
	}
}

func energy(x []int16) float64 {
	var e float64
	for _, v := range x {
		e += float64(v) * float64(v)
	}
	return e
}

// fxoEchoCall runs 6 s of an outgoing FXO call on a line whose hybrid is
// G.168 model D.4 at 6 dB ERL and returns what the far end heard in the
// last 2 s.
func fxoEchoCall(t *testing.T, ec EchoOptions) ([]int16, *FXOLine) {
	t.Helper()
	us, err := tone.Country("US")
	if err != nil {
		t.Fatal(err)
	}
	exch, net := sim.NewLine(), newTalkingNetwork()
	hybrid, err := sim.NewEchoPath(sim.Hybrid{Response: sim.G168D4.Response(6), Delay: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	exch.SetEcho(hybrid)
	l, err := NewFXOLine(FXOLineOptions{Port: exch, Network: net, Tones: us, Epoch: t0, Echo: ec})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Deliver(t.Context(), Event{Kind: IncomingCall, Number: "1"}); err != nil {
		t.Fatal(err)
	}
	stepFXO(t, l, 6*time.Second)
	if l.State() != FXOConnected {
		t.Fatalf("state %v", l.State())
	}
	return net.heard[len(net.heard)-2*8000:], l
}

// The canceller between the FXO port and the network takes the line's
// echo of the far end's voice down by more than 30 dB; without it the
// far end hears itself 6 dB down.
func TestFXOLineCancelsEcho(t *testing.T) {
	without, l := fxoEchoCall(t, EchoOptions{})
	if _, ok := l.EchoStats(); ok {
		t.Fatal("a line without canceller reports one")
	}
	with, l := fxoEchoCall(t, EchoOptions{Enabled: true, Tail: echo.Tail64})
	reduction := 10 * math.Log10(energy(without)/(energy(with)+1))
	t.Logf("echo reduced by %.1f dB", reduction)
	if reduction < 30 {
		t.Errorf("echo reduced by %.1f dB, want >= 30", reduction)
	}
	s, ok := l.EchoStats()
	if !ok || s.ERLE < 20 || s.Frames == 0 || s.State == echo.StateIdle {
		t.Errorf("stats %+v, %v", s, ok)
	}
}

// On an FXS port the canceller removes the phone's hybrid echo, and a
// phone going on hook resets it for the next call.
func TestFXSLineCancelsEcho(t *testing.T) {
	us, err := tone.Country("US")
	if err != nil {
		t.Fatal(err)
	}
	phone, net := sim.NewPhone(), newTalkingNetwork()
	hybrid, err := sim.NewEchoPath(sim.Hybrid{Response: sim.G168D7.Response(10)})
	if err != nil {
		t.Fatal(err)
	}
	phone.SetHybrid(hybrid)
	l, err := NewFXSLine(FXSLineOptions{Port: phone, Network: net, Tones: us, Epoch: t0, Echo: EchoOptions{Enabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	phone.AutoAnswer(1)
	if err := l.Deliver(t.Context(), Event{Kind: IncomingCall, Number: "100"}); err != nil {
		t.Fatal(err)
	}
	step := func(d time.Duration) {
		for range int(d / (10 * time.Millisecond)) {
			if err := l.Step(); err != nil {
				t.Fatal(err)
			}
		}
	}
	step(8 * time.Second)
	if l.State() != FXSConnected {
		t.Fatalf("state %v", l.State())
	}
	heard := net.heard[len(net.heard)-8000:]
	// The echo alone, 10 dB under the far end's -15 dBm0, would be about
	// -25 dBm0 (a mean square of about 1.3e5); cancelled, it is 30 dB less.
	if ms := energy(heard) / 8000; ms > 1.3e2 {
		t.Errorf("the far end hears its echo at mean square %.0f", ms)
	}
	if s, _ := l.EchoStats(); s.Frames == 0 || s.ERLE < 20 {
		t.Errorf("stats %+v", s)
	}
	phone.HangUp()
	step(time.Second)
	if s, _ := l.EchoStats(); s.State != echo.StateIdle || s.ERLE != 0 {
		t.Errorf("after the call: %+v, want a reset canceller", s)
	}
}

// A connected FXO line with its canceller allocates nothing per frame.
func TestFXOLineEchoStepAllocatesNothing(t *testing.T) {
	_, l := fxoEchoCall(t, EchoOptions{Enabled: true, Tail: echo.Tail128})
	if n := testing.AllocsPerRun(100, func() { _ = l.Step() }); n != 0 {
		t.Fatalf("Step allocates %.1f times per frame", n)
	}
}
