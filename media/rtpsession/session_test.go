package rtpsession

import (
	"errors"
	"math"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/potsgate/potsgate/media"
	"github.com/potsgate/potsgate/media/g711"
)

// clock is a manual clock shared by the sessions of a test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Unix(1_700_000_000, 0)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func listen(t testing.TB) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func addrOf(c net.PacketConn) netip.AddrPort {
	return c.LocalAddr().(*net.UDPAddr).AddrPort()
}

func newSession(t testing.TB, cfg Config) *Session {
	t.Helper()
	if cfg.Conn == nil {
		cfg.Conn = listen(t)
	}
	if cfg.Codec == nil {
		cfg.Codec = g711.PCMU
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// waitReceived waits until s has accepted n RTP packets.
func waitReceived(t testing.TB, s *Session, n uint64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for s.Stats().PacketsReceived < n {
		if time.Now().After(deadline) {
			t.Fatalf("received %d packets, want %d", s.Stats().PacketsReceived, n)
		}
		runtime.Gosched()
		time.Sleep(100 * time.Microsecond)
	}
}

func toneFrame(dst []int16, start int, freq, amp float64) []int16 {
	for i := range dst {
		dst[i] = int16(amp * math.Sin(2*math.Pi*freq*float64(start+i)/media.SampleRate))
	}
	return dst
}

// bestSNR aligns got against the tone and returns the SNR in dB.
func bestSNR(got []int16, freq, amp float64) (float64, int) {
	best, bestLag := math.Inf(-1), 0
	for lag := 0; lag < 1200; lag++ {
		var sig, noise float64
		for i := 2000; i < len(got); i++ {
			ref := amp * math.Sin(2*math.Pi*freq*float64(i-lag)/media.SampleRate)
			sig += ref * ref
			d := ref - float64(got[i])
			noise += d * d
		}
		if snr := 10 * math.Log10(sig/noise); snr > best {
			best, bestLag = snr, lag
		}
	}
	return best, bestLag
}

func TestToneBetweenSessions(t *testing.T) {
	for _, tc := range []struct {
		codec media.Codec
		ptime time.Duration
	}{{g711.PCMU, 20 * time.Millisecond}, {g711.PCMA, 30 * time.Millisecond}, {g711.PCMU, 10 * time.Millisecond}} {
		t.Run(tc.codec.Name()+"/"+tc.ptime.String(), func(t *testing.T) {
			clk := newClock()
			ca, cb := listen(t), listen(t)
			a := newSession(t, Config{Conn: ca, Remote: addrOf(cb), Codec: tc.codec, PacketTime: tc.ptime, Now: clk.Now})
			b := newSession(t, Config{Conn: cb, Remote: addrOf(ca), Codec: tc.codec, PacketTime: tc.ptime, Now: clk.Now})
			frame := make([]int16, 80)
			var got []int16
			per := int(tc.ptime / (10 * time.Millisecond))
			for i := range 300 {
				if err := a.WriteFrame(toneFrame(frame, i*80, 1000, 12000)); err != nil {
					t.Fatal(err)
				}
				if (i+1)%per == 0 {
					waitReceived(t, b, uint64((i+1)/per))
				}
				b.ReadFrame(frame)
				got = append(got, frame...)
				clk.Advance(10 * time.Millisecond)
			}
			snr, lag := bestSNR(got, 1000, 12000)
			st := b.Stats()
			t.Logf("SNR %.1f dB at a delay of %d samples; receiver %+v", snr, lag, st)
			if snr < 30 {
				t.Errorf("SNR %.1f dB, want > 30", snr)
			}
			if st.Lost != 0 || st.Concealed != 0 || st.Late != 0 {
				t.Errorf("clean loopback: lost %d, concealed %d, late %d", st.Lost, st.Concealed, st.Late)
			}
			if as := a.Stats(); as.PacketsSent != uint64(300/per) || as.BytesSent != 300*80 {
				t.Errorf("sent %d packets %d bytes", as.PacketsSent, as.BytesSent)
			}
		})
	}
}

// relay reads what a session sends to it and hands each packet to a
// function.
func relay(t testing.TB, c *net.UDPConn, fn func(b []byte)) {
	t.Helper()
	buf := make([]byte, 1500)
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	fn(buf[:n])
}

func TestLossReorderStatistics(t *testing.T) {
	clk := newClock()
	ca, cb, cr := listen(t), listen(t), listen(t)
	a := newSession(t, Config{Conn: ca, Remote: addrOf(cr), Now: clk.Now, RTCPInterval: -1})
	b := newSession(t, Config{Conn: cb, Remote: addrOf(ca), Now: clk.Now, RTCPInterval: -1})
	frame := make([]int16, 80)
	var held []byte
	forwarded, dropped := 0, 0
	const packets = 500
	for i := range 2 * packets {
		a.WriteFrame(toneFrame(frame, i*80, 440, 8000))
		if i%2 == 1 {
			k := i / 2
			relay(t, cr, func(p []byte) {
				switch {
				case k%10 == 3: // 10 % loss
					dropped++
				case k%50 == 7: // hold back one packet: reordered
					held = append([]byte(nil), p...)
				default:
					cr.WriteToUDPAddrPort(p, addrOf(cb))
					forwarded++
					if held != nil {
						cr.WriteToUDPAddrPort(held, addrOf(cb))
						forwarded++
						held = nil
					}
				}
			})
			waitReceived(t, b, uint64(forwarded))
		}
		b.ReadFrame(frame)
		clk.Advance(10 * time.Millisecond)
	}
	st := b.Stats()
	t.Logf("dropped %d, receiver %+v", dropped, st)
	if st.Lost != int64(dropped) {
		t.Errorf("lost %d, want %d", st.Lost, dropped)
	}
	if st.Concealed < uint64(dropped)-2 || st.Concealed > uint64(dropped)+5 {
		t.Errorf("concealed %d, want about %d", st.Concealed, dropped)
	}
	if st.Late != 0 {
		t.Errorf("late %d: a packet held back by 20 ms fits in the buffer", st.Late)
	}
	// Reordering by one packet time makes transit differences of 20 ms
	// once every 50 packets; jitter stays small but non-zero.
	if st.Jitter <= 0 || st.Jitter > 10*time.Millisecond {
		t.Errorf("jitter %v", st.Jitter)
	}

	// B's receiver report tells A about the loss.
	if err := b.SendReport(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for a.Stats().RTCPReceived == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	as := a.Stats()
	if as.RemoteLost != int32(dropped) || as.RemoteFractionLost != 25 {
		t.Errorf("A heard of %d lost, fraction %d/256; want %d, 25 (10 %%)", as.RemoteLost, as.RemoteFractionLost, dropped)
	}
}

func TestRFC4733Send(t *testing.T) {
	clk := newClock()
	capture := listen(t)
	a := newSession(t, Config{Remote: addrOf(capture), DTMFPayloadType: 101, Now: clk.Now, RTCPInterval: -1})
	frame := make([]int16, 80)
	for range 4 { // 40 ms of audio
		a.WriteFrame(frame)
		clk.Advance(10 * time.Millisecond)
	}
	if err := a.SendDTMF('#', 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := a.SendDTMF('x', time.Second); !errors.Is(err, ErrInvalidDigit) {
		t.Errorf("SendDTMF('x') = %v", err)
	}
	for range 16 { // digit, then 60 ms of audio
		a.WriteFrame(frame)
		clk.Advance(10 * time.Millisecond)
	}
	var pkts []rtp.Packet
	buf := make([]byte, 1500)
	capture.SetReadDeadline(time.Now().Add(time.Second))
	for {
		n, err := capture.Read(buf)
		if err != nil {
			break
		}
		var p rtp.Packet
		if err := p.Unmarshal(append([]byte(nil), buf[:n]...)); err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, p)
		capture.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	}
	var events []rtp.Packet
	ends := 0
	for i, p := range pkts {
		if i > 0 && p.SequenceNumber != pkts[i-1].SequenceNumber+1 {
			t.Errorf("sequence %d after %d", p.SequenceNumber, pkts[i-1].SequenceNumber)
		}
		if p.PayloadType == 101 {
			events = append(events, p)
			if len(p.Payload) != 4 || p.Payload[0] != 11 {
				t.Errorf("event payload %x, want event 11 (#)", p.Payload)
			}
			if p.Payload[1]&0x80 != 0 {
				ends++
				if d := int(p.Payload[2])<<8 | int(p.Payload[3]); d != 800 {
					t.Errorf("end duration %d, want 800 (100 ms)", d)
				}
			}
		}
	}
	if len(pkts) != 2+len(events)+3 || pkts[0].PayloadType != 0 || !pkts[0].Marker || pkts[1].Marker {
		t.Fatalf("%d packets, %d events: want 2 audio, events, 3 audio", len(pkts), len(events))
	}
	if ends != 3 {
		t.Errorf("%d end packets, want exactly 3", ends)
	}
	ts := events[0].Timestamp
	prev := 0
	for i, e := range events {
		d := int(e.Payload[2])<<8 | int(e.Payload[3])
		if e.Timestamp != ts || e.Marker != (i == 0) || d < prev {
			t.Errorf("event %d: ts %d marker %v duration %d", i, e.Timestamp, e.Marker, d)
		}
		prev = d
	}
	if want := pkts[0].Timestamp + 320; ts != want {
		t.Errorf("event timestamp %d, want %d (after 40 ms of audio)", ts, want)
	}
	after := pkts[len(pkts)-3]
	if after.PayloadType != 0 || !after.Marker || after.Timestamp != ts+800 {
		t.Errorf("audio after the digit: pt %d marker %v ts %d, want 0 true %d", after.PayloadType, after.Marker, after.Timestamp, ts+800)
	}

	// The same packets, sent to a session, make one start and one end.
	type ev struct {
		d   byte
		end bool
	}
	var mu sync.Mutex
	var got []ev
	cb := listen(t)
	b := newSession(t, Config{Conn: cb, DTMFPayloadType: 101, OnDTMF: func(d byte, end bool) {
		mu.Lock()
		got = append(got, ev{d, end})
		mu.Unlock()
	}})
	for _, p := range pkts {
		raw, _ := p.Marshal()
		capture.WriteToUDPAddrPort(raw, addrOf(cb))
	}
	waitReceived(t, b, uint64(len(pkts)))
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0] != (ev{'#', false}) || got[1] != (ev{'#', true}) {
		t.Errorf("OnDTMF calls %v, want start and end of #", got)
	}
	if st := b.Stats(); st.DTMFReceived != 1 {
		t.Errorf("DTMFReceived %d", st.DTMFReceived)
	}
}

func TestSymmetricLatching(t *testing.T) {
	clk := newClock()
	ca, cb, nowhere := listen(t), listen(t), listen(t)
	a := newSession(t, Config{Conn: ca, Remote: addrOf(cb), Now: clk.Now, RTCPInterval: -1})
	// B was told a wrong address (as behind NAT): it latches to A.
	b := newSession(t, Config{Conn: cb, Remote: addrOf(nowhere), Symmetric: true, Now: clk.Now, RTCPInterval: -1})
	frame := make([]int16, 80)
	a.WriteFrame(frame)
	a.WriteFrame(frame)
	waitReceived(t, b, 1)
	if got := b.Remote(); got != addrOf(ca) {
		t.Fatalf("B's remote %v, want %v", got, addrOf(ca))
	}
	b.WriteFrame(frame)
	b.WriteFrame(frame)
	waitReceived(t, a, 1)
	if st := b.Stats(); st.Latched != 1 {
		t.Errorf("latched %d times", st.Latched)
	}
}

func TestDirection(t *testing.T) {
	clk := newClock()
	capture := listen(t)
	a := newSession(t, Config{Remote: addrOf(capture), Now: clk.Now, RTCPInterval: -1})
	frame := make([]int16, 80)
	a.WriteFrame(frame)
	a.WriteFrame(frame)
	a.SetDirection(false, false) // inactive
	for range 10 {
		a.WriteFrame(frame)
	}
	a.SetDirection(true, true)
	a.WriteFrame(frame)
	a.WriteFrame(frame)
	var p1, p2 rtp.Packet
	buf := make([]byte, 1500)
	capture.SetReadDeadline(time.Now().Add(time.Second))
	n, _ := capture.Read(buf)
	p1.Unmarshal(append([]byte(nil), buf[:n]...))
	n, _ = capture.Read(buf)
	p2.Unmarshal(append([]byte(nil), buf[:n]...))
	if p2.Timestamp != p1.Timestamp+160+800 || !p2.Marker || p2.SequenceNumber != p1.SequenceNumber+1 {
		t.Errorf("after hold: ts +%d marker %v seq +%d; want +960 true +1", p2.Timestamp-p1.Timestamp, p2.Marker, p2.SequenceNumber-p1.SequenceNumber)
	}
}

func TestConfigErrors(t *testing.T) {
	c := listen(t)
	defer c.Close()
	for _, cfg := range []Config{
		{Codec: g711.PCMU},
		{Conn: c},
		{Conn: c, Codec: g711.PCMU, PacketTime: 15 * time.Millisecond},
		{Conn: c, Codec: g711.PCMU, PacketTime: 80 * time.Millisecond},
		{Conn: c, Codec: g711.PCMU, DTMFPayloadType: 0 + 200},
	} {
		if _, err := New(cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("New(%+v) = %v, want ErrConfig", cfg, err)
		}
	}
	s := newSession(t, Config{})
	if err := s.SendDTMF('1', time.Second); !errors.Is(err, ErrNoDTMF) {
		t.Errorf("SendDTMF without payload type: %v", err)
	}
}

func TestCloseIdempotentNoLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 20 {
		s, err := New(Config{Conn: listen(t), RTCPConn: listen(t), Codec: g711.PCMA})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if err := s.WriteFrame(make([]int16, 80)); !errors.Is(err, ErrClosed) {
			t.Errorf("WriteFrame after Close: %v", err)
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Close, %d before", n, before)
	}
}

func TestPortAllocator(t *testing.T) {
	// Find a free block of 6 ports by binding the first.
	probe := listen(t)
	base := int(addrOf(probe).Port()) &^ 1
	probe.Close()
	if base+6 > 65535 {
		base = 40000
	}
	ip := netip.MustParseAddr("127.0.0.1")
	a := NewPortAllocator(ip, base, base+5)
	if a.Size() != 3 {
		t.Fatalf("size %d, want 3", a.Size())
	}
	var ports []int
	var conns []net.PacketConn
	for range 3 {
		r, c, p, err := a.Allocate()
		if err != nil {
			t.Fatal(err)
		}
		if p%2 != 0 || addrOf(r).Port() != uint16(p) || addrOf(c).Port() != uint16(p+1) {
			t.Errorf("pair %d: %v %v", p, addrOf(r), addrOf(c))
		}
		ports = append(ports, p)
		conns = append(conns, r, c)
	}
	if _, _, _, err := a.Allocate(); !errors.Is(err, ErrNoPorts) {
		t.Fatalf("4th Allocate: %v, want ErrNoPorts", err)
	}
	conns[2].Close()
	conns[3].Close()
	a.Release(ports[1])
	r, c, p, err := a.Allocate()
	if err != nil || p != ports[1] {
		t.Fatalf("after release: port %d, %v; want %d", p, err, ports[1])
	}
	r.Close()
	c.Close()
	a.Release(p)
	if a.InUse() != 2 {
		t.Errorf("in use %d", a.InUse())
	}
	for _, c := range conns {
		c.Close()
	}
	if NewPortAllocator(ip, 10, 9).Size() != 0 {
		t.Error("empty range has pairs")
	}
}

// discard is an in-memory PacketConn that drops what it is sent; reads
// block until Close.
type discard struct{ done chan struct{} }

func newDiscard() discard { return discard{done: make(chan struct{})} }

func (d discard) ReadFrom([]byte) (int, net.Addr, error) {
	<-d.done
	return 0, nil, net.ErrClosed
}
func (discard) WriteTo(b []byte, _ net.Addr) (int, error) { return len(b), nil }
func (d discard) Close() error {
	select {
	case <-d.done:
	default:
		close(d.done)
	}
	return nil
}
func (discard) LocalAddr() net.Addr              { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9} }
func (discard) SetDeadline(time.Time) error      { return nil }
func (discard) SetReadDeadline(time.Time) error  { return nil }
func (discard) SetWriteDeadline(time.Time) error { return nil }

func TestHotPathAllocations(t *testing.T) {
	clk := newClock()
	cb := listen(t)
	a := newSession(t, Config{Remote: addrOf(cb), Now: clk.Now, DTMFPayloadType: 101})
	b := newSession(t, Config{Conn: cb, Now: clk.Now, DTMFPayloadType: 101})
	frame := make([]int16, 80)
	send := func() {
		a.WriteFrame(frame)
		a.WriteFrame(frame)
		clk.Advance(20 * time.Millisecond)
	}
	for range 50 {
		send()
	}
	if n := testing.AllocsPerRun(200, send); n != 0 {
		t.Errorf("send path: %v allocations per packet", n)
	}
	// The receive path, without the socket: parse, jitter buffer, decode.
	var pkt [172]byte
	h := rtp.Header{Version: 2, SSRC: 9, PayloadType: 0}
	seq := uint16(0)
	from := netip.MustParseAddrPort("127.0.0.1:9")
	recv := func() {
		h.SequenceNumber = seq
		h.Timestamp = uint32(seq) * 160
		seq++
		h.MarshalTo(pkt[:])
		b.handlePacket(pkt[:], from, false)
		b.ReadFrame(frame)
		b.ReadFrame(frame)
		clk.Advance(20 * time.Millisecond)
	}
	for range 50 {
		recv()
	}
	if n := testing.AllocsPerRun(200, recv); n != 0 {
		t.Errorf("receive path: %v allocations per packet", n)
	}
}

func TestRTCPReports(t *testing.T) {
	clk := newClock()
	ca, cb := listen(t), listen(t)
	a := newSession(t, Config{Conn: ca, Remote: addrOf(cb), Now: clk.Now})
	b := newSession(t, Config{Conn: cb, Remote: addrOf(ca), Now: clk.Now})
	frame := make([]int16, 80)
	waitRTCP := func(s *Session, n uint64) {
		deadline := time.Now().Add(2 * time.Second)
		for s.Stats().RTCPReceived < n {
			if time.Now().After(deadline) {
				t.Fatalf("RTCP received %d, want %d", s.Stats().RTCPReceived, n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	// 12 s of audio from A by the injected clock: reports at 2.5 and 7.5 s
	// (the first after half an interval, then every 5 s). B must take a
	// report in before the clock moves on, or its delay since the last SR,
	// and so A's round trip, is off by the step.
	for i := range 1200 {
		a.WriteFrame(frame)
		waitRTCP(b, a.Stats().RTCPSent)
		b.ReadFrame(frame)
		if i%2 == 1 {
			waitReceived(t, b, uint64(i/2+1))
		}
		clk.Advance(10 * time.Millisecond)
	}
	if n := a.Stats().RTCPSent; n != 2 {
		t.Errorf("A sent %d reports in 12 s, want 2", n)
	}
	waitRTCP(b, a.Stats().RTCPSent)
	// B answers 300 ms after A's last sender report: A's round trip is the
	// network's (zero on the shared clock), DLSR taking out the 300 ms.
	rtcpBefore := a.Stats().RTCPReceived
	clk.Advance(300 * time.Millisecond)
	if err := b.SendReport(); err != nil {
		t.Fatal(err)
	}
	waitRTCP(a, rtcpBefore+1)
	st := a.Stats()
	if st.RoundTrip > time.Millisecond || st.RemoteLost != 0 || st.RemoteFractionLost != 0 {
		t.Errorf("A: round trip %v, remote lost %d (%d/256); want ~0, 0", st.RoundTrip, st.RemoteLost, st.RemoteFractionLost)
	}
}
