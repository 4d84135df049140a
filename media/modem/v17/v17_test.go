package v17_test

import (
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
