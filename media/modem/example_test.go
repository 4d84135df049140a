package modem_test

import (
	"fmt"

	"github.com/potsgate/potsgate/media/modem"
	"github.com/potsgate/potsgate/media/modem/v29"
)

// pattern is a Source: 0101... for n bits, then EndOfData.
type pattern struct{ n, sent int }

func (p *pattern) Bit() int {
	if p.sent == p.n {
		return modem.EndOfData
	}
	p.sent++
	return p.sent & 1
}

// tally is a Sink counting what a receiver gives it.
type tally struct {
	ones, zeros int
	status      []modem.Status
}

func (t *tally) Bit(b int) {
	if b == 1 {
		t.ones++
	} else {
		t.zeros++
	}
}
func (t *tally) Status(s modem.Status) { t.status = append(t.status, s) }

// A transmitter and a receiver of the same modem, joined by audio: the
// receiver reports the carrier and the training before the data bits.
func Example() {
	tx, _ := v29.NewTransmitter(9600, &pattern{n: 9600})
	got := &tally{}
	rx, _ := v29.NewReceiver(9600, got)
	frame := make([]int16, 80) // 10 ms
	for {
		n := tx.Transmit(frame)
		clear(frame[n:])
		rx.Receive(frame)
		if n < len(frame) {
			break
		}
	}
	rx.Receive(make([]int16, 800)) // silence after the signal
	fmt.Println(got.status)
	fmt.Println(got.ones >= 4800, got.zeros >= 4800)
	// Output:
	// [carrier-up training-succeeded carrier-down]
	// true true
}
