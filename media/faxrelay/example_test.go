package faxrelay_test

import (
	"fmt"

	"github.com/potsgate/potsgate/media/faxrelay"
	"github.com/potsgate/potsgate/media/t38"
)

// printer is a Sender that prints what the gateway sends.
type printer struct{}

func (printer) SendIFP(p *t38.IFP) { fmt.Println(p) }

func Example() {
	g, err := faxrelay.New(faxrelay.Config{MaxRate: 9600, ECM: true}, printer{})
	if err != nil {
		panic(err)
	}
	// The network announces a V.21 signal: the fax machine hears flags.
	g.ReceiveIFP(&t38.IFP{Indicator: t38.V21Preamble})
	in, out := make([]int16, faxrelay.FrameSamples), make([]int16, faxrelay.FrameSamples)
	for range 100 { // 1 s of 10 ms frames
		g.Audio(in, out)
		// A machine that hears itself: the gateway demodulates the
		// flags and announces them the other way.
		copy(in, out)
	}
	fmt.Println(g.Stats().PacketsReceived, "received")
	// Output:
	// v21-preamble
	// 1 received
}
