package dtmf

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/potsgate/potsgate/media"
)

// seg is one stretch of a synthetic test signal.
type seg struct {
	digit     Digit   // None for silence
	ms        int     // duration
	dev       float64 // relative frequency deviation of both tones
	low, high float64 // levels in dBm0
}

// synth builds a signal from segments after lead samples of silence, with
// random starting phases.
func synth(r *rand.Rand, lead int, segs ...seg) []int16 {
	out := make([]int16, lead)
	for _, s := range segs {
		n := s.ms * SampleRate / 1000
		if s.digit == None {
			out = append(out, make([]int16, n)...)
			continue
		}
		fl, fh, _ := s.digit.Frequencies()
		fl, fh = fl*(1+s.dev), fh*(1+s.dev)
		al, ah := media.SineAmplitude(s.low), media.SineAmplitude(s.high)
		pl, ph := r.Float64()*2*math.Pi, r.Float64()*2*math.Pi
		for i := range n {
			t := float64(i) / SampleRate
			v := al*math.Sin(2*math.Pi*fl*t+pl) + ah*math.Sin(2*math.Pi*fh*t+ph)
			out = append(out, int16(math.Round(v)))
		}
	}
	return append(out, make([]int16, 800)...)
}

func tone(d Digit, ms int) seg { return seg{digit: d, ms: ms, low: -9, high: -7} }
func gap(ms int) seg           { return seg{ms: ms} }

func TestQ24Limits(t *testing.T) {
	cases := []struct {
		name string
		segs []seg
		want string
	}{
		{"nominal", []seg{tone('5', 70)}, "5"},
		{"deviation +1.5%", []seg{{digit: '1', ms: 60, dev: 0.015, low: -9, high: -7}}, "1"},
		{"deviation -1.5%", []seg{{digit: '1', ms: 60, dev: -0.015, low: -9, high: -7}}, "1"},
		{"deviation +1.5% D", []seg{{digit: 'D', ms: 60, dev: 0.015, low: -9, high: -7}}, "D"},
		{"deviation -1.5% D", []seg{{digit: 'D', ms: 60, dev: -0.015, low: -9, high: -7}}, "D"},
		{"deviation +3.5%", []seg{{digit: '1', ms: 60, dev: 0.035, low: -9, high: -7}}, ""},
		{"deviation -3.5%", []seg{{digit: '1', ms: 60, dev: -0.035, low: -9, high: -7}}, ""},
		{"deviation +3.5% D", []seg{{digit: 'D', ms: 60, dev: 0.035, low: -9, high: -7}}, ""},
		{"deviation -3.5% D", []seg{{digit: 'D', ms: 60, dev: -0.035, low: -9, high: -7}}, ""},
		{"deviation +5% 9", []seg{{digit: '9', ms: 60, dev: 0.05, low: -9, high: -7}}, ""},
		{"deviation -5% 9", []seg{{digit: '9', ms: 60, dev: -0.05, low: -9, high: -7}}, ""},
		{"40 ms tone", []seg{tone('7', 40)}, "7"},
		{"20 ms tone", []seg{tone('7', 20)}, ""},
		{"22 ms tone", []seg{tone('7', 22)}, ""}, // bursts under 23 ms are rejected
		{"26 ms tone", []seg{tone('7', 26)}, ""},
		{"36 ms tone", []seg{tone('7', 36)}, "7"},
		{"40 ms pause splits equal digits", []seg{tone('3', 40), gap(40), tone('3', 40)}, "33"},
		{"40 ms pause splits different digits", []seg{tone('3', 40), gap(40), tone('#', 40)}, "3#"},
		{"10 ms break bridged", []seg{tone('3', 50), gap(10), tone('3', 50)}, "3"},
		{"twist +4 dB", []seg{{digit: '8', ms: 60, low: -12, high: -8}}, "8"},
		{"twist -8 dB", []seg{{digit: '8', ms: 60, low: -8, high: -16}}, "8"},
		{"twist +8 dB", []seg{{digit: '8', ms: 60, low: -16, high: -8}}, ""},
		{"twist -12 dB", []seg{{digit: '8', ms: 60, low: -8, high: -20}}, ""},
		{"-25 dBm0 per tone", []seg{{digit: '0', ms: 60, low: -25, high: -25}}, "0"},
		{"-35 dBm0 per tone", []seg{{digit: '0', ms: 60, low: -35, high: -35}}, ""},
		{"0 dBm0 per tone", []seg{{digit: '*', ms: 60, low: -3, high: -3}}, "*"},
		{"long tone once", []seg{tone('A', 1000)}, "A"},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Every alignment of the signal against the detector's hop.
			for lead := 0; lead < hopLen; lead += 5 {
				if got := Detect(synth(r, lead, c.segs...)); got != c.want {
					t.Fatalf("lead %d samples: detected %q, want %q", lead, got, c.want)
				}
			}
		})
	}
}

