package g729

import (
	"fmt"
	"math"
	"math/rand"
	"path/filepath"
	"slices"
	"testing"
)

// annexAVectors are the Annex A decoder vectors: bitstream and reference
// output (TEST's reference is spelt in lower case).
var annexAVectors = []struct{ name, bit, pst string }{
	{"ALGTHM", "ALGTHM.BIT", "ALGTHM.PST"},
	{"ERASURE", "ERASURE.BIT", "ERASURE.PST"},
	{"FIXED", "FIXED.BIT", "FIXED.PST"},
	{"LSP", "LSP.BIT", "LSP.PST"},
	{"OVERFLOW", "OVERFLOW.BIT", "OVERFLOW.PST"},
	{"PARITY", "PARITY.BIT", "PARITY.PST"},
	{"PITCH", "PITCH.BIT", "PITCH.PST"},
	{"SPEECH", "SPEECH.BIT", "SPEECH.PST"},
	{"TAME", "TAME.BIT", "TAME.PST"},
	{"TEST", "TEST.BIT", "TEST.pst"},
}

// decodeStream decodes a whole serial bitstream with a fresh decoder.
func decodeStream(t testing.TB, frames []serialFrame) []int16 {
	t.Helper()
	d := NewDecoder()
	out := make([]int16, 0, len(frames)*FrameSamples)
	var pcm [FrameSamples]int16
	for i, f := range frames {
		if f.erased {
			d.DecodeErased(pcm[:])
		} else if err := d.Decode(pcm[:], f.payload); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		out = append(out, pcm[:]...)
	}
	return out
}

// firstDiff is the first differing sample, -1 if none.
func firstDiff(ref, got []int16) int {
	for i := range min(len(ref), len(got)) {
		if ref[i] != got[i] {
			return i
		}
	}
	return -1
}

func TestDecoderConformance(t *testing.T) {
	dir := filepath.Join(vectorsDir(t), "annexA")
	var snrs []float64
	allExact := true
	for _, v := range annexAVectors {
		frames := readSerial(t, filepath.Join(dir, v.bit))
		ref := readPCM(t, filepath.Join(dir, v.pst))
		got := decodeStream(t, frames)
		exact, total := exactFrames(ref, got)
		snr := snrDB(ref, got)
		snrs = append(snrs, snr)
		if i := firstDiff(ref, got); i >= 0 {
			allExact = false
			t.Logf("%-8s exact %d/%d frames, SNR %.2f dB (first difference: frame %d sample %d: want %d, got %d)",
				v.name, exact, total, snr, i/FrameSamples, i%FrameSamples, ref[i], got[i])
		} else {
			t.Logf("%-8s exact %d/%d frames, SNR %.2f dB", v.name, exact, total, snr)
		}
		if len(got) != len(ref) {
			t.Errorf("%s: %d samples decoded, reference has %d", v.name, len(got), len(ref))
		}
		if snr < 30 {
			t.Errorf("%s: SNR %.2f dB < 30 dB", v.name, snr)
		}
		// The decoder is bit-exact with the recommendation: any
		// difference is a regression.
		if exact != total {
			t.Errorf("%s: %d of %d frames differ from the reference", v.name, total-exact, total)
		}
	}
	sorted := slices.Clone(snrs)
	slices.Sort(sorted)
	median := (sorted[(len(sorted)-1)/2] + sorted[len(sorted)/2]) / 2
	t.Logf("median SNR %.2f dB, bit-exact on every vector: %v", median, allExact)
	if median < 40 && !math.IsInf(median, 1) {
		t.Errorf("median SNR %.2f dB < 40 dB", median)
	}
}

func TestDecoderAllocs(t *testing.T) {
	d := NewDecoder()
	payload := []byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x13, 0x57}
	var pcm [FrameSamples]int16
	n := testing.AllocsPerRun(200, func() {
		if err := d.Decode(pcm[:], payload); err != nil {
			t.Fatal(err)
		}
		d.DecodeErased(pcm[:])
	})
	if n != 0 {
		t.Errorf("%v allocations per frame, want 0", n)
	}
}

func TestDecoderFrameSize(t *testing.T) {
	d := NewDecoder()
	var pcm [FrameSamples]int16
	for _, n := range []int{1, 3, 9, 11, 20} {
		if err := d.Decode(pcm[:], make([]byte, n)); err == nil {
			t.Errorf("%d-byte payload: no error", n)
		}
	}
	if err := d.Decode(pcm[:10], make([]byte, FrameBytes)); err == nil {
		t.Error("short output: no error")
	}
}

