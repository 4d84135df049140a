package fax_test

import (
	"fmt"
	"testing"

	"github.com/potsgate/potsgate/media/fax"
)

// hit is one signal reported, at which sample.
type hit struct {
	sig fax.Signal
	at  int
}

// run feeds x through a new detector in frames of size samples and
// returns what it reported and where.
func run(cfg fax.Config, x []int16, size int) []hit {
	d := fax.New(cfg)
	var hits []hit
	for off := 0; off < len(x); off += size {
		end := min(off+size, len(x))
		if s := d.Process(x[off:end]); s != 0 {
			hits = append(hits, hit{s, end})
		}
	}
	return hits
}

// first returns the sample where sig was first reported, or -1.
func first(hits []hit, sig fax.Signal) int {
	for _, h := range hits {
		if h.sig.Has(sig) {
			return h.at
		}
	}
	return -1
}

func count(hits []hit, sig fax.Signal) int {
	n := 0
	for _, h := range hits {
		if h.sig.Has(sig) {
			n++
		}
	}
	return n
}

// others returns the signals reported besides want.
func others(hits []hit, want fax.Signal) fax.Signal {
	var s fax.Signal
	for _, h := range hits {
		s |= h.sig &^ want
	}
	return s
}

var frameSizes = []int{80, 160, 37, 240}

func TestCNG(t *testing.T) {
	for _, level := range []float64{-6, -20, -40} {
		for _, off := range []float64{0, -35, 35} {
			for _, size := range frameSizes {
				t.Run(fmt.Sprintf("%gdBm0/%+gHz/%d", level, off, size), func(t *testing.T) {
					x := pcm(noise(cat(silence(ms(300)), cng(3, off, level, 500, 3000)), level-25, 1))
					hits := run(fax.Config{}, x, size)
					if n := count(hits, fax.SignalCNG); n != 3 {
						t.Fatalf("CNG reported %d times, want once a burst (3): %v", n, hits)
					}
					// The first burst ends at 800 ms; the report comes
					// within 40 ms of its end.
					if at := first(hits, fax.SignalCNG); at < ms(800) || at > ms(840) {
						t.Errorf("first CNG at %d ms, want 800-840", at*1000/rate)
					}
					if o := others(hits, fax.SignalCNG); o != 0 {
						t.Errorf("also reported %v", o)
					}
				})
			}
		}
	}
}

func TestCNGRejects(t *testing.T) {
	cases := []struct {
		name string
		x    []float64
	}{
		{"1000 Hz", cng(3, -100, -10, 500, 3000)},
		{"1200 Hz", cng(3, 100, -10, 500, 3000)},
		{"too short (250 ms)", cng(3, 0, -10, 250, 3000)},
		{"too long (1 s)", cng(3, 0, -10, 1000, 3000)},
		{"continuous", cng(1, 0, -10, 5000, 0)},
		{"too weak (-50 dBm0)", cng(3, 0, -50, 500, 3000)},
		{"under noise", noise(cng(3, 0, -30, 500, 3000), -20, 2)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if hits := run(fax.Config{}, pcm(c.x), 80); count(hits, fax.SignalCNG) != 0 {
				t.Fatalf("reported CNG: %v", hits)
			}
		})
	}
}

func TestCED(t *testing.T) {
	for _, c := range []struct {
		name      string
		reversals bool
		am        bool
	}{{"CED", false, false}, {"/ANS", true, false}, {"ANSam", false, true}, {"/ANSam", true, true}} {
		for _, level := range []float64{-6, -40} {
			for _, off := range []float64{0, -15, 15} {
				for _, size := range frameSizes {
					t.Run(fmt.Sprintf("%s/%gdBm0/%+gHz/%d", c.name, level, off, size), func(t *testing.T) {
						x := pcm(noise(cat(silence(ms(200)), answerTone(3300, off, level, c.reversals, c.am), silence(ms(500))), level-25, 3))
						hits := run(fax.Config{}, x, size)
						if n := count(hits, fax.SignalCED); n != 1 {
							t.Fatalf("CED reported %d times, want 1: %v", n, hits)
						}
						if at := first(hits, fax.SignalCED); at < ms(690) || at > ms(760) {
							t.Errorf("CED at %d ms, want 700-750 (500 ms into the tone)", at*1000/rate)
						}
						revs := count(hits, fax.SignalANSReversal)
						switch {
						case c.reversals && revs < 5:
							// 3.3 s hold 7 reversals, the first 450 ms in.
							t.Errorf("%d reversals reported, want 5 or more", revs)
						case !c.reversals && revs != 0:
							t.Errorf("%d reversals reported in a tone without", revs)
						}
						if o := others(hits, fax.SignalCED|fax.SignalANSReversal); o != 0 {
							t.Errorf("also reported %v", o)
						}
					})
				}
			}
		}
	}
}

