package v17_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

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
	return append(out, make([]int16, 800)...)
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
	return append(out, make([]int16, 800)...)
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
