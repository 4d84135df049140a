package v21_test

import (
	"fmt"

	"github.com/potsgate/potsgate/media/modem"
	"github.com/potsgate/potsgate/media/modem/hdlc"
	"github.com/potsgate/potsgate/media/modem/v21"
)

type show struct{ rx *hdlc.Receiver }

func (s show) Bit(b int)              { s.rx.Bit(b) }
func (s show) Status(st modem.Status) { fmt.Println(st) }
func (show) Event(hdlc.Event)         {}
func (show) Frame(f []byte, ok bool)  { fmt.Printf("%x %v\n", f, ok) }

func Example() {
	src := hdlc.NewTransmitter(20, 0)
	_ = src.Queue([]byte{0xFF, 0x13, 0xFB}, false) // DCN
	src.End()
	tx := v21.NewTransmitter(src)
	s := show{}
	s.rx = hdlc.NewReceiver(s, 2, 0)
	rx := v21.NewReceiver(s)
	buf := make([]int16, 160)
	for {
		n := tx.Transmit(buf)
		clear(buf[n:])
		rx.Receive(buf)
		if n == 0 {
			break
		}
	}
	rx.Receive(make([]int16, 800))
	// Output:
	// carrier-up
	// ff13fb true
	// carrier-down
}
