package v27ter_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/potsgate/potsgate/media"

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
		name    string
		dBm0    float64
		ch      channel
		echo    bool
		frame   int
		seconds int // of data; 4 unless set
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
		{name: "carrier +7 Hz", dBm0: -20, ch: channel{delay: 14.5, phase: 1.5, shift: 7, snr: 25, law: "PCMA"}},
		{name: "carrier -7 Hz", dBm0: -20, ch: channel{delay: 2.5, phase: -1.5, shift: -7, snr: 25, law: "PCMU"}},
		{name: "a page: 30 s at +100 ppm", dBm0: -15, ch: channel{delay: 60.1, phase: 2.2, ppm: 100, snr: 25, law: "PCMA"}, seconds: 30},
		{name: "a page: 30 s at -100 ppm", dBm0: -15, ch: channel{delay: 6.6, phase: -2.2, ppm: -100, snr: 25, law: "PCMU"}, seconds: 30},
	}
	for _, rate := range []int{4800, 2400} {
		for i, c := range cases {
			t.Run(fmt.Sprintf("%d/%s", rate, c.name), func(t *testing.T) {
				// 4 s of data: a clock offset of 100 ppm moves the symbol
				// instants by more than 3 samples over it, 24 over a page.
				seconds := c.seconds
				if seconds == 0 {
					seconds = 4
				}
				data := randomBits(uint64(i), seconds*rate)
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
	if rec.at[1] != 0 {
		t.Errorf("%d bits before training succeeded", rec.at[1])
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

// TestTrainingFailed: carriers without V.27ter's training at the rate the
// receiver waits for are reported as carrier-up, training-failed and,
// when they end, carrier-down, with no bits.
func TestTrainingFailed(t *testing.T) {
	tone := func(freq float64, dBm0 float64, n int) []int16 {
		a := media.SineAmplitude(dBm0)
		x := make([]int16, n)
		for i := range x {
			x[i] = int16(a * math.Sin(2*math.Pi*freq*float64(i)/8000))
		}
		return x
	}
	noise := func(dBm0 float64, n int) []int16 {
		rng := rand.New(rand.NewPCG(3, 4))
		sigma := media.SineAmplitude(dBm0) / math.Sqrt2
		x := make([]int16, n)
		for i := range x {
			x[i] = int16(max(-32768, min(32767, sigma*rng.NormFloat64())))
		}
		return x
	}
	other := func(rate int) []int16 {
		tx, err := v27ter.NewTransmitter(rate, &bitSource{bits: randomBits(5, 2*rate)})
		if err != nil {
			t.Fatal(err)
		}
		return transmit(t, tx)
	}
	cases := []struct {
		name  string
		rate  int
		audio []int16
	}{
		{"1800 Hz tone", 4800, tone(1800, -13, 20000)},
		{"1800 Hz tone", 2400, tone(1800, -13, 20000)},
		{"1650 Hz tone (V.21 mark)", 4800, tone(1650, -13, 20000)},
		{"noise", 4800, noise(-20, 20000)},
		{"noise", 2400, noise(-20, 20000)},
		{"a 2400 bit/s signal", 4800, other(2400)},
		{"a 4800 bit/s signal", 2400, other(4800)},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%d/%s", c.rate, c.name), func(t *testing.T) {
			rec := &recorder{}
			rx, err := v27ter.NewReceiver(c.rate, rec)
			if err != nil {
				t.Fatal(err)
			}
			receive(rx, append(c.audio, make([]int16, 800)...), 80)
			want := []modem.Status{modem.CarrierUp, modem.TrainingFailed, modem.CarrierDown}
			if !slices.Equal(rec.status, want) || len(rec.bits) != 0 {
				t.Errorf("status %v and %d bits, want %v and none", rec.status, len(rec.bits), want)
			}
		})
	}
}

// TestRestart: a receiver and a transmitter restarted take a second
// signal, at the other rate, as they took the first; an unknown rate is
// modem.ErrRate.
func TestRestart(t *testing.T) {
	rec := &recorder{}
	rx, err := v27ter.NewReceiver(4800, rec)
	if err != nil {
		t.Fatal(err)
	}
	src := &bitSource{bits: randomBits(9, 4800)}
	tx, err := v27ter.NewTransmitter(4800, src)
	if err != nil {
		t.Fatal(err)
	}
	receive(rx, append(transmit(t, tx), make([]int16, 800)...), 80)
	checkReception(t, rec, src.bits)

	*rec = recorder{}
	*src = bitSource{bits: randomBits(10, 2400)}
	if err := tx.Restart(2400); err != nil {
		t.Fatal(err)
	}
	if err := rx.Restart(2400); err != nil {
		t.Fatal(err)
	}
	receive(rx, append(transmit(t, tx), make([]int16, 800)...), 160)
	checkReception(t, rec, src.bits)

	for _, rate := range []int{0, 1200, 7200, 9600} {
		if _, err := v27ter.NewTransmitter(rate, src); !errors.Is(err, modem.ErrRate) {
			t.Errorf("NewTransmitter(%d): %v, want ErrRate", rate, err)
		}
		if _, err := v27ter.NewReceiver(rate, rec); !errors.Is(err, modem.ErrRate) {
			t.Errorf("NewReceiver(%d): %v, want ErrRate", rate, err)
		}
		if err := tx.Restart(rate); !errors.Is(err, modem.ErrRate) {
			t.Errorf("Transmitter.Restart(%d): %v, want ErrRate", rate, err)
		}
		if err := rx.Restart(rate); !errors.Is(err, modem.ErrRate) {
			t.Errorf("Receiver.Restart(%d): %v, want ErrRate", rate, err)
		}
	}
}

// TestLevel: the transmitter's power is the level set (the power of a
// sine at that level, media.SineAmplitude's convention), -13 dBm0 unless
// set; the echo protection tone is a sine at that level.
func TestLevel(t *testing.T) {
	for _, rate := range []int{4800, 2400} {
		for _, dBm0 := range []float64{0, -10, -13, -43} {
			tx, err := v27ter.NewTransmitter(rate, &loopSource{bits: randomBits(1, 1000)})
			if err != nil {
				t.Fatal(err)
			}
			if dBm0 != v27ter.DefaultLevel {
				tx.SetLevel(dBm0)
			}
			tx.SetEchoProtection(true)
			_ = tx.Restart(rate)
			out := make([]int16, 8000*3)
			tx.Transmit(out)
			// Echo protection: 200 ms of carrier from the start; data
			// from 1 s on (after the 0.7-0.9 s of training).
			if got := level(out[400:1200]); math.Abs(got-dBm0) > 0.1 {
				t.Errorf("%d bit/s at %v dBm0: echo protection tone at %.2f dBm0", rate, dBm0, got)
			}
			if got := level(out[8000*5/4:]); math.Abs(got-dBm0) > 0.25 {
				t.Errorf("%d bit/s at %v dBm0: data at %.2f dBm0", rate, dBm0, got)
			}
		}
	}
}

// TestNoAllocations: Receive and Transmit do not allocate, in training
// or in data.
func TestNoAllocations(t *testing.T) {
	for _, rate := range []int{4800, 2400} {
		tx, err := v27ter.NewTransmitter(rate, &loopSource{bits: randomBits(2, 1000)})
		if err != nil {
			t.Fatal(err)
		}
		rx, err := v27ter.NewReceiver(rate, &discard{})
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]int16, frame)
		if n := testing.AllocsPerRun(300, func() {
			tx.Transmit(buf)
			rx.Receive(buf)
		}); n != 0 {
			t.Errorf("%d bit/s: %v allocations per frame", rate, n)
		}
	}
}

// TestAfterV21: in T.30 the training follows a V.21 message (1650/1850
// Hz at -13 dBm0, here longer than the 1 s in which a carrier must show
// its training) after 75 +/- 20 ms of silence. The receiver, which has
// failed the V.21 carrier, must see it end in the gap and then train on
// the V.27ter signal.
func TestAfterV21(t *testing.T) {
	for _, rate := range []int{4800, 2400} {
		for _, gap := range []int{55, 75, 95} {
			t.Run(fmt.Sprintf("%d/%d ms", rate, gap), func(t *testing.T) {
				a := media.SineAmplitude(-13)
				var audio []int16
				for i := range 12000 { // 1.5 s swinging between 1650 and 1850 Hz
					audio = append(audio, int16(a*math.Sin(2*math.Pi*1750*float64(i)/8000+0.4*math.Sin(2*math.Pi*150*float64(i)/8000))))
				}
				audio = append(audio, make([]int16, gap*8)...)
				data := randomBits(uint64(gap), 2*rate)
				tx, err := v27ter.NewTransmitter(rate, &bitSource{bits: data})
				if err != nil {
					t.Fatal(err)
				}
				audio = append(audio, transmit(t, tx)...)
				audio = append(audio, make([]int16, 800)...)
				rec := &recorder{}
				rx, err := v27ter.NewReceiver(rate, rec)
				if err != nil {
					t.Fatal(err)
				}
				receive(rx, audio, 80)
				want := []modem.Status{modem.CarrierUp, modem.TrainingFailed, modem.CarrierDown, modem.CarrierUp, modem.TrainingSucceeded, modem.CarrierDown}
				if !slices.Equal(rec.status, want) {
					t.Fatalf("status %v, want %v", rec.status, want)
				}
				got, _ := rec.bitsAfter(modem.TrainingSucceeded)
				if len(got) < len(data) || bitErrors(got[:len(data)], data) != 0 {
					t.Errorf("%d bits after training, %d of the data wrong", len(got), bitErrors(got, data))
				}
			})
		}
	}
}

// TestNoData: a source that ends at once gives the training and the
// turn-off only; the receiver trains and gets nothing but the turn-off's
// ones. The transmitter, ended, writes nothing more until Restart.
func TestNoData(t *testing.T) {
	for _, rate := range []int{4800, 2400} {
		tx, err := v27ter.NewTransmitter(rate, &bitSource{})
		if err != nil {
			t.Fatal(err)
		}
		audio := transmit(t, tx)
		// Training (0.71 s or 0.94 s) and 20 ms of turn-off.
		if d := float64(len(audio)) / 8; d < 700 || d > 1000 {
			t.Errorf("%d bit/s: the signal lasts %.0f ms", rate, d)
		}
		if n := tx.Transmit(make([]int16, 80)); n != 0 {
			t.Errorf("%d bit/s: %d samples after the end", rate, n)
		}
		rec := &recorder{}
		rx, err := v27ter.NewReceiver(rate, rec)
		if err != nil {
			t.Fatal(err)
		}
		receive(rx, append(audio, make([]int16, 800)...), 80)
		checkReception(t, rec, nil)
		if err := tx.Restart(rate); err != nil {
			t.Fatal(err)
		}
		if tx.Transmit(make([]int16, 80)) != 80 {
			t.Errorf("%d bit/s: nothing after Restart", rate)
		}
	}
}

// TestBackToBack: two signals 55 ms apart (T.30's shortest gap, as
// between TCF and a page) are two carriers, each trained, each with its
// data, without a Restart between them.
func TestBackToBack(t *testing.T) {
	for _, rate := range []int{4800, 2400} {
		first, second := randomBits(21, rate), randomBits(22, 2*rate)
		tx, err := v27ter.NewTransmitter(rate, &bitSource{bits: first})
		if err != nil {
			t.Fatal(err)
		}
		audio := append(transmit(t, tx), make([]int16, 55*8)...)
		tx, err = v27ter.NewTransmitter(rate, &bitSource{bits: second})
		if err != nil {
			t.Fatal(err)
		}
		audio = append(audio, transmit(t, tx)...)
		audio = append(audio, make([]int16, 800)...)
		rec := &recorder{}
		rx, err := v27ter.NewReceiver(rate, rec)
		if err != nil {
			t.Fatal(err)
		}
		receive(rx, audio, 80)
		want := []modem.Status{modem.CarrierUp, modem.TrainingSucceeded, modem.CarrierDown, modem.CarrierUp, modem.TrainingSucceeded, modem.CarrierDown}
		if !slices.Equal(rec.status, want) {
			t.Fatalf("%d bit/s: status %v, want %v", rate, rec.status, want)
		}
		one, two := rec.bits[rec.at[1]:rec.at[2]], rec.bits[rec.at[4]:]
		if len(one) < len(first) || bitErrors(one, first) != 0 || len(two) < len(second) || bitErrors(two, second) != 0 {
			t.Errorf("%d bit/s: %d and %d bits wrong", rate, bitErrors(one, first), bitErrors(two, second))
		}
	}
}
