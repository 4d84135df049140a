package v29

import (
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
	if !sink.has(modem.CarrierDown) {
		t.Errorf("no carrier down: %v", sink.statuses)
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
