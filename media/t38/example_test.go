package t38_test

import (
	"fmt"

	"github.com/potsgate/potsgate/media/t38"
)

// A UDPTL datagram carrying a V.21 HDLC frame, with the previous packet
// (the V.21 preamble indicator) as redundancy, encoded and decoded.
func Example() {
	frame := t38.IFP{IsData: true, DataType: t38.V21, Fields: []t38.Field{{Type: t38.HDLCData, Data: []byte{0xff, 0x13, 0x80}}, {Type: t38.HDLCFCSOK}}}
	primary, _ := frame.Marshal()
	preamble, _ := (&t38.IFP{Indicator: t38.V21Preamble}).Marshal()
	datagram, _ := (&t38.UDPTL{Seq: 2, Primary: primary, Secondary: [][]byte{preamble}}).Marshal()
	fmt.Printf("%x\n", datagram)

	var u t38.UDPTL
	var got t38.IFP
	if err := u.Unmarshal(datagram); err == nil && got.Unmarshal(u.Primary) == nil {
		fmt.Println(u.Seq, got)
	}
	// Output:
	// 000209c002800002ff13801000010106
	// 2 v21 hdlc-data:ff1380 hdlc-fcs-OK:
}
