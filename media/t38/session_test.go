package t38

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"
)

// lossyConn drops the datagrams drop says to, before they leave.
type lossyConn struct {
	net.PacketConn
	mu   sync.Mutex
	n    int
	drop func(i int) bool
}

func (c *lossyConn) WriteTo(b []byte, a net.Addr) (int, error) {
	c.mu.Lock()
	i := c.n
	c.n++
	c.mu.Unlock()
	if c.drop != nil && c.drop(i) {
		return len(b), nil
	}
	return c.PacketConn.WriteTo(b, a)
}

func listen(t *testing.T) net.PacketConn {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func addrOf(c net.PacketConn) netip.AddrPort { return c.LocalAddr().(*net.UDPAddr).AddrPort() }

// got collects delivered packets.
type got struct {
	mu   sync.Mutex
	seqs []uint16
	ifps []string
}

func (g *got) on(seq uint16, p *IFP) {
	g.mu.Lock()
	g.seqs = append(g.seqs, seq)
	g.ifps = append(g.ifps, p.String())
	g.mu.Unlock()
}

func (g *got) len() int { g.mu.Lock(); defer g.mu.Unlock(); return len(g.seqs) }

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// pair makes a sending and a receiving session over loopback.
func pair(t *testing.T, tx SessionConfig, drop func(int) bool) (*Session, *Session, *got) {
	t.Helper()
	a, b := listen(t), listen(t)
	var g got
	rx, err := NewSession(SessionConfig{Conn: b, Remote: addrOf(a), OnIFP: g.on})
	if err != nil {
		t.Fatal(err)
	}
	tx.Conn = &lossyConn{PacketConn: a, drop: drop}
	tx.Remote = addrOf(b)
	s, err := NewSession(tx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(); _ = rx.Close() })
	return s, rx, &g
}

func imagePacket(i int) *IFP {
	return &IFP{IsData: true, DataType: V17_14400, Fields: []Field{{Type: T4NonECMData, Data: []byte{byte(i), byte(i >> 8), 0x55}}}}
}

func v21Packet(i int) *IFP {
	return &IFP{IsData: true, DataType: V21, Fields: []Field{{Type: HDLCData, Data: []byte{0xff, 0x13, byte(i)}}, {Type: HDLCFCSOK}}}
}

// TestSessionRedundancy: with 1 % and 3 % random loss of the datagrams,
// depth 2 for image data recovers every packet; without redundancy about
// the loss rate is lost, and counted.
func TestSessionRedundancy(t *testing.T) {
	for _, c := range []struct {
		loss  float64
		depth int
	}{{0.01, 2}, {0.03, 2}, {0.03, 0}} {
		t.Run(fmt.Sprintf("loss=%g/depth=%d", c.loss, c.depth), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(c.loss*1000)))
			dropped := 0
			const n = 2000
			s, rx, g := pair(t, SessionConfig{Redundancy: c.depth, ControlRedundancy: 4}, func(i int) bool {
				// Never two in a row at the end: the last packet has nothing after it to carry it.
				d := i < n-3 && rng.Float64() < c.loss
				if d {
					dropped++
				}
				return d
			})
			for i := range n {
				if err := s.Send(imagePacket(i)); err != nil {
					t.Fatal(err)
				}
				if i%50 == 0 {
					time.Sleep(time.Millisecond) // do not overrun the socket buffer
				}
			}
			st := func() SessionStats { return rx.Stats() }
			waitFor(t, "all delivered or lost", func() bool { x := st(); return x.Delivered+x.Lost >= n })
			x := st()
			t.Logf("%d of %d datagrams dropped; receiver %+v", dropped, n, x)
			if c.depth > 0 {
				if x.Lost != 0 || x.Delivered != n || x.Recovered != int64(dropped) {
					t.Errorf("depth %d: %+v, want all %d delivered, %d recovered", c.depth, x, n, dropped)
				}
			} else if x.Lost != int64(dropped) || x.Recovered != 0 {
				t.Errorf("no redundancy: %+v, want %d lost", x, dropped)
			}
			g.mu.Lock()
			defer g.mu.Unlock()
			for i := 1; i < len(g.seqs); i++ {
				if g.seqs[i] <= g.seqs[i-1] {
					t.Fatalf("out of order: %d after %d", g.seqs[i], g.seqs[i-1])
				}
			}
			if c.depth > 0 {
				for i, s := range g.ifps {
					if want := imagePacket(i).String(); s != want {
						t.Fatalf("packet %d: %s, want %s", i, s, want)
					}
				}
			}
			if s.Stats().Sent != n {
				t.Errorf("sent %d", s.Stats().Sent)
			}
		})
	}
}

