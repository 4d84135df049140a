package sim

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"testing"

	"github.com/potsgate/potsgate/hal"
)

// wavFile builds a PCM WAV file with a LIST chunk before the data, as
// sox and other tools write them.
func wavFile(rate uint32, channels uint16, pcm []int16) []byte {
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(4 + 24 + 12 + 8 + 2*len(pcm)))
	b.WriteString("WAVEfmt ")
	le(uint32(16))
	le(uint16(1))
	le(channels)
	le(rate)
	le(rate * 2 * uint32(channels))
	le(2 * channels)
	le(uint16(16))
	b.WriteString("LIST")
	le(uint32(3))
	b.WriteString("abc\x00") // odd size, padded
	b.WriteString("data")
	le(uint32(2 * len(pcm)))
	le(pcm)
	return b.Bytes()
}

func TestSayWAVAndPlayWAV(t *testing.T) {
	pcm := make([]int16, 2*hal.FrameSamples)
	for i := range pcm {
		pcm[i] = int16(i*37 - 3000)
	}
	p := NewPhone()
	p.PickUp()
	if err := p.SayWAV(bytes.NewReader(wavFile(8000, 1, pcm))); err != nil {
		t.Fatal(err)
	}
	if _, heard := stepPhone(t, p, 2, nil); !slices.Equal(heard, pcm) {
		t.Fatal("the gateway did not get the WAV file's samples from the phone")
	}

	l := NewLine()
	if err := l.PlayWAV(bytes.NewReader(wavFile(8000, 1, pcm))); err != nil {
		t.Fatal(err)
	}
	var got []int16
	in := make([]int16, hal.FrameSamples)
	for range 2 {
		if _, err := l.Exchange(make([]int16, hal.FrameSamples), in, nil); err != nil {
			t.Fatal(err)
		}
		got = append(got, in...)
	}
	if !slices.Equal(got, pcm) {
		t.Fatal("the gateway did not get the WAV file's samples from the line")
	}

	for name, f := range map[string][]byte{
		"stereo":    wavFile(8000, 2, pcm),
		"16 kHz":    wavFile(16000, 1, pcm),
		"not a WAV": []byte("RIFX...."),
		"no data":   wavFile(8000, 1, nil)[:36],
	} {
		if err := p.SayWAV(bytes.NewReader(f)); !errors.Is(err, ErrWAV) {
			t.Errorf("%s: %v, want ErrWAV", name, err)
		}
	}
}

// FuzzReadWAV: any bytes offered as a WAV file: no panic, ErrWAV or
// samples, never more samples than the bytes hold.
func FuzzReadWAV(f *testing.F) {
	pcm := []int16{1, -1, 32767, -32768}
	f.Add(wavFile(8000, 1, pcm))
	f.Add(wavFile(8000, 2, pcm))
	huge := wavFile(8000, 1, pcm)
	copy(huge[len(huge)-2*len(pcm)-4:], []byte{0xfe, 0xff, 0xff, 0xff}) // data size 4 GiB - 2
	f.Add(huge)
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := readWAV(bytes.NewReader(b))
		if err != nil {
			return
		}
		if len(got) > len(b)/2 {
			t.Fatalf("%d samples from %d bytes", len(got), len(b))
		}
	})
}
