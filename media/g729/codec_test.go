package g729

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/potsgate/potsgate/media"
)

func ExampleCodec() {
	codec := Codec{} // Annex A, annexb=no
	enc, dec := codec.NewEncoder(), codec.NewDecoder()
	pcm := make([]int16, 160) // 20 ms: two frames per packet
	for i := range pcm {
		pcm[i] = int16(4000 * math.Sin(2*math.Pi*1000*float64(i)/8000))
	}
	payload, _ := enc.Encode(nil, pcm)
	back, _ := dec.Decode(nil, payload)
	fmt.Println(codec.Name(), codec.PayloadType(), codec.ClockRate(), codec.FormatParameters())
	fmt.Println(len(payload), "bytes,", len(back), "samples")
	// A lost packet is concealed by the decoder.
	back = dec.Conceal(back[:0], 160)
	fmt.Println(len(back), "samples concealed")
	// Output:
	// G729 18 8000 annexb=no
	// 20 bytes, 160 samples
	// 160 samples concealed
}

func TestCodecDescription(t *testing.T) {
	var c media.Codec = Codec{AnnexB: true}
	if c.Name() != "G729" || c.PayloadType() != 18 || c.ClockRate() != 8000 || c.FrameSamples() != 80 {
		t.Errorf("got %s/%d/%d/%d", c.Name(), c.PayloadType(), c.ClockRate(), c.FrameSamples())
	}
	if got := c.(media.FormatParameterer).FormatParameters(); got != "annexb=yes" {
		t.Errorf("fmtp %q", got)
	}
	if got := (Codec{}).String(); got != "G729 annexb=no" {
		t.Errorf("String %q", got)
	}
}

func TestPayloadSamples(t *testing.T) {
	for n, want := range map[int]int{0: 0, 2: 80, 10: 80, 12: 160, 20: 160, 22: 240, 60: 480, 1: 0, 9: 0, 11: 0, 15: 0} {
		if got := (Codec{}).PayloadSamples(make([]byte, n)); got != want {
			t.Errorf("PayloadSamples(%d bytes) = %d, want %d", n, got, want)
		}
	}
	for n, want := range map[int]bool{10: false, 2: true, 0: true} {
		if got := (Codec{}).FrameEndsPacket(n); got != want {
			t.Errorf("FrameEndsPacket(%d) = %v", n, got)
		}
	}
}

// tone1k is 1 kHz at about -10 dBm0.
func tone1k(n int) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(6000 * math.Sin(2*math.Pi*1000*float64(i)/8000))
	}
	return s
}

// TestPacketsEqualFrames: a payload of several frames decodes to what the
// same frames decode to one by one, and a packet encodes to the frames one
// by one.
func TestPacketsEqualFrames(t *testing.T) {
	pcm := tone1k(800)
	a, b := Codec{}.NewEncoder(), NewEncoder(EncoderOptions{})
	packed, err := a.Encode(nil, pcm)
	if err != nil {
		t.Fatal(err)
	}
	var single []byte
	for off := 0; off < len(pcm); off += FrameSamples {
		single = b.Encode(single, pcm[off:off+FrameSamples])
	}
	if !slices.Equal(packed, single) {
		t.Fatalf("a packet of ten frames differs from the ten frames coded alone")
	}
	dm, d := Codec{}.NewDecoder(), NewDecoder()
	var got []int16
	for off := 0; off < len(packed); off += 3 * FrameBytes { // 30 ms packets, the last 10 ms
		got, err = dm.Decode(got, packed[off:min(off+3*FrameBytes, len(packed))])
		if err != nil {
			t.Fatal(err)
		}
	}
	want := make([]int16, len(pcm))
	for i := 0; i < 10; i++ {
		if err := d.Decode(want[i*80:(i+1)*80], packed[i*10:(i+1)*10]); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatal("decoding packets differs from decoding their frames")
	}
}

func TestEncodeRejectsPartialFrames(t *testing.T) {
	enc := Codec{}.NewEncoder()
	out, err := enc.Encode([]byte{7}, make([]int16, 100))
	if err == nil || len(out) != 1 {
		t.Errorf("100 samples: %d bytes, %v; want an error and dst unchanged", len(out), err)
	}
}

func TestDecodeRejectsBadSizes(t *testing.T) {
	dec := Codec{}.NewDecoder()
	for _, n := range []int{1, 3, 9, 11, 13, 19, 21, 25} {
		out, err := dec.Decode([]int16{5}, make([]byte, n))
		if !errors.Is(err, ErrFrameSize) || len(out) != 1 || out[0] != 5 {
			t.Errorf("%d bytes: %d samples, %v; want ErrFrameSize and dst unchanged", n, len(out), err)
		}
	}
	// Frames and a SID, a SID alone, nothing: all decode.
	for n, want := range map[int]int{12: 160, 2: 80, 0: 80, 30: 240} {
		out, err := dec.Decode(nil, make([]byte, n))
		if err != nil || len(out) != want {
			t.Errorf("%d bytes: %d samples, %v; want %d", n, len(out), err, want)
		}
	}
}

func TestConcealLengths(t *testing.T) {
	dec := Codec{}.NewDecoder()
	pcm, _ := Codec{}.NewEncoder().Encode(nil, tone1k(160))
	out, _ := dec.Decode([]int16{1, 2}, pcm)
	for _, n := range []int{0, 80, 160, 50, 130, 480} {
		before := len(out)
		out = dec.Conceal(out, n)
		if len(out)-before != n {
			t.Errorf("Conceal(%d) appended %d samples", n, len(out)-before)
		}
	}
	if out[0] != 1 || out[1] != 2 {
		t.Error("Conceal or Decode overwrote the prefix")
	}
}

func TestCodecNoAllocation(t *testing.T) {
	for _, annexB := range []bool{false, true} {
		c := Codec{AnnexB: annexB}
		enc, dec := c.NewEncoder(), c.NewDecoder()
		pcm := tone1k(160)
		payload := make([]byte, 0, 20)
		out := make([]int16, 0, 160)
		allocs := testing.AllocsPerRun(100, func() {
			payload, _ = enc.Encode(payload[:0], pcm)
			out, _ = dec.Decode(out[:0], payload)
			out = dec.Conceal(out[:0], 160)
			out = dec.Conceal(out[:0], 100)
		})
		if allocs != 0 {
			t.Errorf("annexb %v: %v allocations per packet", annexB, allocs)
		}
	}
}
