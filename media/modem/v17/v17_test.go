package v17_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/potsgate/potsgate/media"
	"github.com/potsgate/potsgate/media/modem"
	"github.com/potsgate/potsgate/media/modem/v17"
)

// bits is a Source of given bits, then EndOfData.
type bits struct {
	b []int
	n int
}

func (s *bits) Bit() int {
	if s.n >= len(s.b) {
		return modem.EndOfData
	}
	s.n++
	return s.b[s.n-1]
}

// sink records what a receiver reports.
type sink struct {
	bits   []int
	status []modem.Status
	at     []int // len(bits) at each status
}

func (s *sink) Bit(b int) { s.bits = append(s.bits, b) }
func (s *sink) Status(st modem.Status) {
	s.status = append(s.status, st)
	s.at = append(s.at, len(s.bits))
}

func randomBits(n int, seed uint64) []int {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]int, n)
	for i := range b {
		b[i] = int(r.Uint32() & 1)
	}
	return b
}

// modulate is the whole signal of a transmitter sending data, after
// lead samples of silence.
func modulate(t testing.TB, rate int, short bool, data []int, lead int, level float64) []int16 {
	t.Helper()
	tx, err := v17.NewTransmitter(rate, &bits{b: data})
	if err != nil {
		t.Fatal(err)
	}
	if short {
		if err := tx.Restart(rate, true); err != nil {
			t.Fatal(err)
		}
	}
	tx.SetLevel(level)
	out := make([]int16, lead)
	buf := make([]int16, 160)
	for {
		n := tx.Transmit(buf)
		out = append(out, buf[:n]...)
		if n < len(buf) {
			break
		}
	}
	return append(out, make([]int16, 1600)...)
}

// firstDiff is the index of the first difference between want and the
// start of got, or -1.
func firstDiff(want, got []int) int {
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			return i
		}
	}
	return -1
}

func TestLoopbackLong(t *testing.T) {
	for _, rate := range []int{14400, 12000, 9600, 7200} {
		data := randomBits(rate*2, uint64(rate))
		sig := modulate(t, rate, false, data, 1234, -13)
		s := &sink{}
		rx, err := v17.NewReceiver(rate, s)
		if err != nil {
			t.Fatal(err)
		}
		for off := 0; off < len(sig); off += 160 {
			rx.Receive(sig[off:min(off+160, len(sig))])
		}
		t.Logf("%d: status %v at %v, %d bits", rate, s.status, s.at, len(s.bits))
		if d := firstDiff(data, s.bits); d >= 0 {
			t.Errorf("%d: first difference at bit %d of %d", rate, d, len(data))
		}
	}
}

// twoBursts is a long-trained burst with first, 200 ms of silence and a
// short-trained burst with second, from our transmitter.
func twoBursts(t testing.TB, rate int, first, second []int, level float64) []int16 {
	t.Helper()
	tx, err := v17.NewTransmitter(rate, &bits{b: first})
	if err != nil {
		t.Fatal(err)
	}
	tx.SetLevel(level)
	out := make([]int16, 500)
	buf := make([]int16, 80)
	burst := func() {
		for {
			n := tx.Transmit(buf)
			out = append(out, buf[:n]...)
			if n < len(buf) {
				return
			}
		}
	}
	burst()
	out = append(out, make([]int16, 1600)...)
	txSecond, err := v17.NewTransmitter(rate, &bits{b: second})
	if err != nil {
		t.Fatal(err)
	}
	tx = txSecond
	tx.SetLevel(level)
	if err := tx.Restart(rate, true); err != nil {
		t.Fatal(err)
	}
	burst()
	return append(out, make([]int16, 1600)...)
}

// checkTwoBursts checks a receiver's report of two bursts.
func checkTwoBursts(t *testing.T, s *sink, first, second []int) {
	t.Helper()
	want := []modem.Status{modem.CarrierUp, modem.TrainingSucceeded, modem.CarrierDown, modem.CarrierUp, modem.TrainingSucceeded, modem.CarrierDown}
	if fmt.Sprint(s.status) != fmt.Sprint(want) {
		t.Fatalf("statuses %v at %v, want %v", s.status, s.at, want)
	}
	if d := firstDiff(first, s.bits[s.at[1]:s.at[2]]); d >= 0 {
		t.Errorf("long burst: first difference at bit %d of %d", d, len(first))
	}
	if d := firstDiff(second, s.bits[s.at[4]:s.at[5]]); d >= 0 {
		t.Errorf("short burst: first difference at bit %d of %d: %v", d, len(second), diffs(second, s.bits[s.at[4]:s.at[5]]))
	}
}

func TestLoopbackShort(t *testing.T) {
	for _, rate := range []int{14400, 12000, 9600, 7200} {
		t.Run(fmt.Sprint(rate), func(t *testing.T) {
			first := randomBits(rate/2, uint64(rate)+1)
			second := randomBits(rate, uint64(rate)+2)
			sig := twoBursts(t, rate, first, second, -13)
			checkTwoBursts(t, receive(t, rate, true, sig), first, second)
		})
	}
}

// diffs lists where got differs from want (at most 20).
func diffs(want, got []int) []int {
	var d []int
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			d = append(d, i)
			if len(d) == 20 {
				break
			}
		}
	}
	return d
}

