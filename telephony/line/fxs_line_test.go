package line

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/potsgate/potsgate/hal"
	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/media/callerid"
	"github.com/potsgate/potsgate/media/echo"
	"github.com/potsgate/potsgate/media/tone"
)

// recordingNetwork is the call control side of a line in tests: it records
// what the line asked for and plays a fixed tone as the far end's audio.
type recordingNetwork struct {
	mu      sync.Mutex
	calls   []string
	actions []string
	digits  []byte
	heard   []int16 // audio the line sent
	far     int     // sample counter of the far end's 1 kHz tone
	onPlace func(CallerID)
}

func (n *recordingNetwork) record(s string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.actions = append(n.actions, s)
}

func (n *recordingNetwork) PlaceCall(number string, cid CallerID) {
	if n.onPlace != nil {
		n.onPlace(cid)
	}
	n.mu.Lock()
	n.calls = append(n.calls, number)
	n.mu.Unlock()
	n.record("place-call " + number)
}
func (n *recordingNetwork) Answer()                { n.record("answer") }
func (n *recordingNetwork) Hangup()                { n.record("hangup") }
func (n *recordingNetwork) RejectBusy()            { n.record("reject-busy") }
func (n *recordingNetwork) SendFlash()             { n.record("flash") }
func (n *recordingNetwork) Transfer(number string) { n.record("transfer " + number) }
func (n *recordingNetwork) SendDigit(d byte) {
	n.mu.Lock()
	n.digits = append(n.digits, d)
	n.mu.Unlock()
}
func (n *recordingNetwork) ReadAudio(dst []int16) {
	for i := range dst {
		dst[i] = int16(8000 * math.Sin(2*math.Pi*1000*float64(n.far)/8000))
		n.far++
	}
}
func (n *recordingNetwork) WriteAudio(src []int16) {
	n.mu.Lock()
	n.heard = append(n.heard, src...)
	n.mu.Unlock()
}

func power(x []int16, f float64) float64 {
	w := 2 * math.Pi * f / 8000
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s1, s2 = float64(v)+c*s1-s2, s1
	}
	return (s1*s1 + s2*s2 - c*s1*s2) / float64(len(x)*len(x))
}

func newTestLine(t *testing.T, cfg FXSConfig) (*FXSLine, *sim.Phone, *recordingNetwork) {
	t.Helper()
	us, err := tone.Country("US")
	if err != nil {
		t.Fatal(err)
	}
	phone, net := sim.NewPhone(), &recordingNetwork{}
	l, err := NewFXSLine(FXSLineOptions{Port: phone, Network: net, Config: cfg, Tones: us, Epoch: t0})
	if err != nil {
		t.Fatal(err)
	}
	return l, phone, net
}

