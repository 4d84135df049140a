package v17_test

import (
	"fmt"

	"github.com/potsgate/potsgate/media/modem"
	"github.com/potsgate/potsgate/media/modem/v17"
)

// octets is a Source of some octets, least significant bit first.
type octets struct {
	data []byte
	n    int
}

func (o *octets) Bit() int {
	if o.n == 8*len(o.data) {
		return modem.EndOfData
	}
	b := int(o.data[o.n/8] >> (o.n % 8) & 1)
	o.n++
	return b
}

// collect keeps a receiver's bits as octets and prints its statuses.
type collect struct {
	data []byte
	n    int
}

func (c *collect) Bit(b int) {
	if c.n%8 == 0 {
		c.data = append(c.data, 0)
	}
	c.data[c.n/8] |= byte(b) << (c.n % 8)
	c.n++
}

func (c *collect) Status(s modem.Status) { fmt.Println(s) }

func Example() {
	msg := []byte("fax page at 14400 bit/s")
	tx, err := v17.NewTransmitter(14400, &octets{data: msg})
	if err != nil {
		panic(err)
	}
	got := &collect{}
	rx, err := v17.NewReceiver(14400, got)
	if err != nil {
		panic(err)
	}
	frame := make([]int16, 80) // 10 ms
	for {
		n := tx.Transmit(frame)
		rx.Receive(frame[:n])
		if n < len(frame) {
			break
		}
	}
	rx.Receive(make([]int16, 1600)) // the line goes quiet
	fmt.Printf("%q\n", got.data[:len(msg)])
	// Output:
	// carrier-up
	// training-succeeded
	// carrier-down
	// "fax page at 14400 bit/s"
}
