package tone

import (
	"bytes"
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/media"
)

// amplitudeAt returns the DFT magnitude of x at f Hz, as a sine amplitude.
func amplitudeAt(x []int16, f float64) float64 {
	var re, im float64
	for n, v := range x {
		a := 2 * math.Pi * f * float64(n) / SampleRate
		re += float64(v) * math.Cos(a)
		im += float64(v) * math.Sin(a)
	}
	return 2 * math.Hypot(re, im) / float64(len(x))
}

func generate(t *testing.T, d Definition, seconds float64) []int16 {
	t.Helper()
	g, err := NewGenerator(d)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int16, 0, int(seconds*SampleRate))
	frame := make([]int16, 80)
	for len(out) < cap(out) {
		out = append(out, g.Generate(frame)...)
	}
	return out
}

// cadenceRuns measures on/off periods in samples, merging the isolated
// zero samples of a sine's zero crossings into the on periods.
func cadenceRuns(x []int16) []int {
	var out []int
	i := 0
	for i < len(x) {
		j := i
		for j < len(x) && !(x[j] == 0 && j+3 < len(x) && x[j+1] == 0 && x[j+2] == 0 && x[j+3] == 0) {
			j++
		}
		out = append(out, j-i) // on
		k := j
		for k < len(x) && x[k] == 0 {
			k++
		}
		if k > j {
			out = append(out, k-j) // off
		}
		i = k
	}
	return out
}

func TestBusyTone(t *testing.T) {
	for _, c := range []struct {
		country   string
		f1, f2    float64
		on, off   int // ms
		otherFreq float64
	}{
		{"us", 480, 620, 500, 500, 440},
		{"GB", 400, 0, 375, 375, 440},
		{"de", 425, 0, 480, 480, 400},
		{"FR", 440, 0, 500, 500, 400},
		{"il", 400, 0, 500, 500, 440},
	} {
		t.Run(c.country, func(t *testing.T) {
			set, err := Country(c.country)
			if err != nil {
				t.Fatal(err)
			}
			def, ok := set.Tone(Busy)
			if !ok {
				t.Fatal("no busy tone")
			}
			x := generate(t, def, 4)
			r := cadenceRuns(x)
			onS, offS := c.on*SampleRate/1000, c.off*SampleRate/1000
			if len(r) < 6 {
				t.Fatalf("runs %v", r)
			}
			for i, n := range r[:len(r)-1] { // the last run is cut by the end
				want := onS
				if i%2 == 1 {
					want = offS
				}
				// The first/last on samples of a burst may be zero.
				if n < want-2 || n > want+2 {
					t.Fatalf("run %d is %d samples, want %d (runs %v)", i, n, want, r)
				}
			}
			// Frequencies and levels over the first on period.
			burst := x[:onS]
			for _, f := range []float64{c.f1, c.f2} {
				if f == 0 {
					continue
				}
				want := def.LowLevel
				if f == c.f2 {
					want = def.HighLevel
				}
				if lvl := media.SineLevel(amplitudeAt(burst, f)); math.Abs(lvl-want) > 0.5 {
					t.Errorf("%g Hz at %.2f dBm0, want %g ± 0.5", f, lvl, want)
				}
			}
			if a := amplitudeAt(burst, c.otherFreq); media.SineLevel(a) > def.LowLevel-30 {
				t.Errorf("%g Hz present at %.1f dBm0", c.otherFreq, media.SineLevel(a))
			}
		})
	}
}

