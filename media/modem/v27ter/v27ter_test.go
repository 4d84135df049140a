package v27ter_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/potsgate/potsgate/media/modem"
	"github.com/potsgate/potsgate/media/modem/v27ter"
)

// TestLoop sends random data from our transmitter to our receiver
// through the impairments of a fax call and asserts that the receiver
// reports carrier-up, training-succeeded and, after the turn-off,
// carrier-down, and that the bits after training start with every data
// bit sent, unchanged.
func TestLoop(t *testing.T) {
	cases := []struct {
		name  string
		dBm0  float64
		ch    channel
		echo  bool
		frame int
	}{
		{name: "clean", dBm0: -13},
		{name: "echo protection", dBm0: -13, echo: true},
		{name: "high level", dBm0: -10, ch: channel{delay: 37.3, phase: 1.1}},
		{name: "low level", dBm0: -43, ch: channel{delay: 5.6, phase: 2.5, snr: 25}},
		{name: "mu-law", dBm0: -20, ch: channel{delay: 11.4, phase: -2, law: "PCMU"}},
		{name: "A-law", dBm0: -30, ch: channel{delay: 123.9, phase: 0.4, law: "PCMA"}},
		{name: "noise 25 dB", dBm0: -13, ch: channel{delay: 77.7, phase: -0.7, snr: 25}},
		{name: "clock +100 ppm", dBm0: -13, ch: channel{delay: 3.2, phase: 3, ppm: 100}},
		{name: "clock -100 ppm", dBm0: -13, ch: channel{delay: 19.9, phase: -3, ppm: -100}},
		{name: "everything +100 ppm", dBm0: -40, ch: channel{delay: 250.5, phase: 0.9, ppm: 100, snr: 25, law: "PCMA"}},
		{name: "everything -100 ppm", dBm0: -10, ch: channel{delay: 1.7, phase: -1.9, ppm: -100, snr: 25, law: "PCMU"}, frame: 37},
	}
	for _, rate := range []int{4800, 2400} {
		for i, c := range cases {
			t.Run(fmt.Sprintf("%d/%s", rate, c.name), func(t *testing.T) {
				// About 4 s of data: a clock offset of 100 ppm moves the
				// symbol instants by more than 3 samples over it.
				data := randomBits(uint64(i), 4*rate)
				tx, err := v27ter.NewTransmitter(rate, &bitSource{bits: data})
				if err != nil {
					t.Fatal(err)
				}
				tx.SetLevel(c.dBm0)
				tx.SetEchoProtection(c.echo)
				if err := tx.Restart(rate); err != nil {
					t.Fatal(err)
				}
				c.ch.seed = uint64(i)
				audio := c.ch.audio(t, transmit(t, tx))
				rec := &recorder{}
				rx, err := v27ter.NewReceiver(rate, rec)
				if err != nil {
					t.Fatal(err)
				}
				frame := c.frame
				if frame == 0 {
					frame = 80
				}
				receive(rx, audio, frame)
				checkReception(t, rec, data)
			})
		}
	}
}

// checkReception asserts the status sequence of one clean signal and
// that the bits after training begin with data.
func checkReception(t *testing.T, rec *recorder, data []int) {
	t.Helper()
	want := []modem.Status{modem.CarrierUp, modem.TrainingSucceeded, modem.CarrierDown}
	if !slices.Equal(rec.status, want) {
		t.Fatalf("status %v, want %v", rec.status, want)
	}
	got, _ := rec.bitsAfter(modem.TrainingSucceeded)
	if len(got) < len(data) {
		t.Fatalf("%d bits after training, want at least the %d sent", len(got), len(data))
	}
	if errs := bitErrors(got[:len(data)], data); errs != 0 {
		t.Fatalf("%d of %d bits wrong, the first at %d", errs, len(data), firstDiff(got, data))
	}
	// What follows the data is the turn-off's scrambled ones.
	if tail := got[len(data):]; slices.Contains(tail, 0) {
		t.Errorf("after the data: %v, want only ones (the turn-off)", tail)
	}
}

func bitErrors(a, b []int) int {
	n := 0
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			n++
		}
	}
	return n
}

func firstDiff(a, b []int) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}
