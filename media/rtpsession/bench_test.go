package rtpsession

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"github.com/potsgate/potsgate/media/g711"
)

// The send benchmarks compare, per 20 ms G.711 packet, our path (encode,
// header MarshalTo into a reused buffer, write) with pion's Packetizer and
// Packet.Marshal on the same encoder and the same discarding PacketConn.

func BenchmarkSendPacket(b *testing.B) {
	clk := newClock()
	s := newSession(b, Config{Conn: newDiscard(), Remote: netip.MustParseAddrPort("127.0.0.1:9"), Now: clk.Now, RTCPInterval: -1})
	frame := toneFrame(make([]int16, 80), 0, 440, 8000)
	b.ReportAllocs()
	for b.Loop() {
		s.WriteFrame(frame)
		s.WriteFrame(frame)
	}
	if s.Stats().PacketsSent == 0 {
		b.Fatal("nothing sent")
	}
}

func BenchmarkSendPacketPion(b *testing.B) {
	enc := g711.PCMU.NewEncoder()
	p := rtp.NewPacketizer(1200, 0, 1234, &codecs.G711Payloader{}, rtp.NewRandomSequencer(), 8000)
	frame := toneFrame(make([]int16, 160), 0, 440, 8000)
	var conn net.PacketConn = newDiscard()
	to := net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:9"))
	var payload []byte
	b.ReportAllocs()
	for b.Loop() {
		payload, _ = enc.Encode(payload[:0], frame)
		for _, pkt := range p.Packetize(payload, 160) {
			raw, err := pkt.Marshal()
			if err != nil {
				b.Fatal(err)
			}
			conn.WriteTo(raw, to)
		}
	}
}

// BenchmarkReceivePacket is the receive path per 20 ms packet without the
// socket: parse, jitter buffer, decode two 10 ms frames.
func BenchmarkReceivePacket(b *testing.B) {
	clk := newClock()
	s := newSession(b, Config{Conn: newDiscard(), Now: clk.Now, RTCPInterval: -1})
	pkt := make([]byte, 172)
	h := rtp.Header{Version: 2, SSRC: 9}
	frame := make([]int16, 80)
	from := netip.MustParseAddrPort("127.0.0.1:9")
	seq := uint16(0)
	b.ReportAllocs()
	for b.Loop() {
		h.SequenceNumber = seq
		h.Timestamp = uint32(seq) * 160
		seq++
		h.MarshalTo(pkt)
		s.handlePacket(pkt, from, false)
		s.ReadFrame(frame)
		s.ReadFrame(frame)
		clk.Advance(20 * time.Millisecond)
	}
	if st := s.Stats(); st.Concealed > 10 {
		b.Fatalf("concealed %d", st.Concealed)
	}
}

// BenchmarkUDPLoopback sends 20 ms packets from one session to another
// through 127.0.0.1 (two syscalls and the receive goroutine per packet).
func BenchmarkUDPLoopback(b *testing.B) {
	ca, cb := listen(b), listen(b)
	a := newSession(b, Config{Conn: ca, Remote: addrOf(cb), RTCPInterval: -1})
	r := newSession(b, Config{Conn: cb, RTCPInterval: -1})
	frame := make([]int16, 80)
	b.ReportAllocs()
	for b.Loop() {
		a.WriteFrame(frame)
		a.WriteFrame(frame)
	}
	b.StopTimer()
	b.ReportMetric(float64(r.Stats().PacketsReceived)/float64(b.N), "received/op")
}
