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
	// The network announces V.21 and sends a DCS for V.29 at 9600 bit/s
	// (T.38 carries HDLC octets first bit first: ff 13 83 00 86 1e 00).
	g.ReceiveIFP(&t38.IFP{Indicator: t38.V21Preamble})
	g.ReceiveIFP(&t38.IFP{IsData: true, DataType: t38.V21, Fields: []t38.Field{
		{Type: t38.HDLCData, Data: []byte{0xff, 0xc8, 0xc1, 0x00, 0x61, 0x78, 0x00}},
		{Type: t38.HDLCFCSOKSigEnd},
	}})
	in, out := make([]int16, faxrelay.FrameSamples), make([]int16, faxrelay.FrameSamples)
	loud := 0
	for range 200 { // 2 s of 10 ms frames: flags, the DCS, its end
		g.Audio(in, out)
		if out[0] != 0 || out[40] != 0 {
			loud++
		}
	}
	s := g.Stats()
	fmt.Println(s.Modulation, s.Rate, loud > 100)
	// Output:
	// v29 9600 true
}
