package g711

import (
	"math"
	"testing"

	"github.com/potsgate/potsgate/media"
)

func tone(n int, freq, amp float64, phase int) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(amp * math.Sin(2*math.Pi*freq*float64(i+phase)/media.SampleRate))
	}
	return out
}

func snr(ref, got []int16) float64 {
	var sig, noise float64
	for i := range ref {
		sig += float64(ref[i]) * float64(ref[i])
		d := float64(ref[i]) - float64(got[i])
		noise += d * d
	}
	return 10 * math.Log10(sig/noise)
}

func TestCodecDescription(t *testing.T) {
	for _, tc := range []struct {
		law  Law
		name string
		pt   uint8
	}{{PCMU, "PCMU", 0}, {PCMA, "PCMA", 8}} {
		if tc.law.Name() != tc.name || tc.law.PayloadType() != tc.pt || tc.law.ClockRate() != 8000 || tc.law.FrameSamples() != 1 {
			t.Errorf("%v: got %s/%d/%d/%d", tc.law, tc.law.Name(), tc.law.PayloadType(), tc.law.ClockRate(), tc.law.FrameSamples())
		}
	}
	if got := Law(3).String(); got != "Law(3)" {
		t.Errorf("String of unknown law = %q", got)
	}
}

func TestKnownCodes(t *testing.T) {
	// Silence codes of G.711: µ-law 0xFF, A-law 0xD5.
	for _, tc := range []struct {
		law  Law
		want byte
	}{{PCMU, 0xFF}, {PCMA, 0xD5}} {
		b, err := tc.law.NewEncoder().Encode(nil, []int16{0})
		if err != nil || len(b) != 1 || b[0] != tc.want {
			t.Errorf("%v: Encode(0) = %x, %v; want %x", tc.law, b, err, tc.want)
		}
	}
}

func TestRoundTripSNR(t *testing.T) {
	for _, law := range []Law{PCMU, PCMA} {
		ref := tone(8000, 1004, 10000, 0)
		enc, dec := law.NewEncoder(), law.NewDecoder()
		var payload []byte
		var pcm []int16
		for off := 0; off < len(ref); off += 160 {
			var err error
			payload, err = enc.Encode(payload[:0], ref[off:off+160])
			if err != nil {
				t.Fatal(err)
			}
			if len(payload) != 160 {
				t.Fatalf("payload %d bytes, want 160", len(payload))
			}
			if pcm, err = dec.Decode(pcm, payload); err != nil {
				t.Fatal(err)
			}
		}
		if got := snr(ref, pcm); got < 33 {
			t.Errorf("%v: SNR %.1f dB, want >= 33", law, got)
		} else {
			t.Logf("%v: SNR %.1f dB", law, got)
		}
	}
}

func TestNoAllocation(t *testing.T) {
	for _, law := range []Law{PCMU, PCMA} {
		enc, dec := law.NewEncoder(), law.NewDecoder()
		ref := tone(160, 440, 8000, 0)
		payload := make([]byte, 0, 160)
		pcm := make([]int16, 0, 160)
		allocs := testing.AllocsPerRun(100, func() {
			payload, _ = enc.Encode(payload[:0], ref)
			pcm, _ = dec.Decode(pcm[:0], payload)
			pcm = dec.Conceal(pcm[:0], 160)
		})
		if allocs != 0 {
			t.Errorf("%v: %v allocations per frame", law, allocs)
		}
	}
}

func TestAppendKeepsPrefix(t *testing.T) {
	enc, dec := PCMU.NewEncoder(), PCMU.NewDecoder()
	b, _ := enc.Encode([]byte{1, 2}, []int16{0, 0})
	if len(b) != 4 || b[0] != 1 || b[1] != 2 {
		t.Errorf("Encode did not append: %v", b)
	}
	p, _ := dec.Decode([]int16{7}, []byte{0xFF})
	if len(p) != 2 || p[0] != 7 || p[1] != 0 {
		t.Errorf("Decode did not append: %v", p)
	}
	p = dec.Conceal([]int16{7}, 3)
	if len(p) != 4 || p[0] != 7 {
		t.Errorf("Conceal did not append: %v", p)
	}
}

// maxStep is the largest sample-to-sample difference: a click shows as a
// step far larger than the tone's own slope.
func maxStep(s []int16) float64 {
	m := 0.0
	for i := 1; i < len(s); i++ {
		m = max(m, math.Abs(float64(s[i])-float64(s[i-1])))
	}
	return m
}

