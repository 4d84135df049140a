package rtpsession

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"github.com/potsgate/potsgate/media/g711"
	"github.com/potsgate/potsgate/media/srtp"
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

// lastPacket is a PacketConn that keeps the last packet written.
type lastPacket struct {
	discard
	buf []byte
}

func (l *lastPacket) WriteTo(b []byte, _ net.Addr) (int, error) {
	l.buf = append(l.buf[:0], b...)
	return len(b), nil
}

// BenchmarkSRTPOverhead measures, in the same run, one 20 ms G.711 packet
// sent by one session and received by another (encode, header, write;
// parse, jitter buffer, decode two 10 ms frames, without sockets) in
// plain RTP and in SRTP (AES_CM_128_HMAC_SHA1_80, protect and
// unprotect added), and reports the SRTP/RTP ratio.
func BenchmarkSRTPOverhead(b *testing.B) {
	ka, kb := newKeying(b, srtp.AES_CM_128_HMAC_SHA1_80), newKeying(b, srtp.AES_CM_128_HMAC_SHA1_80)
	type leg struct {
		clk      *clock
		out      *lastPacket
		tx, rx   *Session
		elapsed  time.Duration
		from     netip.AddrPort
		received func() uint64
	}
	mk := func(secure bool) *leg {
		l := &leg{clk: newClock(), out: &lastPacket{discard: newDiscard()}, from: netip.MustParseAddrPort("127.0.0.1:9")}
		cfg := Config{Conn: l.out, Remote: l.from, Now: l.clk.Now, RTCPInterval: -1}
		rcfg := Config{Conn: newDiscard(), Now: l.clk.Now, RTCPInterval: -1}
		if secure {
			cfg.SRTPSend, cfg.SRTPReceive = ka, kb
			rcfg.SRTPSend, rcfg.SRTPReceive = kb, ka
		}
		l.tx, l.rx = newSession(b, cfg), newSession(b, rcfg)
		return l
	}
	plain, secure := mk(false), mk(true)
	frame := toneFrame(make([]int16, 80), 0, 440, 8000)
	round := func(l *leg) {
		start := time.Now()
		l.tx.WriteFrame(frame)
		l.tx.WriteFrame(frame)
		l.rx.handlePacket(l.out.buf, l.from, false)
		l.rx.ReadFrame(frame)
		l.rx.ReadFrame(frame)
		l.elapsed += time.Since(start)
		l.clk.Advance(20 * time.Millisecond)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		round(plain)
		round(secure)
		n++
	}
	b.StopTimer()
	if p, s := plain.rx.Stats(), secure.rx.Stats(); p.PacketsReceived != uint64(n) || s.PacketsReceived != uint64(n) || s.SRTPAuthFailed != 0 {
		b.Fatalf("received plain %d, SRTP %d (auth failed %d) of %d", p.PacketsReceived, s.PacketsReceived, s.SRTPAuthFailed, n)
	}
	b.ReportMetric(float64(plain.elapsed.Nanoseconds())/float64(n), "rtp-ns/pkt")
	b.ReportMetric(float64(secure.elapsed.Nanoseconds())/float64(n), "srtp-ns/pkt")
	b.ReportMetric(float64(secure.elapsed)/float64(plain.elapsed), "srtp/rtp")
}
