package sim

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/potsgate/potsgate/hal"
)

// step exchanges n frames and returns the events with their absolute time.
type timed struct {
	At   time.Duration
	Kind hal.EventKind
}

func stepPhone(t *testing.T, p *Phone, n int, out []int16) (evs []timed, heardFromPhone []int16) {
	t.Helper()
	in := make([]int16, hal.FrameSamples)
	if out == nil {
		out = make([]int16, hal.FrameSamples)
	}
	for range n {
		start := p.Now()
		got, err := p.Exchange(out, in, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range got {
			evs = append(evs, timed{start + e.Offset, e.Kind})
		}
		heardFromPhone = append(heardFromPhone, in...)
	}
	return evs, heardFromPhone
}

func TestPhoneHookAndPulses(t *testing.T) {
	p := NewPhone()
	p.Wait(100 * time.Millisecond)
	p.PickUp()
	p.Wait(time.Second)
	p.DialPulse("2")
	p.Wait(time.Second)
	p.Flash(300 * time.Millisecond)
	p.HangUp()
	p.HangUp() // already on hook: no second event
	evs, _ := stepPhone(t, p, 400, nil)
	ms := time.Millisecond
	want := []timed{
		{100 * ms, hal.OffHook},
		{1100 * ms, hal.OnHook}, {1160 * ms, hal.OffHook}, // pulse 1
		{1200 * ms, hal.OnHook}, {1260 * ms, hal.OffHook}, // pulse 2
		{3000 * ms, hal.OnHook}, {3300 * ms, hal.OffHook}, // flash: 2 pulses, inter-digit time, the wait
		{3300 * ms, hal.OnHook},
	}
	if !slices.Equal(evs, want) {
		t.Fatalf("events\n got %v\nwant %v", evs, want)
	}
	if p.OffHook() {
		t.Fatal("phone still off hook")
	}
}

// goertzel is the power of one frequency in x.
func goertzel(x []int16, f float64) float64 {
	w := 2 * math.Pi * f / hal.SampleRate
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s0 := float64(v) + c*s1 - s2
		s2, s1 = s1, s0
	}
	return s1*s1 + s2*s2 - c*s1*s2
}

func TestPhoneDialsDTMFAudioOnlyOffHook(t *testing.T) {
	p := NewPhone()
	p.DialDTMF("5") // on hook: lost
	_, mic := stepPhone(t, p, 20, nil)
	if slices.ContainsFunc(mic, func(v int16) bool { return v != 0 }) {
		t.Fatal("an on-hook phone sent audio")
	}
	p.PickUp()
	p.DialDTMF("9")
	_, mic = stepPhone(t, p, 20, nil)
	tone := mic[:samples(KeyTone)]
	lo, hi, other := goertzel(tone, 852), goertzel(tone, 1477), goertzel(tone, 1209)
	if lo < 100*other || hi < 100*other {
		t.Fatalf("digit 9: 852 Hz %.3g, 1477 Hz %.3g, 1209 Hz %.3g", lo, hi, other)
	}
	if silent := mic[samples(KeyTone):]; slices.ContainsFunc(silent, func(v int16) bool { return v != 0 }) {
		t.Fatal("audio after the key was released")
	}
}

func TestPhoneEchoRecordAndAutoAnswer(t *testing.T) {
	p := NewPhone()
	p.AutoAnswer(2)
	p.Echo(true)
	p.SetRing(true)
	stepPhone(t, p, 5, nil)
	p.SetRing(false)
	stepPhone(t, p, 5, nil)
	if p.OffHook() {
		t.Fatal("answered on the first ring")
	}
	p.SetRing(true)
	evs, _ := stepPhone(t, p, 1, nil)
	if len(evs) != 1 || evs[0].Kind != hal.OffHook || !p.OffHook() {
		t.Fatalf("second ring: events %v", evs)
	}
	p.SetRing(false)
	out := make([]int16, hal.FrameSamples)
	for i := range out {
		out[i] = int16(i * 100)
	}
	_, back := stepPhone(t, p, 1, out)
	if !slices.Equal(back, out) {
		t.Fatal("echo phone did not send back what it heard")
	}
	if h := p.Heard(); !slices.Equal(h[len(h)-hal.FrameSamples:], out) {
		t.Fatal("recording misses the last frame")
	}
	if rc := p.RingChanges(); len(rc) != 4 || rc[0] != (Change{0, true}) || rc[1] != (Change{50 * time.Millisecond, false}) {
		t.Fatalf("ring changes %v", rc)
	}
}

