package v29_test

import (
	"fmt"

	"github.com/potsgate/potsgate/media/modem"
	"github.com/potsgate/potsgate/media/modem/v29"
)

// bytesSource sends bytes least significant bit first, then EndOfData.
type bytesSource struct {
	data []byte
	bit  int
}

func (s *bytesSource) Bit() int {
	if s.bit >= 8*len(s.data) {
		return modem.EndOfData
	}
	b := int(s.data[s.bit/8]>>(s.bit%8)) & 1
	s.bit++
	return b
}

// bytesSink packs the bits back into bytes and prints the statuses.
type bytesSink struct {
	data []byte
	n    int
}

func (s *bytesSink) Bit(b int) {
	if s.n%8 == 0 {
		s.data = append(s.data, 0)
	}
	s.data[len(s.data)-1] |= byte(b) << (s.n % 8)
	s.n++
}

func (s *bytesSink) Status(st modem.Status) { fmt.Println(st) }

// A transmitter at 9600 bit/s feeds a receiver 10 ms at a time: the
// receiver reports the carrier, the training, the data and the carrier's
// end.
func Example() {
	msg := []byte("V.29 at 9600 bit/s")
	tx, err := v29.NewTransmitter(9600, &bytesSource{data: msg})
	if err != nil {
		panic(err)
	}
	tx.SetLevel(-20) // dBm0
	sink := &bytesSink{}
	rx, err := v29.NewReceiver(9600, sink)
	if err != nil {
		panic(err)
	}
	frame := make([]int16, 80)
	for {
		n := tx.Transmit(frame)
		clear(frame[n:]) // silence after the turn-off
		rx.Receive(frame)
		if n == 0 {
			break
		}
	}
	rx.Receive(make([]int16, 160)) // 20 ms more of silence
	fmt.Printf("%q\n", sink.data[:len(msg)])
	// Output:
	// carrier-up
	// training-succeeded
	// carrier-down
	// "V.29 at 9600 bit/s"
}