// deliver hands ev to the line and steps it one frame.
func deliver(t *testing.T, l *FXSLine, ev Event) {
	t.Helper()
	if err := l.Deliver(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	steps(t, l, 10*time.Millisecond)
}

// hears reports a two-frequency tone (dial, busy) well above 1 kHz's
// power.
func hears(heard []int16, f1, f2 float64) bool {
	return power(heard, f1) > 100*power(heard, 1000) && power(heard, f2) > 100*power(heard, 1000)
}

func steps(t *testing.T, l *FXSLine, d time.Duration) {
	t.Helper()
	for range int(d / hal.FrameDuration) {
		if err := l.Step(); err != nil {
			t.Fatal(err)
		}
	}
}

// A phone goes off hook, hears dial tone, dials 103 as DTMF audio; the line
// detects the digits, places the call and, once answered, carries audio
// both ways.
func TestFXSLineDialsAndConnects(t *testing.T) {
	l, phone, net := newTestLine(t, FXSConfig{DigitMap: mustMap(t, "1xx")})
	phone.PickUp()
	steps(t, l, 500*time.Millisecond)
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
	if l.State() != FXSIdle || !slices.Contains(net.actions, "hangup") {
		t.Fatalf("after hang-up: state %v, actions %v", l.State(), net.actions)
	}
}

func sine(f, amp float64, d time.Duration) []int16 {
	out := make([]int16, int(d.Seconds()*8000))
	for i := range out {
		out[i] = int16(amp * math.Sin(2*math.Pi*f*float64(i)/8000))
	}
	return out
}

// An incoming call rings the phone with the configured cadence and sends
// caller ID between the first and second ring; the phone's decoder reads it.
func TestFXSLineRingsWithCallerID(t *testing.T) {
	l, phone, net := newTestLine(t, FXSConfig{CallerID: true})
	err := l.Deliver(context.Background(), Event{Kind: IncomingCall, CallerID: CallerID{Number: "5551234", Name: "ALICE"}})
	if err != nil {
		t.Fatal(err)
	}
	steps(t, l, 5*time.Second)
	rc := phone.RingChanges()
	if len(rc) != 2 || rc[0] != (sim.Change{At: 10 * time.Millisecond, On: true}) || rc[1] != (sim.Change{At: 2010 * time.Millisecond, On: false}) {
		t.Fatalf("ring changes %v", rc)
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
	if l.State() != FXSConnected || !slices.Contains(net.actions, "answer") {
		t.Fatalf("after pick-up: state %v, actions %v", l.State(), net.actions)
	}
}

func TestFXSLineStepAllocatesNothing(t *testing.T) {
	l, phone, _ := newTestLine(t, FXSConfig{})
	phone.Record(false)
	phone.PickUp()
	steps(t, l, 100*time.Millisecond)
	if n := testing.AllocsPerRun(200, func() { _ = l.Step() }); n != 0 {
		t.Fatalf("Step allocates %.1f times per frame with dial tone playing", n)
	}
}

// The scenario: off hook, dial tone heard, "101#" dialled as DTMF
// audio with no digit map: # ends dialling and the line calls 101.
func TestFXSLineDialsWithHash(t *testing.T) {
	l, phone, net := newTestLine(t, FXSConfig{})
	phone.PickUp()
	steps(t, l, 300*time.Millisecond)
	if h := phone.Heard(); power(h, 350) < 100*power(h, 1000) {
		t.Fatal("no dial tone")
	}
	phone.DialDTMF("101#")
	steps(t, l, time.Second)
	if !slices.Equal(net.calls, []string{"101"}) {
		t.Fatalf("calls %v, want [101]", net.calls)
	}
}

// Message waiting: the lamp lights and an on-hook phone receives VMWI.
func TestFXSLineMessageWaiting(t *testing.T) {
	l, phone, _ := newTestLine(t, FXSConfig{})
	if err := l.Deliver(t.Context(), Event{Kind: MessageWaiting, On: true}); err != nil {
		t.Fatal(err)
	}
	steps(t, l, 2*time.Second)
	if !phone.MWI() {
		t.Fatal("lamp off")
	}
	rx, _ := callerid.NewReceiver(callerid.Bellcore, callerid.ReceiverOptions{})
	heard := phone.Heard()
	for i := 0; i+hal.FrameSamples <= len(heard); i += hal.FrameSamples {
		rx.Process(heard[i : i+hal.FrameSamples])
	}
	if msg, ok := rx.Next(); !ok || msg.Kind != callerid.MessageWaiting || !msg.Waiting {
		t.Fatalf("VMWI decoded: %+v %v", msg, ok)
	}
}

// Call waiting on a real line: during a call the phone hears the call
// waiting tone and the CAS, acknowledges with DTMF D, and decodes the
// type 2 caller ID that follows.
func TestFXSLineCallWaitingType2(t *testing.T) {
	l, phone, _ := newTestLine(t, FXSConfig{CallWaiting: true, CallerID: true, Hotline: "1"})
	phone.PickUp()
	steps(t, l, 100*time.Millisecond)
	if err := l.Deliver(t.Context(), Event{Kind: RemoteAnswered}); err != nil {
		t.Fatal(err)
	}
	steps(t, l, 500*time.Millisecond)
	phone.Heard()
	if err := l.Deliver(t.Context(), Event{Kind: IncomingCall, CallerID: CallerID{Number: "8005551212", Name: "WAITING"}}); err != nil {
		t.Fatal(err)
	}
	steps(t, l, 400*time.Millisecond) // tone 300 ms, then the 80 ms CAS
	alert := phone.Heard()
	if cas := alert[len(alert)-400:]; power(cas, 2130) < 2*power(cas, 1000) || power(cas, 2750) < 2*power(cas, 1000) {
		t.Fatalf("no CAS after the call waiting tone: 2130 %.3g 2750 %.3g 1k %.3g 440 %.3g", power(cas, 2130), power(cas, 2750), power(cas, 1000), power(cas, 440))
	}
	phone.DialDTMF("D")
	steps(t, l, 1500*time.Millisecond)
	rx, _ := callerid.NewReceiver(callerid.Bellcore, callerid.ReceiverOptions{})
	heard := phone.Heard()
	for i := 0; i+hal.FrameSamples <= len(heard); i += hal.FrameSamples {
		rx.Process(heard[i : i+hal.FrameSamples])
	}
	if msg, ok := rx.Next(); !ok || msg.Number != "8005551212" || msg.Name != "WAITING" {
		t.Fatalf("type 2 caller ID decoded: %+v %v", msg, ok)
	}
	if l.State() != FXSConnected {
		t.Fatalf("state %v", l.State())
	}
}

// BenchmarkFXSLineStep is the whole per-frame cost of an FXS line in a
// call: DTMF detection, the voice path both ways and the machine.
func BenchmarkFXSLineStep(b *testing.B) {
	us, _ := tone.Country("US")
	phone, net := sim.NewPhone(), &recordingNetwork{}
	l, _ := NewFXSLine(FXSLineOptions{Port: phone, Network: &discardNetwork{net}, Tones: us, Config: FXSConfig{Hotline: "1"}, Epoch: t0})
	phone.Record(false)
	phone.Echo(true)
	phone.PickUp()
	_ = l.Step()
	_ = l.Deliver(context.Background(), Event{Kind: RemoteAnswered})
	_ = l.Step()
	b.ReportAllocs()
	for b.Loop() {
		_ = l.Step()
	}
}

// discardNetwork is a recordingNetwork that keeps no audio.
type discardNetwork struct{ *recordingNetwork }

func (discardNetwork) WriteAudio([]int16) {}

// With MuteDTMF the far end gets the digit out of band only: the tone is
// cut from the voice once detected (the ~30 ms detection takes leak
// through); without it the tone passes in-band.
func TestFXSLineMutesDigitsInTheVoice(t *testing.T) {
	powers := map[bool]float64{}
	for _, mute := range []bool{false, true} {
		us, _ := tone.Country("US")
		phone, net := sim.NewPhone(), &recordingNetwork{}
		l, err := NewFXSLine(FXSLineOptions{Port: phone, Network: net, Config: FXSConfig{Hotline: "1"}, Tones: us, Epoch: t0, MuteDTMF: mute})
		if err != nil {
			t.Fatal(err)
		}
		phone.PickUp()
		steps(t, l, 100*time.Millisecond)
		if err := l.Deliver(t.Context(), Event{Kind: RemoteAnswered}); err != nil {
			t.Fatal(err)
		}
		steps(t, l, 100*time.Millisecond)
		net.mu.Lock()
		net.heard = nil
		net.mu.Unlock()
		phone.DialDTMF("5")
		steps(t, l, 300*time.Millisecond)
		net.mu.Lock()
		p := power(net.heard, 770) + power(net.heard, 1336)
		digits := string(net.digits)
		net.mu.Unlock()
		if digits != "5" {
			t.Fatalf("mute %v: digits sent %q", mute, digits)
		}
		powers[mute] = p
	}
	if powers[true] > powers[false]/10 {
		t.Fatalf("digit tone in the voice: %.3g muted, %.3g not muted; want at least 10 dB less", powers[true], powers[false])
	}
}

// SetConfig on an idle line: the next call dials by the new digit map.
func TestFXSLineSetConfigWhileIdle(t *testing.T) {
	l, phone, net := newTestLine(t, FXSConfig{DigitMap: mustMap(t, "1xx")})
	steps(t, l, 100*time.Millisecond)
	l.SetConfig(FXSConfig{DigitMap: mustMap(t, "2xxx")})
	phone.PickUp()
	steps(t, l, 300*time.Millisecond)
	phone.DialDTMF("2345") // 2 has no rule in the old map: reorder
	steps(t, l, time.Second)
	if !slices.Equal(net.calls, []string{"2345"}) || l.State() != FXSCalling {
		t.Fatalf("calls %v, state %v; want [2345] by the new map", net.calls, l.State())
	}
}

// SetConfig during dialling and during the call leaves them alone; the
// last configuration set applies to the next call.
func TestFXSLineSetConfigDuringACall(t *testing.T) {
	l, phone, net := newTestLine(t, FXSConfig{DigitMap: mustMap(t, "1xx")})
	phone.PickUp()
	steps(t, l, 300*time.Millisecond)
	phone.DialDTMF("1")
	steps(t, l, 300*time.Millisecond)
	l.SetConfig(FXSConfig{DigitMap: mustMap(t, "2xxx")}) // mid-dialling: "1" has no rule in it
	phone.DialDTMF("03")
	steps(t, l, time.Second)
	if !slices.Equal(net.calls, []string{"103"}) {
		t.Fatalf("calls %v, want [103] by the map the dialling began with", net.calls)
	}
	if err := l.Deliver(t.Context(), Event{Kind: RemoteAnswered}); err != nil {
		t.Fatal(err)
	}
	steps(t, l, 100*time.Millisecond)
	l.SetConfig(FXSConfig{DigitMap: mustMap(t, "3xx")}) // in the call; the last one wins
	phone.DialDTMF("5")
	steps(t, l, time.Second)
	if l.State() != FXSConnected || !slices.Equal(net.digits, []byte("5")) {
		t.Fatalf("in the call: state %v, digits sent %q", l.State(), net.digits)
	}
	phone.HangUp()
	steps(t, l, time.Second)
	phone.PickUp()
	steps(t, l, 300*time.Millisecond)
	phone.DialDTMF("345")
	steps(t, l, time.Second)
	if !slices.Equal(net.calls, []string{"103", "345"}) {
		t.Fatalf("calls %v, want [103 345]: the next call by the last map set", net.calls)
	}
}

// mwiCountingPhone counts the lamp commands a line sends.
type mwiCountingPhone struct {
	*sim.Phone
	lamp int
}

func (p *mwiCountingPhone) SetMWI(on bool) error {
	p.lamp++
	return p.Phone.SetMWI(on)
}

// A new configuration keeps the message waiting state: a repeated
// indication (another NOTIFY) neither sets the lamp again nor sends a
// second VMWI, and off hook the phone hears stutter dial tone.
func TestFXSLineSetConfigKeepsMessageWaiting(t *testing.T) {
	us, _ := tone.Country("US")
	phone, net := &mwiCountingPhone{Phone: sim.NewPhone()}, &recordingNetwork{}
	l, err := NewFXSLine(FXSLineOptions{Port: phone, Network: net, Tones: us, Epoch: t0})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Deliver(t.Context(), Event{Kind: MessageWaiting, On: true}); err != nil {
		t.Fatal(err)
	}
	steps(t, l, 2*time.Second)
	phone.Heard()
	l.SetConfig(FXSConfig{DigitMap: mustMap(t, "1xx")})
	steps(t, l, 100*time.Millisecond)
	if err := l.Deliver(t.Context(), Event{Kind: MessageWaiting, On: true}); err != nil {
		t.Fatal(err)
	}
	steps(t, l, 2*time.Second)
	if phone.lamp != 1 || !phone.MWI() {
		t.Fatalf("lamp set %d times, lamp on %v; want once, on", phone.lamp, phone.MWI())
	}
	rx, _ := callerid.NewReceiver(callerid.Bellcore, callerid.ReceiverOptions{})
	heard := phone.Heard()
	for i := 0; i+hal.FrameSamples <= len(heard); i += hal.FrameSamples {
		rx.Process(heard[i : i+hal.FrameSamples])
	}
	if msg, ok := rx.Next(); ok {
		t.Fatalf("VMWI sent again after SetConfig: %+v", msg)
	}
	phone.PickUp()
	steps(t, l, time.Second)
	heard = phone.Heard()
	silent := 0 // US stutter dial tone: 100 ms on, 100 ms off
	for i := 0; i+hal.FrameSamples <= len(heard); i += hal.FrameSamples {
		if power(heard[i:i+hal.FrameSamples], 350) < 1 {
			silent++
		}
	}
	if silent < 30 {
		t.Fatalf("%d silent frames of %d off hook: dial tone, not stutter dial tone", silent, len(heard)/hal.FrameSamples)
	}
	phone.DialDTMF("123")
	steps(t, l, time.Second)
	if !slices.Equal(net.calls, []string{"123"}) {
		t.Fatalf("calls %v: the new map is not in use", net.calls)
	}
}

// A phone picked up while its off-hook is still being debounced keeps it
// across a new configuration: dial tone follows.
func TestFXSLineSetConfigKeepsADebouncedOffHook(t *testing.T) {
	cfg := FXSConfig{OffhookDebounce: 50 * time.Millisecond}
	l, phone, _ := newTestLine(t, cfg)
	phone.PickUp()
	steps(t, l, 20*time.Millisecond)
	if l.State() != FXSIdle {
		t.Fatalf("state %v before the debounce", l.State())
	}
	cfg.DigitMap = mustMap(t, "1xx")
	l.SetConfig(cfg)
	steps(t, l, 100*time.Millisecond)
	if l.State() != FXSDialTone {
		t.Fatalf("state %v after the debounce, want dial-tone", l.State())
	}
}

// SetConfig from another goroutine while Run steps the line (run with
// -race): the hotline set is the call the next off-hook places.
func TestFXSLineSetConfigWhileRunning(t *testing.T) {
	l, phone, net := newTestLine(t, FXSConfig{})
	placed := make(chan CallerID, 1)
	net.onPlace = func(c CallerID) { placed <- c }
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	l.SetConfig(FXSConfig{Hotline: "7"})
	phone.PickUp()
	select {
	case <-placed:
	case <-time.After(10 * time.Second):
		t.Fatal("no call placed")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
	net.mu.Lock()
	defer net.mu.Unlock()
	if !slices.Equal(net.calls, []string{"7"}) {
		t.Fatalf("calls %v, want [7]", net.calls)
	}
}

// feedPhone is a phone on a port that can cut its loop current.
type feedPhone struct {
	*sim.Phone
	mu   sync.Mutex
	feed []bool
}

func (p *feedPhone) SetLoopCurrent(on bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.feed = append(p.feed, on)
	return nil
}

func (p *feedPhone) feedChanges() []bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.feed)
}

// Out of service, the phone hears what FXSOOSBehavior says on the port
// itself: reorder instead of dial tone, the line polarity reversed, or
// nothing at all with the loop current cut (on a port that can cut it).
// Back in service it gets dial tone again.
func TestFXSLineOutOfService(t *testing.T) {
	us, _ := tone.Country("US")
	newLine := func(t *testing.T) (*FXSLine, *feedPhone) {
		t.Helper()
		phone := &feedPhone{Phone: sim.NewPhone()}
		l, err := NewFXSLine(FXSLineOptions{Port: phone, Network: &recordingNetwork{}, Tones: us, Epoch: t0})
		if err != nil {
			t.Fatal(err)
		}
		return l, phone
	}
	t.Run("reorder and polarity", func(t *testing.T) {
		l, phone := newLine(t)
		deliver(t, l, Event{Kind: OutOfService, On: true, OOS: OOSReorderPolarity})
		if !l.OutOfService() || !l.LoopCurrent() {
			t.Fatalf("out of service %v, loop current %v", l.OutOfService(), l.LoopCurrent())
		}
		if pc := phone.PolarityChanges(); len(pc) != 1 || !pc[0].On {
			t.Fatalf("polarity changes %v", pc)
		}
		phone.Heard()
		phone.PickUp()
		steps(t, l, 500*time.Millisecond)
		if h := phone.Heard(); !hears(h, 480, 620) || power(h, 350) > power(h, 480)/100 {
			t.Fatal("no reorder tone (480 + 620 Hz) on off-hook")
		}
		phone.HangUp()
		steps(t, l, time.Second)
		deliver(t, l, Event{Kind: OutOfService})
		if pc := phone.PolarityChanges(); len(pc) != 2 || pc[1].On {
			t.Fatalf("polarity not restored in service: %v", pc)
		}
		phone.Heard()
		phone.PickUp()
		steps(t, l, 500*time.Millisecond)
		if !hears(phone.Heard(), 350, 440) || l.OutOfService() {
			t.Fatalf("no dial tone back in service; out of service %v", l.OutOfService())
		}
	})

	t.Run("current disconnect", func(t *testing.T) {
		l, phone := newLine(t)
		deliver(t, l, Event{Kind: OutOfService, On: true, OOS: OOSCurrentDisconnect})
		if l.LoopCurrent() || !slices.Equal(phone.feedChanges(), []bool{false}) {
			t.Fatalf("loop current %v, port told %v", l.LoopCurrent(), phone.feedChanges())
		}
		phone.Heard()
		phone.PickUp()
		steps(t, l, 500*time.Millisecond)
		for _, s := range phone.Heard() {
			if s != 0 {
				t.Fatal("the phone hears something with the loop current cut")
			}
		}
		if l.State() != FXSCurrentOff {
			t.Fatalf("state %v off hook, want %v", l.State(), FXSCurrentOff)
		}
		// Service returns with the phone still off hook: dial tone now.
		deliver(t, l, Event{Kind: OutOfService})
		steps(t, l, 500*time.Millisecond)
		if !l.LoopCurrent() || !slices.Equal(phone.feedChanges(), []bool{false, true}) || l.State() != FXSDialTone {
			t.Fatalf("loop current %v, port told %v, state %v", l.LoopCurrent(), phone.feedChanges(), l.State())
		}
		if !hears(phone.Heard(), 350, 440) {
			t.Fatal("no dial tone once the current is back")
		}
	})

	t.Run("incoming call refused as unavailable, or busy", func(t *testing.T) {
		l, phone := newLine(t)
		net := l.opts.Network.(*recordingNetwork)
		deliver(t, l, Event{Kind: OutOfService, On: true})
		deliver(t, l, Event{Kind: IncomingCall})
		if phone.Ringing() || !slices.Equal(net.actions, []string{"reject-busy"}) {
			t.Fatalf("ringing %v, network asked %v", phone.Ringing(), net.actions)
		}
		un := &unavailableNetwork{recordingNetwork: &recordingNetwork{}}
		l, err := NewFXSLine(FXSLineOptions{Port: sim.NewPhone(), Network: un, Tones: us, Epoch: t0})
		if err != nil {
			t.Fatal(err)
		}
		deliver(t, l, Event{Kind: OutOfService, On: true})
		deliver(t, l, Event{Kind: IncomingCall})
		if !slices.Equal(un.actions, []string{"reject-unavailable"}) {
			t.Fatalf("network asked %v", un.actions)
		}
	})

	t.Run("current disconnect on a port without the control", func(t *testing.T) {
		phone := sim.NewPhone()
		l, err := NewFXSLine(FXSLineOptions{Port: phone, Network: &recordingNetwork{}, Tones: us, Epoch: t0})
		if err != nil {
			t.Fatal(err)
		}
		deliver(t, l, Event{Kind: OutOfService, On: true, OOS: OOSCurrentDisconnect})
		phone.PickUp()
		steps(t, l, 300*time.Millisecond)
		if l.LoopCurrent() || l.State() != FXSCurrentOff {
			t.Fatalf("loop current %v, state %v", l.LoopCurrent(), l.State())
		}
	})
}

type unavailableNetwork struct{ *recordingNetwork }

func (n *unavailableNetwork) RejectUnavailable() { n.record("reject-unavailable") }

// conferencingNetwork is a recordingNetwork that is a Conferencer.
type conferencingNetwork struct{ *recordingNetwork }

func (n conferencingNetwork) Consult(number string) { n.record("consult " + number) }
func (n conferencingNetwork) Conference()           { n.record("conference") }
func (n conferencingNetwork) Retrieve()             { n.record("retrieve") }
func (n conferencingNetwork) TransferConsultation() { n.record("transfer-consultation") }

// TestFXSLineConference: the conference actions reach a Network that is a
// Conferencer. One that is not refuses the consultation call: the phone
// hears reorder, a flash takes the held call back by SendFlash, and
// hanging up in the consultation is a plain Hangup.
func TestFXSLineConference(t *testing.T) {
	cfg := FXSConfig{Hotline: "200", Conference: true, Transfer: true, DigitMap: mustMap(t, "2xx")}
	flashAndDial := func(l *FXSLine, phone *sim.Phone) {
		t.Helper()
		phone.PickUp()
		steps(t, l, 100*time.Millisecond)
		if err := l.Deliver(t.Context(), Event{Kind: RemoteAnswered}); err != nil {
			t.Fatal(err)
		}
		steps(t, l, 100*time.Millisecond)
		phone.Flash(300 * time.Millisecond)
		phone.Wait(200 * time.Millisecond)
		phone.DialDTMF("201")
		steps(t, l, time.Second)
	}
	deliver := func(l *FXSLine, ev Event) {
		t.Helper()
		if err := l.Deliver(t.Context(), ev); err != nil {
			t.Fatal(err)
		}
		steps(t, l, 20*time.Millisecond)
	}

	l, phone, rec := newTestLine(t, cfg)
	net := conferencingNetwork{rec}
	l.opts.Network, l.net = net, net
	flashAndDial(l, phone)
	deliver(l, Event{Kind: RemoteAnswered})
	phone.Flash(300 * time.Millisecond)
	steps(t, l, 400*time.Millisecond)
	if l.State() != FXSConference {
		t.Fatalf("state %v, want conference", l.State())
	}
	phone.Flash(300 * time.Millisecond)
	steps(t, l, 400*time.Millisecond)
	if want := []string{"place-call 200", "flash", "consult 201", "conference", "retrieve"}; !slices.Equal(rec.actions, want) {
		t.Fatalf("network asked %v, want %v", rec.actions, want)
	}

	l, phone, rec = newTestLine(t, cfg)
	net = conferencingNetwork{rec}
	l.opts.Network, l.net = net, net
	flashAndDial(l, phone)
	deliver(l, Event{Kind: RemoteAnswered})
	phone.HangUp()
	steps(t, l, time.Second)
	if want := []string{"place-call 200", "flash", "consult 201", "transfer-consultation"}; !slices.Equal(rec.actions, want) {
		t.Fatalf("network asked %v, want %v", rec.actions, want)
	}

	// Not a Conferencer.
	l, phone, rec = newTestLine(t, cfg)
	flashAndDial(l, phone)
	if l.State() != FXSConsultFailed {
		t.Fatalf("state %v, want consult-failed", l.State())
	}
	phone.Heard()
	steps(t, l, 300*time.Millisecond)
	if h := phone.Heard(); power(h, 620) < 100*power(h, 350) { // (the far end's 1 kHz goes on: media stays up for the held call)
		t.Error("no reorder tone (480+620 Hz) for a refused consultation call")
	}
	phone.Flash(300 * time.Millisecond)
	steps(t, l, 400*time.Millisecond)
	if want := []string{"place-call 200", "flash", "flash"}; !slices.Equal(rec.actions, want) || l.State() != FXSConnected {
		t.Fatalf("network asked %v, state %v; want %v, connected", rec.actions, l.State(), want)
	}
}

// TestFXSLineFaxMode: in fax mode a digit's tone is neither detected (no
// digit sent, nothing muted) nor cancelled as echo; the mode ends with
// the call.
func TestFXSLineFaxMode(t *testing.T) {
	us, _ := tone.Country("US")
	phone, net := sim.NewPhone(), &recordingNetwork{}
	l, err := NewFXSLine(FXSLineOptions{Port: phone, Network: net, Config: FXSConfig{Hotline: "1"}, Tones: us, Epoch: t0,
		MuteDTMF: true, Echo: EchoOptions{Enabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	phone.PickUp()
	steps(t, l, 100*time.Millisecond)
	if err := l.Deliver(t.Context(), Event{Kind: RemoteAnswered}); err != nil {
		t.Fatal(err)
	}
	steps(t, l, 100*time.Millisecond)
	if l.FaxMode() {
		t.Fatal("fax mode before SetFaxMode")
	}
	l.SetFaxMode() // as the gateway does from the line's goroutine
	net.mu.Lock()
	net.heard = nil
	net.mu.Unlock()
	phone.DialDTMF("5")
	steps(t, l, 300*time.Millisecond)
	net.mu.Lock()
	p := power(net.heard, 770) + power(net.heard, 1336)
	digits := string(net.digits)
	net.mu.Unlock()
	if digits != "" || p == 0 {
		t.Fatalf("fax mode: digits sent %q, tone power %.3g; want none sent, the tone passed", digits, p)
	}
	if st, ok := l.EchoStats(); !ok || st.State != echo.StateDisabled {
		t.Fatalf("fax mode: canceller %+v", st)
	}
	phone.HangUp()
	steps(t, l, 100*time.Millisecond)
	if l.FaxMode() {
		t.Fatal("fax mode outlived the call")
	}
}

// TestFXSLineCurrentDisconnect: the far end hangs up; equipment with
// calling party control (a simulated phone set to HangUpOnDisconnect)
// hangs up on the pulse and the port is idle again within FlashHookPeriod,
// with no busy tone heard; a person's phone hears the pulse as silence,
// then busy tone.
func TestFXSLineCurrentDisconnect(t *testing.T) {
	cfg := FXSConfig{CurrentDisconnect: 300 * time.Millisecond, FlashHookPeriod: 100 * time.Millisecond}
	for _, cpc := range []bool{true, false} {
		t.Run(fmt.Sprintf("cpc=%v", cpc), func(t *testing.T) {
			l, phone, _ := newTestLine(t, cfg)
			phone.HangUpOnDisconnect(cpc)
			phone.AutoAnswer(1)
			deliver(t, l, Event{Kind: IncomingCall})
			steps(t, l, 200*time.Millisecond)
			if l.State() != FXSConnected {
				t.Fatalf("state %v after auto-answer", l.State())
			}
			deliver(t, l, Event{Kind: RemoteHangup}) // its frame was sent before the event
			phone.Heard()
			steps(t, l, 250*time.Millisecond)
			if cpc {
				if phone.OffHook() || l.State() != FXSIdle || !l.LoopCurrent() {
					t.Fatalf("off hook %v, state %v, current %v: want the phone down and the port idle and fed",
						phone.OffHook(), l.State(), l.LoopCurrent())
				}
				if hears(phone.Heard(), 480, 620) {
					t.Fatal("busy tone played to equipment that hung up on the pulse")
				}
				return
			}
			if !phone.OffHook() || l.LoopCurrent() || l.State() != FXSDisconnected {
				t.Fatalf("during the pulse: off hook %v, current %v, state %v", phone.OffHook(), l.LoopCurrent(), l.State())
			}
			for i, s := range phone.Heard() {
				if s != 0 {
					t.Fatalf("sound during the disconnect pulse at sample %d", i)
				}
			}
			steps(t, l, 500*time.Millisecond)
			if !l.LoopCurrent() || !hears(phone.Heard(), 480, 620) {
				t.Fatal("no busy tone once the current is back")
			}
			if cc := phone.CurrentChanges(); len(cc) != 2 || cc[0].On || !cc[1].On || cc[1].At-cc[0].At != 300*time.Millisecond {
				t.Fatalf("current changes %v, want off then on 300 ms later", cc)
			}
		})
	}
}
