package wav

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	in := []int16{0, 1, -1, 32767, -32768, 1234}
	var buf bytes.Buffer
	if err := Write(&buf, 8000, in); err != nil {
		t.Fatal(err)
	}
	rate, out, err := Read(&buf)
	if err != nil || rate != 8000 || !slices.Equal(in, out) {
		t.Fatalf("Read = %d %v %v", rate, out, err)
	}
	if _, _, err := Read(bytes.NewReader([]byte("RIFF....WAVEjunk"))); !errors.Is(err, ErrFormat) {
		t.Fatalf("garbage: err = %v", err)
	}
}

func ExampleWrite() {
	var buf bytes.Buffer
	_ = Write(&buf, 8000, make([]int16, 80))
	rate, samples, _ := Read(&buf)
	fmt.Println(rate, len(samples))
	// Output: 8000 80
}

// FuzzRead: any bytes as a WAV file: no panic, ErrFormat or samples, and
// no allocation beyond what the input holds (a header claiming 4 GiB of
// data must not allocate it).
func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	_ = Write(&buf, 8000, []int16{0, 1, -1, 32767, -32768})
	f.Add(buf.Bytes())
	huge := slices.Clone(buf.Bytes())
	copy(huge[40:], []byte{0xfe, 0xff, 0xff, 0xff}) // data size 4 GiB - 2
	f.Add(huge)
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rate, samples, err := Read(bytes.NewReader(b))
		if err != nil {
			return
		}
		if len(samples) > len(b)/2 || rate < 0 {
			t.Fatalf("%d samples at %d Hz from %d bytes", len(samples), rate, len(b))
		}
	})
}

// TestHugeDataSizeAllocatesWhatIsThere: a header claiming 4 GiB of samples
// over a few bytes allocates for the few bytes.
func TestHugeDataSizeAllocatesWhatIsThere(t *testing.T) {
	var buf bytes.Buffer
	_ = Write(&buf, 8000, make([]int16, 100))
	b := buf.Bytes()
	copy(b[40:], []byte{0xfe, 0xff, 0xff, 0xff})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, samples, err := Read(bytes.NewReader(b))
	runtime.ReadMemStats(&after)
	if err != nil || len(samples) != 100 {
		t.Fatalf("%d samples, %v", len(samples), err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Fatalf("allocated %d bytes for a 244-byte file", n)
	}
}
