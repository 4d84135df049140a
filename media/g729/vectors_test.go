package g729

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/potsgate/potsgate/internal/peer"
)

// vectorsDir is the folder of the ITU conformance vectors: G729_VECTORS,
// which the test command sets, else ../shared/g729 beside the repository.
// Without them the conformance tests skip, or fail when peers are required.
func vectorsDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("G729_VECTORS")
	if dir == "" {
		dir = filepath.Join(peer.SharedDir(t), "g729")
	}
	return peer.RequireFile(t, dir)
}

// readPCM reads raw 16-bit little-endian samples.
func readPCM(t testing.TB, path string) []int16 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, len(b)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return pcm
}

// serialFrame is one frame of an ITU serial bitstream.
type serialFrame struct {
	payload []byte // FrameBytes, SIDBytes or empty
	erased  bool
}

// readSerial reads a whole ITU serial bitstream file.
func readSerial(t testing.TB, path string) []serialFrame {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := NewSerialReader(f)
	var frames []serialFrame
	for {
		var buf [FrameBytes]byte
		p, erased, err := r.Next(buf[:])
		if errors.Is(err, io.EOF) {
			return frames
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		frames = append(frames, serialFrame{payload: append([]byte(nil), p...), erased: erased})
	}
}

// snrDB is the signal-to-noise ratio of got against ref, in dB (+Inf when
// identical). Lengths may differ; the shorter one counts.
func snrDB(ref, got []int16) float64 {
	n := min(len(ref), len(got))
	var sig, noise float64
	for i := 0; i < n; i++ {
		r, d := float64(ref[i]), float64(ref[i])-float64(got[i])
		sig += r * r
		noise += d * d
	}
	if noise == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(sig/noise)
}

// exactFrames counts the 80-sample frames of got identical to ref.
func exactFrames(ref, got []int16) (exact, total int) {
	total = min(len(ref), len(got)) / FrameSamples
	for f := 0; f < total; f++ {
		same := true
		for i := f * FrameSamples; i < (f+1)*FrameSamples; i++ {
			if ref[i] != got[i] {
				same = false
				break
			}
		}
		if same {
			exact++
		}
	}
	return exact, total
}

func TestSerialRoundTrip(t *testing.T) {
	dir := vectorsDir(t)
	for _, name := range []string{"annexA/SPEECH.BIT", "annexA/ERASURE.BIT", "annexB/tstseq1a.bit"} {
		path := filepath.Join(dir, name)
		frames := readSerial(t, path)
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var out bytesBuffer
		w := NewSerialWriter(&out)
		for _, f := range frames {
			if f.erased {
				err = w.WriteErased()
			} else {
				err = w.Write(f.payload)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if string(out) != string(want) {
			t.Errorf("%s: %d frames written back differ from the file", name, len(frames))
		}
	}
}

type bytesBuffer []byte

func (b *bytesBuffer) Write(p []byte) (int, error) { *b = append(*b, p...); return len(p), nil }

func TestPackUnpack(t *testing.T) {
	prm := []int16{0xa5, 0x3ff, 0x81, 1, 0x1abc, 0xf, 0x55, 0x1f, 0x1234, 0x3, 0x7f}
	var frame [FrameBytes]byte
	pack(frame[:], prm, speechBits[:])
	got := make([]int16, speechParams)
	unpack(got, speechBits[:], frame[:])
	for i := range prm {
		if got[i] != prm[i] {
			t.Fatalf("parameter %d: %#x, want %#x", i, got[i], prm[i])
		}
	}
	if frame[0] != 0xa5 || frame[1] != 0xff || frame[2] != 0xe0 {
		t.Errorf("first octets % x: parameters are not packed MSB first", frame[:3])
	}
}
