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
			t.Logf("%s: %d/%d frames bit-exact", name, exact, total)
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
}

func TestEncoderAllocs(t *testing.T) {
	e := NewEncoder(EncoderOptions{})
	pcm := make([]int16, FrameSamples)
	for i := range pcm {
		pcm[i] = int16((i * 977) % 8000)
	}
	dst := make([]byte, 0, FrameBytes)
	allocs := testing.AllocsPerRun(200, func() {
		dst = e.Encode(dst[:0], pcm)
	})
	if allocs != 0 {
		t.Errorf("Encode allocates %.1f times per frame", allocs)
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