// TestSessionControlRedundancy: V.21 packets carry ControlRedundancy
// secondaries, image packets Redundancy, and an image packet right after
// a control packet still carries that one.
func TestSessionControlRedundancy(t *testing.T) {
	a, b := listen(t), listen(t)
	defer b.Close()
	s, err := NewSession(SessionConfig{Conn: a, Remote: addrOf(b), Redundancy: 0, ControlRedundancy: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Secondaries of each packet: packet 5 carries 4 (an image packet,
	// depth 0) because 3 and 2 (V.21, depth 3) still need carrying; 6
	// carries 5, 4, 3; 7 nothing (3 has been carried three times).
	want := []int{0, 1, 2, 3, 3, 3, 3, 0}
	pkts := []*IFP{v21Packet(0), v21Packet(1), v21Packet(2), v21Packet(3), imagePacket(4), imagePacket(5), imagePacket(6), imagePacket(7)}
	buf := make([]byte, 2000)
	for i, p := range pkts {
		if err := s.Send(p); err != nil {
			t.Fatal(err)
		}
		var u UDPTL
		for u.Seq != uint16(i) || u.Primary == nil { // skip the repeats of the last one
			_ = b.SetReadDeadline(time.Now().Add(2 * time.Second))
			n, _, err := b.ReadFrom(buf)
			if err != nil {
				t.Fatal(err)
			}
			if err := u.Unmarshal(buf[:n]); err != nil {
				t.Fatal(err)
			}
		}
		if int(u.Seq) != i || len(u.Secondary) != want[i] {
			t.Errorf("packet %d: seq %d with %d secondaries, want %d", i, u.Seq, len(u.Secondary), want[i])
		}
		for j, sec := range u.Secondary {
			w, _ := pkts[i-1-j].Marshal()
			if !bytes.Equal(sec, w) {
				t.Errorf("packet %d secondary %d: %x, want %x", i, j, sec, w)
			}
		}
	}
}

// rawSender sends hand-made datagrams to a receiving session.
func rawReceiver(t *testing.T) (net.PacketConn, *Session, *got) {
	t.Helper()
	a, b := listen(t), listen(t)
	var g got
	rx, err := NewSession(SessionConfig{Conn: b, Remote: addrOf(a), OnIFP: g.on, ReorderWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rx.Close(); _ = a.Close() })
	return a, rx, &g
}

func datagram(t *testing.T, seq int, sec ...int) []byte {
	t.Helper()
	p, _ := imagePacket(seq).Marshal()
	u := UDPTL{Seq: uint16(seq), Primary: p}
	for _, s := range sec {
		b, _ := imagePacket(s).Marshal()
		u.Secondary = append(u.Secondary, b)
	}
	d, err := u.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSessionReorderDuplicatesMalformed: duplicates are dropped and
// counted, a packet overtaken by the next is waited for and handed on in
// order, a hole nothing fills counts as lost after the wait, malformed
// datagrams and IFP packets are counted, and the session goes on.
func TestSessionReorderDuplicatesMalformed(t *testing.T) {
	a, rx, g := rawReceiver(t)
	to := rx.conn.LocalAddr()
	send := func(b []byte) {
		if _, err := a.WriteTo(b, to); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	send(datagram(t, 0))
	send(datagram(t, 0)) // duplicate
	send(datagram(t, 2)) // 1 comes late
	send(datagram(t, 1))
	send(datagram(t, 3))
	send([]byte{0, 4})                    // too short
	send([]byte{0, 4, 9, 1, 2})           // primary cut short
	send([]byte{0, 4, 1, 0x20, 0, 0})     // a primary that is no IFP packet: malformed at delivery
	send(append(datagram(t, 5), 0x00))    // trailing octet
	send([]byte{0, 4, 1, 0x06, 0x00, 40}) // 40 secondaries
	waitFor(t, "0-4", func() bool { return rx.Stats().Delivered >= 4 })
	// 5 (with a trailing octet) was refused; 6 with no copy of 5 leaves a hole.
	send(datagram(t, 6))
	waitFor(t, "the hole to be given up", func() bool { return rx.Stats().Delivered >= 5 })
	st := rx.Stats()
	t.Logf("%+v", st)
	g.mu.Lock()
	seqs := fmt.Sprint(g.seqs)
	g.mu.Unlock()
	if seqs != "[0 1 2 3 6]" {
		t.Errorf("delivered %s, want [0 1 2 3 6]", seqs)
	}
	if st.Duplicate != 1 || st.Malformed != 5 || st.Lost != 1 {
		t.Errorf("counters %+v, want 1 duplicate, 5 malformed, 1 lost", st)
	}
}

// TestSessionFEC: a packet lost is rebuilt from the FEC entry of a later
// one, padding trimmed.
func TestSessionFEC(t *testing.T) {
	a, rx, g := rawReceiver(t)
	to := rx.conn.LocalAddr()
	pk := func(i int) []byte {
		p := imagePacket(i)
		if i == 1 {
			p.Fields[0].Data = []byte{1, 2} // shorter: the XOR pads it
		}
		b, _ := p.Marshal()
		return b
	}
	// Packet 3 carries one FEC entry covering 2, 1 and 0 (span 1, 3 packets).
	xor := make([]byte, 0)
	for _, i := range []int{0, 1, 2} {
		b := pk(i)
		for len(xor) < len(b) {
			xor = append(xor, 0)
		}
		for j := range b {
			xor[j] ^= b[j]
		}
	}
	for _, u := range []UDPTL{{Seq: 0, Primary: pk(0)}, {Seq: 2, Primary: pk(2)}, {Seq: 3, Primary: pk(3), FEC: &FEC{Packets: 3, Data: [][]byte{xor}}}} {
		b, err := u.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.WriteTo(b, to); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "4 packets", func() bool { return g.len() >= 4 })
	st := rx.Stats()
	g.mu.Lock()
	defer g.mu.Unlock()
	want := imagePacket(1)
	want.Fields[0].Data = []byte{1, 2}
	if g.ifps[1] != want.String() || st.Recovered != 1 || st.Lost != 0 {
		t.Errorf("packet 1 %s, %+v; want %s recovered", g.ifps[1], st, want)
	}
}

// TestSessionAllocs: sending and receiving a packet allocate nothing
// once running (an indicator: an IFP without fields decodes in place).
func TestSessionAllocs(t *testing.T) {
	a, b := listen(t), listen(t)
	defer b.Close()
	s, err := NewSession(SessionConfig{Conn: a, Remote: addrOf(b), Redundancy: 2, ControlRedundancy: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := imagePacket(1)
	if n := testing.AllocsPerRun(200, func() { _ = s.Send(p) }); n != 0 {
		t.Errorf("Send: %v allocations per packet", n)
	}
	r := &Session{cfg: SessionConfig{OnIFP: func(uint16, *IFP) {}, ReorderWait: time.Second}, conn: b}
	r.rx.init()
	d := make([][]byte, 300)
	for i := range d {
		d[i] = datagram(t, i, i-1, i-2)
		if i < 2 {
			d[i] = datagram(t, i)
		}
	}
	i := 0
	now := time.Now()
	n := testing.AllocsPerRun(200, func() { r.take(d[i], now); i++ })
	t.Logf("receive: %v allocations per image packet (IFP.Unmarshal's field slice), %+v", n, r.Stats())
	if n > 1 {
		t.Errorf("receive: %v allocations per packet", n)
	}
}

// TestSessionClose: Close stops the goroutine, twice is fine, Send
// after it fails.
func TestSessionClose(t *testing.T) {
	before := runtime.NumGoroutine()
	a := listen(t)
	s, err := NewSession(SessionConfig{Conn: a, Remote: netip.MustParseAddrPort("127.0.0.1:9")})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	if err := s.Send(imagePacket(0)); err == nil {
		t.Error("Send after Close")
	}
	waitFor(t, "the goroutine to end", func() bool { return runtime.NumGoroutine() <= before })
	if _, err := NewSession(SessionConfig{Conn: listen(t), Redundancy: 9}); err == nil {
		t.Error("redundancy 9 accepted")
	}
}

// TestSessionTail: the last packet of a burst, lost, arrives all the
// same: with nothing after it to carry its redundancy, it is sent again
// ControlRedundancy times (the copies of a packet that did arrive are
// dropped as duplicates).
func TestSessionTail(t *testing.T) {
	s, rx, g := pair(t, SessionConfig{ControlRedundancy: 2}, func(i int) bool { return i == 4 }) // the 5th datagram: the last packet's first sending
	for i := range 5 {
		if err := s.Send(v21Packet(i)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "5 packets", func() bool { return g.len() == 5 })
	time.Sleep(150 * time.Millisecond) // the second repeat
	st, rs := s.Stats(), rx.Stats()
	t.Logf("sender %+v; receiver %+v", st, rs)
	if st.Repeated != 2 || rs.Delivered != 5 || rs.Duplicate != 1 || rs.Lost != 0 {
		t.Errorf("sender %+v, receiver %+v: want 2 repeats, 5 delivered, 1 duplicate", st, rs)
	}
	// Image data (Redundancy 0) is not repeated.
	s2, _, _ := pair(t, SessionConfig{ControlRedundancy: 2}, nil)
	_ = s2.Send(imagePacket(0))
	time.Sleep(100 * time.Millisecond)
	if n := s2.Stats().Repeated; n != 0 {
		t.Errorf("an image packet repeated %d times", n)
	}
}
