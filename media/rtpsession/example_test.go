package rtpsession_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/potsgate/potsgate/media/g711"
	"github.com/potsgate/potsgate/media/rtpsession"
)

func Example() {
	ports := rtpsession.NewPortAllocator(netip.MustParseAddr("127.0.0.1"), 30000, 30099)
	rtpA, rtcpA, portA, _ := ports.Allocate()
	rtpB, rtcpB, portB, _ := ports.Allocate()
	defer ports.Release(portA)
	defer ports.Release(portB)
	lo := netip.MustParseAddr("127.0.0.1")

	a, _ := rtpsession.New(rtpsession.Config{Conn: rtpA, RTCPConn: rtcpA, Codec: g711.PCMA,
		Remote: netip.AddrPortFrom(lo, uint16(portB)), DTMFPayloadType: 101})
	defer a.Close()
	digits := make(chan byte, 1)
	b, _ := rtpsession.New(rtpsession.Config{Conn: rtpB, RTCPConn: rtcpB, Codec: g711.PCMA,
		Remote: netip.AddrPortFrom(lo, uint16(portA)), DTMFPayloadType: 101,
		OnDTMF: func(d byte, end bool) {
			if end {
				digits <- d
			}
		}})
	defer b.Close()

	// The line of A sends 10 ms frames; a digit replaces the audio for 80 ms.
	_ = a.SendDTMF('7', 80*time.Millisecond)
	frame := make([]int16, 80)
	for range 10 {
		_ = a.WriteFrame(frame)
	}
	fmt.Printf("digit %c\n", <-digits)
	fmt.Println(a.Stats().DTMFSent, b.Stats().DTMFReceived)
	// Output:
	// digit 7
	// 1 1
}
