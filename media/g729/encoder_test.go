package g729

import (
	"fmt"
	"path/filepath"
	"testing"
)

// annexAEncoderVectors are the Annex A vectors with an encoder input.
var annexAEncoderVectors = []string{"ALGTHM", "FIXED", "LSP", "PITCH", "SPEECH", "TAME", "TEST"}

// encodeAll encodes pcm frame by frame.
func encodeAll(e *Encoder, pcm []int16) [][]byte {
	var out [][]byte
	for off := 0; off+FrameSamples <= len(pcm); off += FrameSamples {
		out = append(out, e.Encode(nil, pcm[off:off+FrameSamples]))
	}
	return out
}

// paramDiff describes the first parameter where two speech frames differ.
func paramDiff(want, got []byte) string {
	if len(want) != FrameBytes || len(got) != FrameBytes {
		return fmt.Sprintf("sizes %d and %d", len(want), len(got))
	}
	var pw, pg [speechParams]int16
	unpack(pw[:], speechBits[:], want)
	unpack(pg[:], speechBits[:], got)
	names := [speechParams]string{"L0L1", "L2L3", "P1", "P0", "C1", "S1", "GA1GB1", "P2", "C2", "S2", "GA2GB2"}
	for i := range pw {
		if pw[i] != pg[i] {
			return fmt.Sprintf("parameter %s: %d, want %d (want %v, got %v)", names[i], pg[i], pw[i], pw, pg)
		}
	}
	return "none"
}

func TestEncoderConformance(t *testing.T) {
	dir := vectorsDir(t)
	for _, name := range annexAEncoderVectors {
		t.Run(name, func(t *testing.T) {
			in := readPCM(t, filepath.Join(dir, "annexA", name+".IN"))
			want := readSerial(t, filepath.Join(dir, "annexA", name+".BIT"))
			got := encodeAll(NewEncoder(EncoderOptions{}), in)
			if len(got) != len(want) {
				t.Errorf("%d frames, want %d", len(got), len(want))
			}
			exact, total := 0, min(len(got), len(want))
			first := -1
			for i := 0; i < total; i++ {
				if string(got[i]) == string(want[i].payload) {
					exact++
				} else if first < 0 {
					first = i
				}
			}
			// Our bitstream through our decoder, against the ITU decoder's
			// output for the reference bitstream.
			pstName := name + ".PST"
			if name == "TEST" {
				pstName = "TEST.pst"
			}
			pst := readPCM(t, filepath.Join(dir, "annexA", pstName))
			d := NewDecoder()
			out := make([]int16, len(got)*FrameSamples)
			for i, f := range got {
				if err := d.Decode(out[i*FrameSamples:(i+1)*FrameSamples], f); err != nil {
					t.Fatal(err)
				}
			}
			outExact, outTotal := exactFrames(pst, out)
			t.Logf("%s: %d/%d frames bit-exact; decoded, %d/%d frames equal to %s, SNR %.2f dB",
				name, exact, total, outExact, outTotal, pstName, snrDB(pst, out))
			if first >= 0 {
				t.Errorf("%s: %d/%d frames bit-exact; first difference at frame %d: %s",
					name, exact, total, first, paramDiff(want[first].payload, got[first]))
			}
		})
	}
}

func TestEncoderSNR(t *testing.T) {
	dir := vectorsDir(t)
	in := readPCM(t, filepath.Join(dir, "annexA", "SPEECH.IN"))
	pst := readPCM(t, filepath.Join(dir, "annexA", "SPEECH.PST"))
	ref := snrDB(in, pst)

	e := NewEncoder(EncoderOptions{})
	d := NewDecoder()
	out := make([]int16, 0, len(in))
	var buf [FrameBytes]byte
	var pcm [FrameSamples]int16
	for off := 0; off+FrameSamples <= len(in); off += FrameSamples {
		payload := e.Encode(buf[:0], in[off:off+FrameSamples])
		if err := d.Decode(pcm[:], payload); err != nil {
			t.Fatalf("frame %d: %v", off/FrameSamples, err)
		}
		out = append(out, pcm[:]...)
	}
	got := snrDB(in, out)
	t.Logf("SPEECH.IN: our encoder + our decoder %.2f dB, reference SPEECH.PST %.2f dB", got, ref)
	if got < ref-0.5 {
		t.Errorf("SNR %.2f dB, more than 0.5 dB below the reference's %.2f dB", got, ref)
	}
	// The coder delays by its 40-sample look-ahead; aligned, the figures
	// say more about the coding itself.
	const delay = encLookNext
	gotA, refA := snrDB(in[:len(in)-delay], out[delay:]), snrDB(in[:len(in)-delay], pst[delay:])
	t.Logf("aligned by %d samples: ours %.2f dB, reference %.2f dB", delay, gotA, refA)
	if gotA < refA-0.5 {
		t.Errorf("aligned SNR %.2f dB, more than 0.5 dB below the reference's %.2f dB", gotA, refA)
	}
}