// TestDecoderRandom decodes random payloads and erasures: whatever the
// bits, the decoder never panics and its output stays bounded.
func TestDecoderRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	d := NewDecoder()
	var pcm [FrameSamples]int16
	payload := make([]byte, FrameBytes)
	for i := 0; i < 5000; i++ {
		switch rng.Intn(8) {
		case 0:
			d.DecodeErased(pcm[:])
			continue
		case 1:
			payload = payload[:SIDBytes]
		case 2:
			payload = payload[:0]
		default:
			payload = payload[:FrameBytes]
		}
		rng.Read(payload)
		if err := d.Decode(pcm[:], payload); err != nil {
			t.Fatal(err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x13, 0x57}, false)
	f.Add(make([]byte, FrameBytes), true)
	f.Fuzz(func(t *testing.T, data []byte, erase bool) {
		d := NewDecoder()
		var pcm [FrameSamples]int16
		for len(data) >= FrameBytes {
			if erase && data[0]&1 == 1 {
				d.DecodeErased(pcm[:])
			}
			_ = d.Decode(pcm[:], data[:FrameBytes])
			data = data[FrameBytes:]
		}
		_ = d.Decode(pcm[:], data)
	})
}

// annexBVectors are the Annex B decoder vectors (VAD/DTX/CNG bitstreams
// with speech, SID and untransmitted frames).
var annexBVectors = []struct{ name, bit, out string }{
	{"tstseq1", "tstseq1a.bit", "tstseq1a.out"},
	{"tstseq2", "tstseq2a.bit", "tstseq2a.out"},
	{"tstseq3", "tstseq3a.bit", "tstseq3a.out"},
	{"tstseq4", "tstseq4a.bit", "tstseq4a.out"},
	{"tstseq5", "tstseq5.bit", "tstseq5a.out"},
	{"tstseq6", "tstseq6.bit", "tstseq6a.out"},
}

func TestDecoderAnnexBConformance(t *testing.T) {
	dir := filepath.Join(vectorsDir(t), "annexB")
	for _, v := range annexBVectors {
		frames := readSerial(t, filepath.Join(dir, v.bit))
		ref := readPCM(t, filepath.Join(dir, v.out))
		var speech, sid, notx, erased int
		for _, f := range frames {
			switch {
			case f.erased:
				erased++
			case len(f.payload) == FrameBytes:
				speech++
			case len(f.payload) == SIDBytes:
				sid++
			default:
				notx++
			}
		}
		got := decodeStream(t, frames)
		exact, total := exactFrames(ref, got)
		snr := snrDB(ref, got)
		msg := fmt.Sprintf("%-8s exact %d/%d frames, SNR %.2f dB (speech %d, SID %d, untransmitted %d, erased %d)",
			v.name, exact, total, snr, speech, sid, notx, erased)
		if i := firstDiff(ref, got); i >= 0 {
			msg += fmt.Sprintf("; first difference: frame %d sample %d", i/FrameSamples, i%FrameSamples)
		}
		t.Log(msg)
		if len(got) != len(ref) {
			t.Errorf("%s: %d samples decoded, reference has %d", v.name, len(got), len(ref))
		}
		if exact != total {
			t.Errorf("%s: %d of %d frames differ from the reference", v.name, total-exact, total)
		}
	}
}

// TestDecoderChannels decodes the same stream on many decoders at once:
// channels share no state, so every one matches the reference (run with
// -race).
func TestDecoderChannels(t *testing.T) {
	dir := filepath.Join(vectorsDir(t), "annexA")
	frames := readSerial(t, filepath.Join(dir, "SPEECH.BIT"))[:500]
	ref := readPCM(t, filepath.Join(dir, "SPEECH.PST"))[:500*FrameSamples]
	const channels = 16
	errs := make(chan error, channels)
	for c := 0; c < channels; c++ {
		go func() {
			d := NewDecoder()
			var pcm [FrameSamples]int16
			for i, f := range frames {
				if err := d.Decode(pcm[:], f.payload); err != nil {
					errs <- err
					return
				}
				if !slices.Equal(pcm[:], ref[i*FrameSamples:(i+1)*FrameSamples]) {
					errs <- fmt.Errorf("frame %d differs", i)
					return
				}
			}
			errs <- nil
		}()
	}
	for c := 0; c < channels; c++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	frames := readSerial(b, filepath.Join(vectorsDir(b), "annexA", "SPEECH.BIT"))
	d := NewDecoder()
	var pcm [FrameSamples]int16
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := frames[i%len(frames)]
		if f.erased {
			d.DecodeErased(pcm[:])
		} else if err := d.Decode(pcm[:], f.payload); err != nil {
			b.Fatal(err)
		}
	}
}
