package tone

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// detectAt feeds x in 10 ms frames and returns the detections with the
// time they were reported.
func detectAt(t *testing.T, d *Detector, x []int16) map[Type]time.Duration {
	t.Helper()
	got := map[Type]time.Duration{}
	for i := 0; i+80 <= len(x); i += 80 {
		if ty, ok := d.Process(x[i : i+80]); ok {
			if _, seen := got[ty]; !seen {
				got[ty] = time.Duration(i/80+1) * 10 * time.Millisecond
			}
		}
	}
	return got
}

func TestDetectorRecognisesEachTone(t *testing.T) {
	for _, country := range []string{"US", "GB", "DE", "FR", "IL"} {
		set, err := Country(country)
		if err != nil {
			t.Fatal(err)
		}
		dial, _ := set.Tone(Dial)
		busy, _ := set.Tone(Busy)
		ringback, _ := set.Tone(Ringback)
		d, err := NewDetector(-35, dial, busy, ringback)
		if err != nil {
			t.Fatal(err)
		}
		got := detectAt(t, d, generate(t, dial, 2))
		// Where ringback has dial tone's frequency (FR: 440 Hz, 1.5 s on),
		// dial tone is known only once it outlasts a ring.
		if at, ok := got[Dial]; !ok || at > 1600*time.Millisecond || len(got) != 1 {
			t.Errorf("%s dial tone: detections %v", country, got)
		}
		d.Reset()
		got = detectAt(t, d, generate(t, busy, 4))
		// Two on/off cycles, then the third on run begins.
		cycle := busy.Cadence[0].On + busy.Cadence[0].Off
		if at, ok := got[Busy]; !ok || at > 2*cycle+100*time.Millisecond || len(got) != 1 {
			t.Errorf("%s busy tone: detections %v", country, got)
		}
		// Ringback is neither dial tone nor busy (in DE, FR and IL it shares
		// busy's frequency, so the cadence must tell them apart).
		d.Reset()
		if got := detectAt(t, d, generate(t, ringback, 8)); len(got) != 0 {
			t.Errorf("%s ringback detected as %v", country, got)
		}
	}
}

func TestDetectorIgnoresNoiseAndWeakTones(t *testing.T) {
	set, _ := Country("US")
	dial, _ := set.Tone(Dial)
	d, _ := NewDetector(-35, dial)
	r := rand.New(rand.NewPCG(5, 6))
	noise := make([]int16, 16000)
	for i := range noise {
		noise[i] = int16(r.NormFloat64() * 3000)
	}
	if got := detectAt(t, d, noise); len(got) != 0 {
		t.Fatalf("noise detected as %v", got)
	}
	weak := dial
	weak.LowLevel, weak.HighLevel = -45, -45
	if got := detectAt(t, d, generate(t, weak, 2)); len(got) != 0 {
		t.Fatalf("a -45 dBm0 tone detected with a -35 dBm0 threshold: %v", got)
	}
	// A single 1 kHz tone (a test tone, a fax) is not dial tone.
	sine := make([]int16, 16000)
	for i := range sine {
		sine[i] = int16(8000 * math.Sin(2*math.Pi*1000*float64(i)/SampleRate))
	}
	if got := detectAt(t, d, sine); len(got) != 0 {
		t.Fatalf("1 kHz detected as %v", got)
	}
}

func BenchmarkDetector10ms(b *testing.B) {
	set, _ := Country("US")
	dial, _ := set.Tone(Dial)
	busy, _ := set.Tone(Busy)
	d, _ := NewDetector(-35, dial, busy)
	g, _ := NewGenerator(busy)
	frame := g.Generate(make([]int16, 80))
	b.ReportAllocs()
	for b.Loop() {
		d.Process(frame)
	}
}

func BenchmarkGenerate10ms(b *testing.B) {
	set, _ := Country("US")
	busy, _ := set.Tone(Busy)
	g, _ := NewGenerator(busy)
	frame := make([]int16, 80)
	b.ReportAllocs()
	for b.Loop() {
		g.Generate(frame)
	}
}