func TestNoise15dB(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, d := range Digits {
		sig := synth(r, 37, tone(Digit(d), 50), gap(50), tone(Digit(d), 50))
		al, ah := media.SineAmplitude(-9), media.SineAmplitude(-7)
		power := al*al/2 + ah*ah/2
		sigma := math.Sqrt(power / math.Pow(10, 1.5))
		for i := range sig {
			sig[i] = int16(math.Round(float64(sig[i]) + r.NormFloat64()*sigma))
		}
		want := string([]rune{d, d})
		if got := Detect(sig); got != want {
			t.Errorf("digit %c at 15 dB SNR: detected %q, want %q", d, got, want)
		}
	}
}

func TestGeneratorAllDigits(t *testing.T) {
	g, err := NewGenerator(DefaultGeneratorConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Play(Digits); err != nil {
		t.Fatal(err)
	}
	var out []int16
	frame := make([]int16, 80)
	for g.Busy() {
		out = append(out, g.Generate(frame)...)
	}
	if want := 16 * 140 * 8; len(out) != want {
		t.Errorf("generated %d samples, want %d", len(out), want)
	}
	if got := Detect(out); got != Digits {
		t.Errorf("detected %q, want %q", got, Digits)
	}
}

func TestGeneratorLevels(t *testing.T) {
	g, err := NewGenerator(DefaultGeneratorConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start('1'); err != nil {
		t.Fatal(err)
	}
	buf := g.Generate(make([]int16, 8000))
	// One second: 697 and 1209 Hz both complete whole cycles.
	for _, c := range []struct{ f, dBm0 float64 }{{697, -9}, {1209, -7}} {
		var re, im float64
		for n, x := range buf {
			a := 2 * math.Pi * c.f * float64(n) / SampleRate
			re += float64(x) * math.Cos(a)
			im += float64(x) * math.Sin(a)
		}
		amp := 2 * math.Hypot(re, im) / float64(len(buf))
		if lvl := media.SineLevel(amp); math.Abs(lvl-c.dBm0) > 0.1 {
			t.Errorf("%g Hz at %.2f dBm0, want %g", c.f, lvl, c.dBm0)
		}
	}
	g.Stop()
	for _, s := range g.Generate(make([]int16, 80)) {
		if s != 0 {
			t.Fatal("not silent after Stop")
		}
	}
	if g.Busy() {
		t.Error("busy after Stop")
	}
}

func TestGeneratorLive(t *testing.T) {
	g, _ := NewGenerator(DefaultGeneratorConfig())
	var out []int16
	frame := make([]int16, 80)
	out = append(out, g.Generate(frame)...)
	for _, d := range "9#" {
		if err := g.Start(Digit(d)); err != nil {
			t.Fatal(err)
		}
		for range 12 { // 120 ms, as RFC 4733 events would say
			out = append(out, g.Generate(frame)...)
		}
		g.Stop()
		for range 6 {
			out = append(out, g.Generate(frame)...)
		}
	}
	if got := Detect(out); got != "9#" {
		t.Errorf("detected %q, want %q", got, "9#")
	}
	if err := g.Start('x'); err == nil {
		t.Error("Start('x') succeeded")
	}
	if err := g.Play("12x"); err == nil {
		t.Error(`Play("12x") succeeded`)
	}
}

func TestGeneratorConfigErrors(t *testing.T) {
	for _, c := range []GeneratorConfig{
		{ToneDuration: 0, PauseDuration: 1e6, LowLevel: -9, HighLevel: -7},
		{ToneDuration: 1e6, PauseDuration: -1e6, LowLevel: -9, HighLevel: -7},
		{ToneDuration: 1e6, PauseDuration: 1e6, LowLevel: 3, HighLevel: 3},
	} {
		if _, err := NewGenerator(c); err == nil {
			t.Errorf("NewGenerator(%+v) succeeded", c)
		}
	}
}

func TestDetectorEvents(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	sig := synth(r, 400, tone('4', 100), gap(100), tone('2', 60))
	d, err := NewDetector(DefaultDetectorConfig())
	if err != nil {
		t.Fatal(err)
	}
	var evs []Event
	// Odd frame sizes: alignment must not matter.
	for i := 0; i < len(sig); i += 37 {
		evs = append(evs, d.Process(sig[i:min(i+37, len(sig))])...)
	}
	evs = append(evs, d.Flush()...)
	if len(evs) != 4 {
		t.Fatalf("events %v, want 4", evs)
	}
	want := []struct {
		kind  EventKind
		digit Digit
		at    float64 // ms
		dur   float64
	}{{DigitStart, '4', 50, 0}, {DigitEnd, '4', 50, 100}, {DigitStart, '2', 250, 0}, {DigitEnd, '2', 250, 60}}
	for i, w := range want {
		e := evs[i]
		if e.Kind != w.kind || e.Digit != w.digit {
			t.Errorf("event %d = %v, want %v %v", i, e, w.kind, w.digit)
		}
		if at := float64(e.At.Microseconds()) / 1000; math.Abs(at-w.at) > 15 {
			t.Errorf("event %d at %v, want %v ms ± 15", i, e.At, w.at)
		}
		if dur := float64(e.Duration.Microseconds()) / 1000; e.Kind == DigitEnd && math.Abs(dur-w.dur) > 15 {
			t.Errorf("event %d lasts %v, want %v ms ± 15", i, e.Duration, w.dur)
		}
	}
}

func TestDigits(t *testing.T) {
	for i, c := range Digits {
		d, err := ParseDigit(c)
		if err != nil || d.String() != string(c) {
			t.Errorf("ParseDigit(%q) = %v, %v", c, d, err)
		}
		if ev, ok := d.Event(); !ok || ev != i {
			t.Errorf("%v.Event() = %d, %v; want %d", d, ev, ok, i)
		}
		if e, err := FromEvent(i); err != nil || e != d {
			t.Errorf("FromEvent(%d) = %v, %v", i, e, err)
		}
	}
	if d, err := ParseDigit('b'); err != nil || d != 'B' {
		t.Errorf("ParseDigit('b') = %v, %v", d, err)
	}
	if _, err := ParseDigit('E'); err == nil {
		t.Error("ParseDigit('E') succeeded")
	}
	if _, err := FromEvent(16); err == nil {
		t.Error("FromEvent(16) succeeded")
	}
	if s := None.String(); s != "none" {
		t.Errorf("None.String() = %q", s)
	}
}

func TestNoAllocs(t *testing.T) {
	g, _ := NewGenerator(DefaultGeneratorConfig())
	d, _ := NewDetector(DefaultDetectorConfig())
	frame := make([]int16, 80)
	_ = g.Play("1234567890")
	n := testing.AllocsPerRun(200, func() {
		d.Process(g.Generate(frame))
	})
	if n != 0 {
		t.Errorf("%v allocations per 10 ms frame, want 0", n)
	}
}

func BenchmarkDetect10ms(b *testing.B) {
	g, _ := NewGenerator(DefaultGeneratorConfig())
	_ = g.Play("1234567890*#ABCD")
	sig := make([]int16, 16*140*8)
	g.Generate(sig)
	d, _ := NewDetector(DefaultDetectorConfig())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		off := (i * 80) % (len(sig) - 80)
		d.Process(sig[off : off+80])
	}
}
