package rtpsession

import (
	"net/netip"
	"testing"
	"time"
)

// FuzzReceive feeds arbitrary datagrams to the receive path (RTP, RFC 4733
// events and multiplexed RTCP) and reads frames after each: nothing may
// panic and every frame is filled.
func FuzzReceive(f *testing.F) {
	f.Add([]byte{0x80, 0x00, 0x00, 0x01, 0, 0, 0, 160, 0, 0, 0, 9, 0xff, 0xff})
	f.Add([]byte{0x80, 0xe5, 0x00, 0x02, 0, 0, 1, 0, 0, 0, 0, 9, 5, 0x8a, 0x03, 0x20})
	f.Add([]byte{0x81, 0xc8, 0x00, 0x0c, 0, 0, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1})
	f.Add([]byte{0x9f, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	clk := newClock()
	s := newSession(f, Config{Conn: newDiscard(), DTMFPayloadType: 101, Symmetric: true, Now: clk.Now, RTCPInterval: -1,
		OnDTMF: func(byte, bool) {}})
	from := netip.MustParseAddrPort("127.0.0.1:4000")
	frame := make([]int16, 80)
	f.Fuzz(func(t *testing.T, data []byte) {
		for off := 0; off < len(data); off += 97 {
			s.handlePacket(data[off:], from, false)
			s.handlePacket(data[off:], from, true)
			frame[0], frame[79] = 1, 1
			s.ReadFrame(frame)
			clk.Advance(10 * time.Millisecond)
		}
		_ = s.Stats()
	})
}