func TestCEDRejects(t *testing.T) {
	for _, c := range []struct {
		name string
		x    []float64
	}{
		{"2050 Hz", answerTone(3000, -50, -10, false, false)},
		{"2150 Hz", answerTone(3000, 50, -10, false, false)},
		{"400 ms", answerTone(400, 0, -10, false, false)},
		{"too weak (-50 dBm0)", answerTone(3000, 0, -50, true, false)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if hits := run(fax.Config{}, pcm(c.x), 80); len(hits) != 0 {
				t.Fatalf("reported %v", hits)
			}
		})
	}
}

func TestV21Preamble(t *testing.T) {
	// 1 s of flags, a DIS-like frame, flags, then the carrier stops; a
	// second message after 75 ms of silence is a new preamble.
	for _, level := range []float64{-10, -40} {
		for _, off := range []float64{0, -7, 7} {
			for _, size := range frameSizes {
				t.Run(fmt.Sprintf("%gdBm0/%+gHz/%d", level, off, size), func(t *testing.T) {
					one := fsk(append(append(flags(37), frameBits([]byte{0xFF, 0x13, 0x80, 0x00, 0xCE, 0xF4})...), flags(3)...), off, level)
					x := pcm(noise(cat(silence(ms(150)), one, silence(ms(75)), one, silence(ms(100))), level-20, 4))
					hits := run(fax.Config{}, x, size)
					if n := count(hits, fax.SignalV21Preamble); n != 2 {
						t.Fatalf("preamble reported %d times, want 2: %v", n, hits)
					}
					// Four flags take 107 ms; allow for the PLL to lock.
					if at := first(hits, fax.SignalV21Preamble); at < ms(150+100) || at > ms(150+250) {
						t.Errorf("preamble at %d ms, want 250-400", at*1000/rate)
					}
					if o := others(hits, fax.SignalV21Preamble); o != 0 {
						t.Errorf("also reported %v", o)
					}
				})
			}
		}
	}
}

func TestV21Rejects(t *testing.T) {
	// Alternate ones and zeros, all marks and random bits hold no run of
	// flags; V.21 channel 1 (980/1180 Hz) is not channel 2.
	alt := make([]byte, 400)
	for i := range alt {
		alt[i] = byte(i & 1)
	}
	marks := make([]byte, 400)
	for i := range marks {
		marks[i] = 1
	}
	random := make([]byte, 3000)
	seed := uint32(12345)
	for i := range random {
		seed = seed*1664525 + 1013904223
		random[i] = byte(seed >> 31)
	}
	for _, c := range []struct {
		name string
		x    []float64
	}{
		{"alternating", fsk(alt, 0, -10)},
		{"marks", fsk(marks, 0, -10)},
		{"random bits", fsk(random, 0, -10)},
		{"channel 1", fsk(flags(40), -670, -10)},
		{"too weak (-50 dBm0)", fsk(flags(40), 0, -50)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if hits := run(fax.Config{}, pcm(c.x), 80); count(hits, fax.SignalV21Preamble) != 0 {
				t.Fatalf("reported %v", hits)
			}
		})
	}
}