func TestLineRingsUntilSeized(t *testing.T) {
	l := NewLine()
	l.Ring(3, 2*time.Second, 4*time.Second)
	l.OnSeize(func(l *Line) { l.PlayAt(0, []int16{1000, 1000}) })
	in, out := make([]int16, hal.FrameSamples), make([]int16, hal.FrameSamples)
	var evs []timed
	for i := range 800 { // 8 s
		if i == 700 {
			if err := l.SetHook(true); err != nil {
				t.Fatal(err)
			}
		}
		start := l.Now()
		got, err := l.Exchange(out, in, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range got {
			evs = append(evs, timed{start + e.Offset, e.Kind})
		}
		if i == 701 && (in[0] != 1000 || in[1] != 1000) {
			t.Fatalf("no dial tone after seizure: %v", in[:4])
		}
	}
	want := []timed{{0, hal.RingStart}, {2 * time.Second, hal.RingStop}, {6 * time.Second, hal.RingStart}, {7 * time.Second, hal.RingStop}}
	if !slices.Equal(evs, want) {
		t.Fatalf("events\n got %v\nwant %v", evs, want)
	}
	if hc := l.HookChanges(); len(hc) != 1 || !hc[0].On || hc[0].At != 7*time.Second {
		t.Fatalf("hook changes %v", hc)
	}
}

func TestClosedPorts(t *testing.T) {
	p, l := NewPhone(), NewLine()
	p.Close()
	p.Close()
	l.Close()
	buf := make([]int16, hal.FrameSamples)
	if _, err := p.Exchange(buf, buf, nil); err != hal.ErrClosed {
		t.Fatalf("phone: %v", err)
	}
	if _, err := l.Exchange(buf, buf, nil); err != hal.ErrClosed {
		t.Fatalf("line: %v", err)
	}
}

// TestPhoneDevice: an attached device hears what the gateway sends and
// its audio reaches the gateway, mixed with what the script says, only
// while off hook, frame by frame in simulated time.
func TestPhoneDevice(t *testing.T) {
	p := NewPhone()
	var heard []int16
	frames := 0
	p.Attach(DeviceFunc(func(h, said []int16) {
		frames++
		heard = append(heard, h...)
		for i := range said {
			said[i] = 1000
		}
	}))
	out, in := make([]int16, hal.FrameSamples), make([]int16, hal.FrameSamples)
	for i := range out {
		out[i] = int16(i)
	}
	if _, err := p.Exchange(out, in, nil); err != nil {
		t.Fatal(err)
	}
	if frames != 0 || in[0] != 0 {
		t.Fatalf("on hook: device called %d times, the gateway heard %d", frames, in[0])
	}
	p.PickUp()
	p.Say([]int16{5, 5, 5})
	if _, err := p.Exchange(out, in, nil); err != nil {
		t.Fatal(err)
	}
	if frames != 1 || len(heard) != hal.FrameSamples || heard[7] != 7 {
		t.Fatalf("off hook: %d calls, heard %v", frames, heard[:8])
	}
	if in[0] != 1005 || in[3] != 1000 {
		t.Fatalf("the gateway heard %v, want the device mixed with the script", in[:4])
	}
	p.Attach(nil)
	if _, err := p.Exchange(out, in, nil); err != nil {
		t.Fatal(err)
	}
	if frames != 1 || in[0] != 0 {
		t.Fatalf("detached: %d calls, the gateway heard %d", frames, in[0])
	}
}

// TestChangeLogsAreBounded: a phone rung for as long as a gateway runs
// keeps a bounded log of its rings, the newest last.
func TestChangeLogsAreBounded(t *testing.T) {
	p := NewPhone()
	for i := range 5000 {
		if err := p.SetRing(i%2 == 0); err != nil {
			t.Fatal(err)
		}
	}
	rc := p.RingChanges()
	if len(rc) > maxChanges || len(rc) < maxChanges/2 {
		t.Fatalf("%d ring changes kept, want %d to %d", len(rc), maxChanges/2, maxChanges)
	}
	if last := rc[len(rc)-1]; last.On { // the 5000th change, i = 4999, is off
		t.Fatalf("last change %+v, want the newest (off)", last)
	}
}
