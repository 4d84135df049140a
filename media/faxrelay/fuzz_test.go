package faxrelay_test

import (
	"testing"

	"github.com/potsgate/potsgate/media/faxrelay"
	"github.com/potsgate/potsgate/media/t38"
)

// FuzzReceiveIFP feeds a gateway a sequence of IFP packets (each a length
// octet and that many octets, decoded by media/t38; what does not decode
// is skipped), running a 10 ms frame after every packet: no sequence may
// crash it or make it send what cannot be encoded.
func FuzzReceiveIFP(f *testing.F) {
	seq := func(pkts ...[]byte) []byte {
		var b []byte
		for _, p := range pkts {
			b = append(b, byte(len(p)))
			b = append(b, p...)
		}
		return b
	}
	enc := func(p t38.IFP) []byte { b, _ := p.Marshal(); return b }
	f.Add(seq(enc(t38.IFP{Indicator: t38.V21Preamble}),
		enc(t38.IFP{IsData: true, DataType: t38.V21, Fields: []t38.Field{{Type: t38.HDLCData, Data: revAll(dcs14400)}, {Type: t38.HDLCFCSOKSigEnd}}}),
		enc(t38.IFP{Indicator: t38.V17_14400LongTraining}),
		enc(t38.IFP{IsData: true, DataType: t38.V17_14400, Fields: []t38.Field{{Type: t38.T4NonECMData, Data: []byte{0, 0, 1}}}}),
		enc(t38.IFP{IsData: true, DataType: t38.V17_14400, Fields: []t38.Field{{Type: t38.HDLCData, Data: []byte{0xff, 3}}, {Type: t38.HDLCFCSBad}}})))
	f.Add(seq(enc(t38.IFP{IsData: true, DataType: t38.V29_9600, Fields: []t38.Field{{Type: t38.T4NonECMSigEnd}}})))
	f.Add([]byte{1, 0x06, 3, 0xc0, 0x01, 0x20})
	f.Fuzz(func(t *testing.T, b []byte) {
		c := &collect{t: t}
		g, err := faxrelay.New(faxrelay.Config{ECM: true}, c)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]int16, 80)
		in := make([]int16, 80)
		for len(b) > 0 {
			n := int(b[0])
			b = b[1:]
			if n > len(b) {
				n = len(b)
			}
			var p t38.IFP
			if p.Unmarshal(b[:n]) == nil {
				g.ReceiveIFP(&p)
			}
			b = b[n:]
			g.Audio(in, out)
			copy(in, out) // the gateway hears itself: its receiver runs too
		}
		for range 50 {
			g.Audio(in, out)
		}
		if s := g.Stats(); s.BadPackets > s.PacketsReceived {
			t.Fatalf("%+v", s)
		}
	})
}