func TestConfigDisables(t *testing.T) {
	x := pcm(cat(cng(1, 0, -10, 500, 500), answerTone(1500, 0, -10, true, false), silence(ms(100)), fsk(flags(40), 0, -10)))
	all := run(fax.Config{}, x, 80)
	want := fax.SignalCNG | fax.SignalCED | fax.SignalANSReversal | fax.SignalV21Preamble
	if got := others(all, 0); got != want {
		t.Fatalf("all detectors: got %v, want %v", got, want)
	}
	none := run(fax.Config{NoCNG: true, NoCED: true, NoV21: true}, x, 80)
	if len(none) != 0 {
		t.Fatalf("all disabled: got %v", none)
	}
	if got := others(run(fax.Config{NoCED: true}, x, 80), 0); got != fax.SignalCNG|fax.SignalV21Preamble {
		t.Fatalf("NoCED: got %v", got)
	}
}

func TestMinLevel(t *testing.T) {
	x := pcm(cng(2, 0, -30, 500, 1000))
	if got := run(fax.Config{MinLevel: -25}, x, 80); len(got) != 0 {
		t.Fatalf("MinLevel -25 heard a -30 dBm0 tone: %v", got)
	}
	if got := run(fax.Config{MinLevel: -35}, x, 80); count(got, fax.SignalCNG) != 2 {
		t.Fatalf("MinLevel -35 missed a -30 dBm0 tone: %v", got)
	}
}

func TestReset(t *testing.T) {
	d := fax.New(fax.Config{})
	x := pcm(answerTone(450, 0, -10, false, false))
	d.Process(x)
	d.Reset()
	// After Reset the tone starts again: 450+100 ms would have been CED.
	if s := d.Process(pcm(answerTone(100, 0, -10, false, false))); s != 0 {
		t.Fatalf("after Reset: %v", s)
	}
}

func TestSignalString(t *testing.T) {
	for s, want := range map[fax.Signal]string{
		0:                                     "none",
		fax.SignalCNG:                         "CNG",
		fax.SignalCED | fax.SignalV21Preamble: "CED|V.21-preamble",
	} {
		if got := s.String(); got != want {
			t.Errorf("%d: %q, want %q", s, got, want)
		}
	}
}

// TestNoAllocs: a frame costs no allocation, whatever it holds.
func TestNoAllocs(t *testing.T) {
	x := pcm(noise(cat(cng(1, 0, -10, 500, 500), answerTone(1500, 0, -10, true, false), fsk(flags(40), 0, -10)), -40, 5))
	d := fax.New(fax.Config{})
	off := 0
	allocs := testing.AllocsPerRun(500, func() {
		if off+160 > len(x) {
			off = 0
		}
		d.Process(x[off : off+160])
		off += 160
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per frame", allocs)
	}
}

// TestAnswerToneBlocks: AnswerTone alone, as media/echo uses it.
func TestAnswerTone(t *testing.T) {
	x := pcm(answerTone(2000, 0, -20, true, false))
	var w fax.AnswerTone // the zero value: from -31 dBm0
	revs := 0
	for off := 0; off+fax.BlockSamples <= len(x); off += fax.BlockSamples {
		if w.Block(x[off : off+fax.BlockSamples]) {
			revs++
		}
	}
	if !w.On() || revs != 4 || w.Reversals() != 4 || w.Blocks() < 195 {
		t.Fatalf("on %v, %d reversals (%d), %d blocks; want on, 4, 200", w.On(), revs, w.Reversals(), w.Blocks())
	}
	weak := pcm(answerTone(1000, 0, -35, false, false))
	w.Reset()
	for off := 0; off+fax.BlockSamples <= len(weak); off += fax.BlockSamples {
		w.Block(weak[off : off+fax.BlockSamples])
	}
	if w.On() {
		t.Fatal("the zero value heard -35 dBm0")
	}
	w = fax.NewAnswerTone(-40)
	for off := 0; off+fax.BlockSamples <= len(weak); off += fax.BlockSamples {
		w.Block(weak[off : off+fax.BlockSamples])
	}
	if !w.On() {
		t.Fatal("NewAnswerTone(-40) missed -35 dBm0")
	}
}
