package v29

import (
	"slices"
	"strconv"
	"testing"

	"github.com/potsgate/potsgate/media/modem"
)

// checkReceived asserts that sink got carrier up, training succeeded and
// exactly bits as its first data bits, then carrier down.
func checkReceived(t *testing.T, sink *bitSink, bits []int) {
	t.Helper()
	if !sink.has(modem.TrainingSucceeded) {
		t.Fatalf("no training: statuses %v", sink.statuses)
	}
	if len(sink.bits) < len(bits) {
		t.Fatalf("%d bits, want at least %d; statuses %v at %v", len(sink.bits), len(bits), sink.statuses, sink.at)
	}
	errs, first := 0, -1
	for i, b := range bits {
		if sink.bits[i] != b {
			errs++
			if first < 0 {
				first = i
			}
		}
	}
	if errs > 0 {
		t.Fatalf("%d of %d bits wrong, the first at %d", errs, len(bits), first)
	}
	// the carrier must go down after the data, at the end
	if n := len(sink.statuses); n == 0 || sink.statuses[n-1] != modem.CarrierDown || sink.at[n-1] < len(bits) {
		t.Errorf("no carrier down after the data: %v at %v", sink.statuses, sink.at)
	}
}

func TestLoopback(t *testing.T) {
	for _, rate := range []int{9600, 7200} {
		t.Run(strconv.Itoa(rate), func(t *testing.T) {
			bits := randomBits(9600, 3)
			audio := channel{lead: 1000, tail: 800}.apply(transmit(rate, DefaultDBm0, bits))
			sink := receive(rate, audio)
			t.Logf("statuses %v at %v, %d bits", sink.statuses, sink.at, len(sink.bits))
			checkReceived(t, sink, bits)
		})
	}
}

// TestChunkSizes: how the audio is cut into Receive calls changes
// nothing.
func TestChunkSizes(t *testing.T) {
	bits := randomBits(6000, 11)
	audio := channel{lead: 321, frac: 0.7, tail: 800}.apply(transmit(9600, -20, bits))
	ref := receive(9600, audio)
	for _, size := range []int{1, 7, 33, 160, 1000} {
		sink := &bitSink{}
		rx, err := NewReceiver(9600, sink)
		if err != nil {
			t.Fatal(err)
		}
		for off := 0; off < len(audio); off += size {
			rx.Receive(audio[off:min(off+size, len(audio))])
		}
		if !slices.Equal(sink.bits, ref.bits) || !slices.Equal(sink.statuses, ref.statuses) {
			t.Errorf("chunks of %d: %d bits %v, in 80s %d bits %v", size, len(sink.bits), sink.statuses, len(ref.bits), ref.statuses)
		}
	}
	checkReceived(t, ref, bits)
}
