package hdlc_test

import (
	"fmt"

	"github.com/potsgate/potsgate/media/modem"
	"github.com/potsgate/potsgate/media/modem/hdlc"
)

type printer struct{}

func (printer) Frame(f []byte, ok bool) { fmt.Printf("frame %x fcs ok %v\n", f, ok) }
func (printer) Event(e hdlc.Event)      { fmt.Println(e) }

func Example() {
	tx := hdlc.NewTransmitter(3, 0)
	_ = tx.Queue([]byte{0xFF, 0x13, 0xFB}, false) // a T.30 DCN
	tx.End()
	rx := hdlc.NewReceiver(printer{}, 2, 0)
	for b := tx.Bit(); b != modem.EndOfData; b = tx.Bit() {
		rx.Bit(b)
	}
	// Output:
	// framing
	// frame ff13fb fcs ok true
}