func TestPresets(t *testing.T) {
	want := map[string][]struct {
		typ     Type
		f1, f2  float64
		cadence []int
	}{
		"US": {{Dial, 350, 440, nil}, {Ringback, 440, 480, []int{2000, 4000}}, {Busy, 480, 620, []int{500, 500}}, {Reorder, 480, 620, []int{250, 250}}},
		"GB": {{Dial, 350, 440, nil}, {Ringback, 400, 450, []int{400, 200, 400, 2000}}, {Busy, 400, 0, []int{375, 375}}},
		"DE": {{Dial, 425, 0, nil}, {Ringback, 425, 0, []int{1000, 4000}}, {Busy, 425, 0, []int{480, 480}}},
		"FR": {{Dial, 440, 0, nil}, {Ringback, 440, 0, []int{1500, 3500}}, {Busy, 440, 0, []int{500, 500}}},
		"IL": {{Dial, 400, 0, nil}, {Ringback, 400, 0, []int{1000, 3000}}, {Busy, 400, 0, []int{500, 500}}},
	}
	required := []Type{Dial, Ringback, Busy, Congestion, Warning, Reorder, Confirmation, CallWaiting, OffHookWarning, Hold, StutterDial}
	for _, code := range Countries() {
		set, err := Country(strings.ToLower(code))
		if err != nil {
			t.Fatal(err)
		}
		for _, typ := range required {
			d, ok := set.Tone(typ)
			if !ok {
				t.Errorf("%s: no %v tone", code, typ)
				continue
			}
			if err := d.Validate(); err != nil {
				t.Errorf("%s: %v", code, err)
			}
		}
		for _, w := range want[code] {
			d, _ := set.Tone(w.typ)
			if d.Low != w.f1 || d.High != w.f2 {
				t.Errorf("%s %v: %g+%g Hz, want %g+%g", code, w.typ, d.Low, d.High, w.f1, w.f2)
			}
			if w.cadence == nil {
				if d.Form != Continuous {
					t.Errorf("%s %v: form %v, want continuous", code, w.typ, d.Form)
				}
				continue
			}
			var got []int
			for _, s := range d.Cadence[:d.Steps()] {
				got = append(got, int(s.On/time.Millisecond), int(s.Off/time.Millisecond))
			}
			if d.Form != Cadence || !equalInts(got, w.cadence) {
				t.Errorf("%s %v: %v %v, want cadence %v", code, w.typ, d.Form, got, w.cadence)
			}
		}
	}
	if _, err := Country("uk"); err != nil {
		t.Errorf("Country(uk): %v", err)
	}
	if _, err := Country("xx"); !errors.Is(err, ErrUnknownCountry) {
		t.Errorf("Country(xx) error %v, want ErrUnknownCountry", err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestBurstAndContinuous(t *testing.T) {
	set, _ := Country("US")
	cw, _ := set.Tone(CallWaiting) // 300 ms burst of 440 Hz
	g, err := NewGenerator(cw)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]int16, 11*SampleRate) // 300 ms on, 9.7 s off, then silence
	g.Generate(x[:5*SampleRate])
	if g.Done() {
		t.Error("burst done during its off time")
	}
	g.Generate(x[5*SampleRate:])
	r := cadenceRuns(x)
	if len(r) != 2 || r[0] < 2398 || r[0] > 2400 {
		t.Errorf("burst runs %v, want 2400 samples on then silence", r)
	}
	if !g.Done() {
		t.Error("burst not done")
	}
	dial, _ := set.Tone(Dial)
	x = generate(t, dial, 1)
	if r := cadenceRuns(x); len(r) != 1 {
		t.Errorf("dial tone has gaps: %v", r)
	}
	for _, f := range []float64{350, 440} {
		if lvl := media.SineLevel(amplitudeAt(x, f)); math.Abs(lvl+13) > 0.5 {
			t.Errorf("dial %g Hz at %.2f dBm0", f, lvl)
		}
	}
}

func TestPhaseContinuous(t *testing.T) {
	d := Definition{Type: Dial, Form: Continuous, Low: 425, LowLevel: -10}
	one := generate(t, d, 1)
	g, _ := NewGenerator(d)
	var parts []int16
	for _, n := range []int{7, 80, 160, 33, 80} {
		parts = append(parts, g.Generate(make([]int16, n))...)
	}
	for i, v := range parts {
		if v != one[i] {
			t.Fatalf("sample %d differs with other frame sizes: %d vs %d", i, v, one[i])
		}
	}
	// The largest step between samples is that of a sine, no clicks.
	maxStep := 2 * math.Pi * 425 / SampleRate * media.SineAmplitude(-10)
	for i := 1; i < len(one); i++ {
		if math.Abs(float64(one[i])-float64(one[i-1])) > maxStep+1 {
			t.Fatalf("discontinuity at sample %d", i)
		}
	}
}

func TestAM(t *testing.T) {
	d := Definition{Type: Ringback, Form: Continuous, Modulated: true,
		AM: AM{Carrier: 400, Rate: 25, Depth: 0.5, Level: -15}}
	x := generate(t, d, 1)
	c := amplitudeAt(x, 400)
	sb := amplitudeAt(x, 425)
	if lvl := media.SineLevel(c); math.Abs(lvl+15) > 0.5 {
		t.Errorf("carrier at %.2f dBm0", lvl)
	}
	if ratio := sb / c; math.Abs(ratio-0.25) > 0.01 {
		t.Errorf("sideband/carrier %.3f, want 0.25", ratio)
	}
}

func TestValidate(t *testing.T) {
	ok := Definition{Type: Busy, Form: Cadence, Low: 480, High: 620, LowLevel: -24, HighLevel: -24,
		Cadence: [4]Step{{On: 500 * time.Millisecond, Off: 500 * time.Millisecond}}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*Definition){
		"low freq":    func(d *Definition) { d.Low = 200 },
		"high freq":   func(d *Definition) { d.High = 2100 },
		"form":        func(d *Definition) { d.Form = 9 },
		"no on time":  func(d *Definition) { d.Cadence[0].On = 0 },
		"clipping":    func(d *Definition) { d.LowLevel, d.HighLevel = 3, 3 },
		"neg cadence": func(d *Definition) { d.Cadence[1].Off = -1 },
		"nan level":   func(d *Definition) { d.LowLevel = math.NaN() },
	} {
		d := ok
		mod(&d)
		if err := d.Validate(); !errors.Is(err, ErrDefinition) {
			t.Errorf("%s: Validate() = %v, want ErrDefinition", name, err)
		}
	}
}

func TestTypeStrings(t *testing.T) {
	for _, n := range typeNames {
		if got, err := ParseType(n.t.String()); err != nil || got != n.t {
			t.Errorf("ParseType(%q) = %v, %v", n.t.String(), got, err)
		}
	}
	if s := Type(99).String(); s != "Type(99)" {
		t.Errorf("Type(99) = %q", s)
	}
	if Burst.String() != "burst" || Form(7).String() != "Form(7)" {
		t.Error("Form strings")
	}
	if ty, _ := ParseType("howler"); ty != OffHookWarning {
		t.Error("howler")
	}
}

func TestNoAllocs(t *testing.T) {
	set, _ := Country("US")
	d, _ := set.Tone(Ringback)
	g, _ := NewGenerator(d)
	frame := make([]int16, 80)
	if n := testing.AllocsPerRun(1000, func() { g.Generate(frame) }); n != 0 {
		t.Errorf("%v allocations per frame", n)
	}
}

func TestParseCPTFile(t *testing.T) {
	f, err := os.Open("testdata/usa_tones.ini")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	defs, err := ParseCPT(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) != 11 {
		t.Fatalf("%d definitions, want 11", len(defs))
	}
	us, _ := Country("US")
	for _, typ := range []Type{Dial, Ringback, Busy, Congestion, Reorder, Confirmation, CallWaiting, StutterDial, OffHookWarning, Hold} {
		want, _ := us.Tone(typ)
		var got Definition
		for _, d := range defs {
			if d.Type == typ {
				got = d
				break
			}
		}
		if typ == Dial {
			want.Cadence[0].On = 3 * time.Second // detection time
		}
		if got != want {
			t.Errorf("%v: parsed %+v\nwant %+v", typ, got, want)
		}
	}
	if defs[10].LowLevel != -20 || defs[10].Type != Dial {
		t.Errorf("second dial tone %+v", defs[10])
	}
	// Round trip through WriteCPT.
	var buf bytes.Buffer
	if err := WriteCPT(&buf, defs); err != nil {
		t.Fatal(err)
	}
	again, err := ParseCPT(&buf)
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	for i := range defs {
		if defs[i] != again[i] {
			t.Errorf("round trip %d: %+v != %+v", i, again[i], defs[i])
		}
	}
}

func TestParseCPTErrors(t *testing.T) {
	const head = "[NUMBER OF CALL PROGRESS TONES]\nNumber of Call Progress Tones=1\n[CALL PROGRESS TONE #0]\n"
	for _, c := range []struct {
		name, src string
		line      int
		sentinel  error
	}{
		{"no count", "[CALL PROGRESS TONE #0]\nTone Type=1\nLow Freq [Hz]=400\n", 3, nil},
		{"count mismatch", "[NUMBER OF CALL PROGRESS TONES]\nNumber of Call Progress Tones=2\n[CALL PROGRESS TONE #0]\nTone Type=1\nLow Freq [Hz]=400\n", 2, nil},
		{"not a number", head + "Tone Type=1\nLow Freq [Hz]=four hundred\n", 5, nil},
		{"low freq range", head + "Tone Type=1\nLow Freq [Hz]=100\n", 3, ErrDefinition},
		{"bad form", head + "Tone Type=1\nTone Form=4\nLow Freq [Hz]=400\n", 5, nil},
		{"no equals", head + "Tone Type=1\nLow Freq [Hz] 400\n", 5, nil},
		{"key before section", "Tone Type=1\n", 1, nil},
		{"duplicate key", head + "Tone Type=1\nTone Type=2\n", 5, nil},
		{"duplicate tone", head + "Tone Type=1\nLow Freq [Hz]=400\n[CALL PROGRESS TONE #0]\n", 6, nil},
		{"bad header", head + "[CALL PROGRESS TONE #0\n", 4, nil},
		{"no type", head + "Low Freq [Hz]=400\n", 3, nil},
		{"negative time", head + "Tone Type=3\nLow Freq [Hz]=400\nFirst Signal On Time [10msec]=-5\n", 6, nil},
		{"cadence without on", head + "Tone Type=3\nTone Form=2\nLow Freq [Hz]=400\n", 3, ErrDefinition},
	} {
		_, err := ParseCPT(strings.NewReader(c.src))
		var se *SyntaxError
		if !errors.As(err, &se) || !errors.Is(err, ErrCPT) {
			t.Errorf("%s: error %v, want a *SyntaxError wrapping ErrCPT", c.name, err)
			continue
		}
		if se.Line != c.line {
			t.Errorf("%s: line %d, want %d (%v)", c.name, se.Line, c.line, err)
		}
		if c.sentinel != nil && !errors.Is(err, c.sentinel) {
			t.Errorf("%s: %v does not wrap %v", c.name, err, c.sentinel)
		}
	}
}

func TestParseCPTInfersForm(t *testing.T) {
	src := "[number of call progress tones]\nnumber of call progress tones = 2\n" +
		"[Call Progress Tone #1]\nTone Type=3\nLow Freq [Hz]=400\nLow Freq Level [-dBm]=10\nFirst Signal On Time [10msec]=50\nFirst Signal Off Time [10msec]=50\n" +
		"[Call Progress Tone #0]\nTone Type=1\nLow Freq [Hz]=400\nLow Freq Level [-dBm]=10\nFirst Signal On Time [10msec]=300\n"
	defs, err := ParseCPT(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if defs[0].Form != Cadence || defs[1].Form != Continuous {
		t.Errorf("forms %v %v, want cadence, continuous", defs[0].Form, defs[1].Form)
	}
}

func FuzzParseCPT(f *testing.F) {
	seed, err := os.ReadFile("testdata/usa_tones.ini")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(seed))
	f.Add("[NUMBER OF CALL PROGRESS TONES]\nNumber of Call Progress Tones=1\n[CALL PROGRESS TONE #0]\nTone Type=9\nTone Modulation Type=1\nTone Form=3\nCarrier Freq [Hz]=440\nModulation Freq [Hz]=20\nSignal Level [-dBm]=12\nAM Factor [steps of 0.02]=25\nFirst Signal On Time [10msec]=30\n")
	f.Fuzz(func(t *testing.T, src string) {
		defs, err := ParseCPT(strings.NewReader(src))
		if err != nil {
			if !errors.Is(err, ErrCPT) {
				t.Fatalf("error %v does not wrap ErrCPT", err)
			}
			return
		}
		for _, d := range defs {
			g, err := NewGenerator(d)
			if err != nil {
				t.Fatalf("parsed definition invalid: %v", err)
			}
			g.Generate(make([]int16, 200))
		}
		var buf bytes.Buffer
		if err := WriteCPT(&buf, defs); err != nil {
			t.Fatal(err)
		}
		again, err := ParseCPT(&buf)
		if err != nil {
			t.Fatalf("written file does not parse: %v\n%s", err, buf.String())
		}
		if len(again) != len(defs) {
			t.Fatalf("round trip: %d definitions, want %d", len(again), len(defs))
		}
		for i := range defs {
			if again[i] != defs[i] {
				t.Fatalf("round trip %d: %+v != %+v", i, again[i], defs[i])
			}
		}
	})
}
