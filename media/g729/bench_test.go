package g729

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The encoder and decoder are timed per 10 ms frame on SPEECH.IN and its
// bitstream, real speech rather than a synthetic signal. (decoder_test.go
// and encoder_test.go have BenchmarkDecode and BenchmarkEncode of their
// own; these are the figures compared with bcg729.)

func speechFrames(b testing.TB) (pcm []int16, bits [][]byte) {
	in := readPCM(b, filepath.Join(vectorsDir(b), "annexA", "SPEECH.IN"))
	pcm = in[:len(in)/FrameSamples*FrameSamples]
	enc := NewEncoder(EncoderOptions{})
	for off := 0; off < len(pcm); off += FrameSamples {
		bits = append(bits, enc.Encode(nil, pcm[off:off+FrameSamples]))
	}
	return pcm, bits
}

func benchmarkEncode(b *testing.B, annexB bool) {
	pcm, _ := speechFrames(b)
	enc := NewEncoder(EncoderOptions{AnnexB: annexB})
	dst := make([]byte, 0, FrameBytes)
	frames := len(pcm) / FrameSamples
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		off := i % frames * FrameSamples
		dst = enc.Encode(dst[:0], pcm[off:off+FrameSamples])
		i++
	}
}

// BenchmarkEncodeSpeech: one op is one 10 ms frame of SPEECH.IN.
func BenchmarkEncodeSpeech(b *testing.B) { benchmarkEncode(b, false) }

// BenchmarkEncodeSpeechAnnexB: the same with VAD/DTX.
func BenchmarkEncodeSpeechAnnexB(b *testing.B) { benchmarkEncode(b, true) }

// BenchmarkDecodeSpeech: one op is one frame of our SPEECH.IN bitstream.
func BenchmarkDecodeSpeech(b *testing.B) {
	_, bits := speechFrames(b)
	dec := NewDecoder()
	var pcm [FrameSamples]int16
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := dec.Decode(pcm[:], bits[i%len(bits)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// timeOurs is what bcg729tool's "time" does, in Go: the whole input
// encoded by a new channel, then its frames decoded by a new channel;
// best of passes, in ns per frame.
func timeOurs(pcm []int16, passes int) (enc, dec float64) {
	frames := len(pcm) / FrameSamples
	bits := make([]byte, 0, frames*FrameBytes)
	out := make([]int16, FrameSamples)
	for p := 0; p < passes; p++ {
		e := NewEncoder(EncoderOptions{})
		bits = bits[:0]
		t0 := time.Now()
		for off := 0; off < len(pcm); off += FrameSamples {
			bits = e.Encode(bits, pcm[off:off+FrameSamples])
		}
		t1 := time.Now()
		d := NewDecoder()
		for i := 0; i < frames; i++ {
			_ = d.Decode(out, bits[i*FrameBytes:(i+1)*FrameBytes])
		}
		t2 := time.Now()
		te, td := float64(t1.Sub(t0))/float64(frames), float64(t2.Sub(t1))/float64(frames)
		if p == 0 || te < enc {
			enc = te
		}
		if p == 0 || td < dec {
			dec = td
		}
	}
	return enc, dec
}

// TestSpeedAgainstBcg729 times bcg729 (through bcg729tool, which times
// itself) and our coder on SPEECH.IN in the same run, alternating, and logs
// ns per frame and the ratio ours/bcg729. It asserts nothing: timings
// depend on the machine and its load (and mean nothing under -race).
func TestSpeedAgainstBcg729(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	tool := bcg729Tool(t)
	inPath := filepath.Join(vectorsDir(t), "annexA", "SPEECH.IN")
	pcm, _ := speechFrames(t)
	const rounds, passes = 3, 3
	var cEnc, cDec, gEnc, gDec float64
	for r := 0; r < rounds; r++ {
		out := bcg729Run(t, tool, "time", inPath, fmt.Sprint(passes))
		var e, d float64
		if _, err := fmt.Sscanf(strings.TrimSpace(out), "encode_ns_per_frame %g\ndecode_ns_per_frame %g", &e, &d); err != nil {
			t.Fatalf("bcg729tool time printed %q: %v", out, err)
		}
		ge, gd := timeOurs(pcm, passes)
		if r == 0 {
			cEnc, cDec, gEnc, gDec = e, d, ge, gd
		}
		cEnc, cDec, gEnc, gDec = min(cEnc, e), min(cDec, d), min(gEnc, ge), min(gDec, gd)
	}
	t.Logf("per 10 ms frame (SPEECH.IN, %d frames, best of %d): encode ours %.1f µs, bcg729 %.1f µs, ratio %.2f; decode ours %.1f µs, bcg729 %.1f µs, ratio %.2f",
		len(pcm)/FrameSamples, rounds*passes, gEnc/1e3, cEnc/1e3, gEnc/cEnc, gDec/1e3, cDec/1e3, gDec/cDec)
}