func TestRates(t *testing.T) {
	for _, rate := range []int{4800, 2400, 0, 14401, 16800} {
		if _, err := v17.NewTransmitter(rate, &bits{}); !errors.Is(err, modem.ErrRate) {
			t.Errorf("NewTransmitter(%d): %v, want ErrRate", rate, err)
		}
		if _, err := v17.NewReceiver(rate, &sink{}); !errors.Is(err, modem.ErrRate) {
			t.Errorf("NewReceiver(%d): %v, want ErrRate", rate, err)
		}
	}
	tx, _ := v17.NewTransmitter(9600, &bits{})
	if err := tx.Restart(4800, false); !errors.Is(err, modem.ErrRate) {
		t.Errorf("Transmitter.Restart(4800): %v", err)
	}
	rx, _ := v17.NewReceiver(9600, &sink{})
	if err := rx.Restart(4800, true); !errors.Is(err, modem.ErrRate) {
		t.Errorf("Receiver.Restart(4800): %v", err)
	}
}

// TestNoAllocs: Transmit and Receive allocate nothing, training and data.
func TestNoAllocs(t *testing.T) {
	for _, rate := range []int{14400, 7200} {
		data := randomBits(rate*3, 3)
		tx, _ := v17.NewTransmitter(rate, &bits{b: data})
		rx, _ := v17.NewReceiver(rate, nopSink{})
		sig := modulate(t, rate, false, data, 100, -13)
		frame := make([]int16, 80)
		txAllocs := testing.AllocsPerRun(len(sig)/80-1, func() { tx.Transmit(frame) })
		off := 0
		rxAllocs := testing.AllocsPerRun(len(sig)/80-1, func() {
			rx.Receive(sig[off : off+80])
			off += 80
		})
		if txAllocs != 0 || rxAllocs != 0 {
			t.Errorf("%d: %v allocations per Transmit, %v per Receive", rate, txAllocs, rxAllocs)
		}
	}
}

// TestTransmitLevel: the training carries the power of a sine at the
// level set (media's dBm0: a +3.14 dBm0 sine is full scale), and the
// signal ends after the turn-off.
func TestTransmitLevel(t *testing.T) {
	for _, level := range []float64{-10, -13, -30} {
		tx, _ := v17.NewTransmitter(14400, &bits{})
		tx.SetLevel(level)
		buf := make([]int16, 8000)
		if n := tx.Transmit(buf); n != len(buf) {
			t.Fatalf("training ended after %d samples", n)
		}
		// Segment 2 (scrambled C D B A), 0.2-0.9 s in.
		var p float64
		for _, s := range buf[1600:7200] {
			p += float64(s) * float64(s)
		}
		p /= 5600
		a := media.SineAmplitude(level)
		got := 10 * math.Log10(p/(a*a/2))
		if math.Abs(got) > 0.3 {
			t.Errorf("level %g dBm0: training %.2f dB from it", level, got)
		}
		// EndOfData at once: the rest of training, turn-off, then nothing.
		total := 8000
		for {
			n := tx.Transmit(buf)
			total += n
			if n < len(buf) {
				break
			}
		}
		if n := tx.Transmit(buf); n != 0 {
			t.Errorf("Transmit after the end gave %d samples", n)
		}
		// Long training 3344 symbols, 32 of ones, 48 quiet: 10/3 samples each.
		if want := (3344 + 32 + 48) * 10 / 3; total < want-4 || total > want+4 {
			t.Errorf("signal of %d samples, want about %d", total, want)
		}
	}
}

// TestTrainingEitherWay: a receiver restarted for the short training
// takes a long one too (the length of segment 2 tells), so one set for
// short from the start receives the long burst and the short one after
// it without a restart between.
func TestTrainingEitherWay(t *testing.T) {
	for _, rate := range []int{14400, 9600} {
		first := randomBits(rate/2, uint64(rate)+21)
		second := randomBits(rate, uint64(rate)+22)
		sig := twoBursts(t, rate, first, second, -20)
		s := &sink{}
		rx, _ := v17.NewReceiver(rate, s)
		if err := rx.Restart(rate, true); err != nil {
			t.Fatal(err)
		}
		for off := 0; off < len(sig); off += 80 {
			rx.Receive(sig[off:min(off+80, len(sig))])
		}
		checkTwoBursts(t, s, first, second)
	}
}

// TestCarrierThreshold: a V.17 signal at -50 dBm0 is not a carrier; at
// -43 dBm0 it is, and trains.
func TestCarrierThreshold(t *testing.T) {
	data := randomBits(4800, 31)
	s := receive(t, 9600, false, modulate(t, 9600, false, data, 100, -50))
	if len(s.status) != 0 || len(s.bits) != 0 {
		t.Errorf("-50 dBm0: statuses %v, %d bits", s.status, len(s.bits))
	}
	s = receive(t, 9600, false, modulate(t, 9600, false, data, 100, -43))
	want := []modem.Status{modem.CarrierUp, modem.TrainingSucceeded, modem.CarrierDown}
	if fmt.Sprint(s.status) != fmt.Sprint(want) || firstDiff(data, s.bits[s.at[1]:]) >= 0 {
		t.Errorf("-43 dBm0: statuses %v", s.status)
	}
}
