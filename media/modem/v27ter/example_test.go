package v27ter_test

import (
	"fmt"

	"github.com/potsgate/potsgate/media/modem"
	"github.com/potsgate/potsgate/media/modem/v27ter"
)

// octets gives the bits of its text, least significant first, as V.27ter
// sends a byte stream.
type octets struct {
	text []byte
	bit  int
}

func (o *octets) Bit() int {
	if o.bit == 8*len(o.text) {
		return modem.EndOfData
	}
	b := int(o.text[o.bit/8]>>(o.bit%8)) & 1
	o.bit++
	return b
}

// printer collects the bits after training into bytes and prints the
// status changes.
type printer struct {
	trained bool
	bits    int
	cur     byte
	text    []byte
}

func (p *printer) Bit(b int) {
	if !p.trained {
		return
	}
	p.cur |= byte(b) << (p.bits % 8)
	if p.bits++; p.bits%8 == 0 {
		p.text = append(p.text, p.cur)
		p.cur = 0
	}
}

func (p *printer) Status(s modem.Status) {
	p.trained = p.trained || s == modem.TrainingSucceeded
	fmt.Println(s)
}

func Example() {
	tx, err := v27ter.NewTransmitter(4800, &octets{text: []byte("V.27ter at 4800 bit/s")})
	if err != nil {
		fmt.Println(err)
		return
	}
	p := &printer{}
	rx, err := v27ter.NewReceiver(4800, p)
	if err != nil {
		fmt.Println(err)
		return
	}
	frame := make([]int16, 80) // 10 ms
	for {
		n := tx.Transmit(frame)
		rx.Receive(frame[:n])
		if n < len(frame) {
			break
		}
	}
	clear(frame) // then the line is quiet
	for range 10 {
		rx.Receive(frame)
	}
	fmt.Printf("%q\n", p.text[:21])
	// Output:
	// carrier-up
	// training-succeeded
	// carrier-down
	// "V.27ter at 4800 bit/s"
}