func TestEncoderAllocs(t *testing.T) {
	for _, annexB := range []bool{false, true} {
		e := NewEncoder(EncoderOptions{AnnexB: annexB})
		speech := make([]int16, FrameSamples)
		for i := range speech {
			speech[i] = int16((i * 977) % 8000)
		}
		silence := make([]int16, FrameSamples)
		dst := make([]byte, 0, FrameBytes)
		n := 0
		allocs := testing.AllocsPerRun(300, func() {
			pcm := speech
			if n++; n%100 > 50 { // Annex B: speech, then SID and untransmitted frames
				pcm = silence
			}
			dst = e.Encode(dst[:0], pcm)
		})
		if allocs != 0 {
			t.Errorf("AnnexB %v: Encode allocates %.1f times per frame", annexB, allocs)
		}
	}
}

// TestEncoderChannels encodes in many goroutines at once (run with -race):
// channels share nothing, so each stays bit-exact.
func TestEncoderChannels(t *testing.T) {
	dir := vectorsDir(t)
	in := readPCM(t, filepath.Join(dir, "annexA", "SPEECH.IN"))[:300*FrameSamples]
	want := readSerial(t, filepath.Join(dir, "annexA", "SPEECH.BIT"))
	const channels = 8
	errs := make(chan error, channels)
	for c := 0; c < channels; c++ {
		go func() {
			got := encodeAll(NewEncoder(EncoderOptions{}), in)
			for i := range got {
				if string(got[i]) != string(want[i].payload) {
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

func BenchmarkEncode(b *testing.B) {
	e := NewEncoder(EncoderOptions{})
	pcm := make([]int16, FrameSamples)
	for i := range pcm {
		pcm[i] = int16((i * 977) % 8000)
	}
	dst := make([]byte, 0, FrameBytes)
	b.ReportAllocs()
	for b.Loop() {
		dst = e.Encode(dst[:0], pcm)
	}
}

// TestEncoderAnnexB runs the public encoder with Annex B on the encoder
// vectors of Annex B: every frame typed (speech, SID, untransmitted) and
// coded as the reference.
func TestEncoderAnnexB(t *testing.T) {
	dir := filepath.Join(vectorsDir(t), "annexB")
	for n := 1; n <= 4; n++ {
		name := fmt.Sprintf("tstseq%d", n)
		t.Run(name, func(t *testing.T) {
			in := readPCM(t, filepath.Join(dir, name+".bin"))
			want := readSerial(t, filepath.Join(dir, name+"a.bit"))
			got := encodeAll(NewEncoder(EncoderOptions{AnnexB: true}), in)
			if len(got) != len(want) {
				t.Errorf("%d frames, want %d", len(got), len(want))
			}
			total := min(len(got), len(want))
			exact, typed := 0, 0
			kinds := map[int]int{}
			firstType, firstBits := -1, -1
			for i := 0; i < total; i++ {
				kinds[len(want[i].payload)]++
				if len(got[i]) != len(want[i].payload) {
					if firstType < 0 {
						firstType = i
					}
					continue
				}
				typed++
				if string(got[i]) == string(want[i].payload) {
					exact++
				} else if firstBits < 0 {
					firstBits = i
				}
			}
			t.Logf("%s: %d/%d frames bit-exact, %d/%d typed right (reference: %d speech, %d SID, %d untransmitted)",
				name, exact, total, typed, total, kinds[FrameBytes], kinds[SIDBytes], kinds[0])
			if firstType >= 0 {
				t.Errorf("%s: frame %d is %d bytes, want %d", name, firstType, len(got[firstType]), len(want[firstType].payload))
			}
			if firstBits >= 0 {
				t.Errorf("%s: first differing frame %d: % x, want % x", name, firstBits, got[firstBits], want[firstBits].payload)
			}
		})
	}
}

// TestEncoderExtremeInputs drives the saturating paths (full-scale square
// waves, -32768 runs, white noise at full scale, silence, short input):
// every frame must come out with a valid size, and nothing may panic.
func TestEncoderExtremeInputs(t *testing.T) {
	seed := uint32(1)
	rnd := func() int16 { seed = seed*1664525 + 1013904223; return int16(seed >> 16) }
	signals := map[string]func(i int) int16{
		"square":  func(i int) int16 { return [2]int16{32767, -32768}[(i/20)%2] },
		"min":     func(int) int16 { return -32768 },
		"noise":   func(int) int16 { return rnd() },
		"silence": func(int) int16 { return 0 },
		"impulse": func(i int) int16 { return [2]int16{0, 32767}[btoi(i%57 == 0)] },
	}
	for name, gen := range signals {
		for _, annexB := range []bool{false, true} {
			e := NewEncoder(EncoderOptions{AnnexB: annexB})
			pcm := make([]int16, FrameSamples)
			for f := 0; f < 200; f++ {
				for i := range pcm {
					pcm[i] = gen(f*FrameSamples + i)
				}
				n := len(e.Encode(nil, pcm))
				if n != FrameBytes && (!annexB || (n != SIDBytes && n != 0)) {
					t.Fatalf("%s, AnnexB %v, frame %d: %d bytes", name, annexB, f, n)
				}
			}
			if n := len(e.Encode(nil, pcm[:13])); n != FrameBytes && !annexB {
				t.Fatalf("%s: short input gave %d bytes", name, n)
			}
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