func TestConcealment(t *testing.T) {
	for _, law := range []Law{PCMU, PCMA} {
		for _, freq := range []float64{200, 440, 1000} {
			const amp = 8000
			enc, dec := law.NewEncoder(), law.NewDecoder()
			ref := tone(4000, freq, amp, 0)
			var out []int16
			pos := 0
			feed := func(n int) {
				p, _ := enc.Encode(nil, ref[pos:pos+n])
				out, _ = dec.Decode(out, p)
				pos += n
			}
			feed(800) // 100 ms of tone
			lossStart := len(out)
			out = dec.Conceal(out, 160) // 20 ms lost
			pos += 160
			feed(400)
			// The tone's own slope is 2*pi*f*amp/8000 per sample.
			slope := 2 * math.Pi * freq * amp / media.SampleRate
			if got := maxStep(out[lossStart-40 : len(out)]); got > 1.6*slope {
				t.Errorf("%v %v Hz: short loss: max step %.0f, tone slope %.0f (click)", law, freq, got, slope)
			}
			// The first 10 ms of concealment keep the tone's level.
			var e float64
			for _, s := range out[lossStart : lossStart+80] {
				e += float64(s) * float64(s)
			}
			if rms := math.Sqrt(e / 80); rms < 0.6*amp/math.Sqrt2 {
				t.Errorf("%v %v Hz: concealment rms %.0f, want about %.0f", law, freq, rms, amp/math.Sqrt2)
			}

			// A long loss fades to silence by 60 ms without a click.
			lossStart = len(out)
			out = dec.Conceal(out, 800)
			pos += 800
			if got := maxStep(out[lossStart-40:]); got > 1.6*slope {
				t.Errorf("%v %v Hz: long loss: max step %.0f > slope %.0f", law, freq, got, slope)
			}
			for i, s := range out[lossStart+480:] {
				if s != 0 {
					t.Fatalf("%v %v Hz: sample %d ms after loss start = %d, want silence", law, freq, (480+i)/8, s)
				}
			}
			resume := len(out)
			feed(400)
			// Resuming from silence fades in: no step larger than the slope.
			if got := maxStep(out[resume-1 : resume+40]); got > 1.6*slope {
				t.Errorf("%v %v Hz: resume max step %.0f > slope %.0f", law, freq, got, slope)
			}
		}
	}
}

func TestConcealWithoutHistoryIsSilence(t *testing.T) {
	out := PCMA.NewDecoder().Conceal(nil, 160)
	for _, s := range out {
		if s != 0 {
			t.Fatalf("concealment with no history = %d, want 0", s)
		}
	}
}

func BenchmarkEncode20ms(b *testing.B) {
	enc := PCMU.NewEncoder()
	pcm := tone(160, 440, 8000, 0)
	buf := make([]byte, 0, 160)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = enc.Encode(buf[:0], pcm)
	}
}

func BenchmarkDecode20ms(b *testing.B) {
	dec := PCMU.NewDecoder()
	payload, _ := PCMU.NewEncoder().Encode(nil, tone(160, 440, 8000, 0))
	buf := make([]int16, 0, 160)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = dec.Decode(buf[:0], payload)
	}
}

func BenchmarkConceal20ms(b *testing.B) {
	dec := PCMU.NewDecoder()
	payload, _ := PCMU.NewEncoder().Encode(nil, tone(400, 440, 8000, 0))
	buf := make([]int16, 0, 400)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = dec.Decode(buf[:0], payload)
		buf = dec.Conceal(buf[:0], 160)
	}
}

func FuzzDecoder(f *testing.F) {
	f.Add([]byte{0xFF, 0x00, 0x7F, 0x80}, uint8(3))
	f.Add([]byte{}, uint8(200))
	f.Fuzz(func(t *testing.T, payload []byte, lose uint8) {
		for _, law := range []Law{PCMU, PCMA} {
			dec := law.NewDecoder()
			out, err := dec.Decode(nil, payload)
			if err != nil || len(out) != len(payload) {
				t.Fatalf("Decode: %d samples, %v", len(out), err)
			}
			out = dec.Conceal(out, int(lose))
			out, _ = dec.Decode(out, payload)
			if len(out) != 2*len(payload)+int(lose) {
				t.Fatalf("got %d samples", len(out))
			}
			back, _ := law.NewEncoder().Encode(nil, out[:len(payload)])
			for i := range payload {
				// Re-encoding decoded G.711 gives the same code, except the
				// two zero codes of µ-law (0x7F and 0xFF) and their A-law kin.
				if back[i] != payload[i] && out[i] != 0 {
					t.Fatalf("%v: code %#x decodes to %d and re-encodes to %#x", law, payload[i], out[i], back[i])
				}
			}
		}
	})
}
