package t38_test

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/potsgate/potsgate/media/t38"
)

// Two UDPTL sessions on loopback: one sends a V.21 frame (with the
// indicator before it as redundancy), the other hands it on in order.
func ExampleSession() {
	ca, _ := net.ListenPacket("udp", "127.0.0.1:0")
	cb, _ := net.ListenPacket("udp", "127.0.0.1:0")
	got := make(chan string, 2)
	b, _ := t38.NewSession(t38.SessionConfig{Conn: cb, OnIFP: func(seq uint16, p *t38.IFP) {
		got <- fmt.Sprint(seq, " ", p)
	}})
	defer b.Close()
	a, _ := t38.NewSession(t38.SessionConfig{Conn: ca, Remote: cb.LocalAddr().(*net.UDPAddr).AddrPort(), ControlRedundancy: 2})
	defer a.Close()
	b.SetRemote(netip.MustParseAddrPort(ca.LocalAddr().String()))

	_ = a.Send(&t38.IFP{Indicator: t38.V21Preamble})
	_ = a.Send(&t38.IFP{IsData: true, DataType: t38.V21, Fields: []t38.Field{{Type: t38.HDLCData, Data: []byte{0xff, 0x13, 0x80}}, {Type: t38.HDLCFCSOK}}})
	fmt.Println(<-got)
	fmt.Println(<-got)
	// Output:
	// 0 v21-preamble
	// 1 v21 hdlc-data:ff1380 hdlc-fcs-OK:
}
