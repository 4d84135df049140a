package v17

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/potsgate/potsgate/media/modem"
)

type rb struct {
	b []int
	n int
}

func (s *rb) Bit() int {
	if s.n >= len(s.b) {
		return modem.EndOfData
	}
	s.n++
	return s.b[s.n-1]
}

type cs struct {
	bits   []int
	status []modem.Status
	at     []int
}

func (s *cs) Bit(b int) { s.bits = append(s.bits, b) }
func (s *cs) Status(st modem.Status) {
	s.status = append(s.status, st)
	s.at = append(s.at, len(s.bits))
}

// shifted is a transmitter whose carrier is off by df Hz.
func shifted(rate int, data []int, df float64) []int16 {
	tx, _ := NewTransmitter(rate, &rb{b: data})
	out := make([]int16, 3000)
	buf := make([]int16, 1)
	n := 0
	for {
		// Rebuild the modulation row for this sample with the shifted carrier.
		w := 2 * math.Pi * (1800 + df) * float64(n) / 8000
		row := &tx.mod[tx.carrPos]
		p := 3 * (tx.carrPos + 1) % 10
		for i := range txTaps {
			c := tx.coef[p][txTaps-1-i]
			row[0][i] = c * math.Cos(w)
			row[1][i] = -c * math.Sin(w)
		}
		if tx.Transmit(buf) == 0 {
			break
		}
		out = append(out, buf[0])
		n++
	}
	return append(out, make([]int16, 1600)...)
}

// TestCarrierOffset: the receiver follows a carrier off by a few hertz.
func TestCarrierOffset(t *testing.T) {
	for _, rate := range []int{14400, 9600} {
		for _, df := range []float64{-7, -2, 2, 7} {
			r := rand.New(rand.NewPCG(uint64(rate), uint64(df+10)))
			data := make([]int, rate)
			for i := range data {
				data[i] = int(r.Uint32() & 1)
			}
			sig := shifted(rate, data, df)
			s := &cs{}
			rx, _ := NewReceiver(rate, s)
			for off := 0; off < len(sig); off += 80 {
				rx.Receive(sig[off:min(off+80, len(sig))])
			}
			ok := -1
			for i, st := range s.status {
				if st == modem.TrainingSucceeded {
					ok = i
				}
			}
			if ok < 0 {
				t.Errorf("%d %+g Hz: statuses %v", rate, df, s.status)
				continue
			}
			bad := 0
			got := s.bits[s.at[ok]:]
			for i := range data {
				if i >= len(got) || got[i] != data[i] {
					bad++
				}
			}
			if bad > 0 {
				t.Errorf("%d %+g Hz: %d bits wrong of %d", rate, df, bad, len(data))
			}
		}
	}
}
