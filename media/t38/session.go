package t38

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// A Session is one call's UDPTL flow (T.38 clause 9.1) on a UDP socket:
// it numbers and sends the IFP packets it is given, each with the
// previous ones as redundancy, and hands the far end's IFP packets on in
// sequence order, recovering lost ones from the redundancy (or FEC) of
// the packets that follow, dropping duplicates and waiting a little for
// packets that arrive out of order.
//
// Send runs on the caller's goroutine (one at a time); reception runs on
// the session's goroutine, which Close stops.
type Session struct {
	cfg  SessionConfig
	conn net.PacketConn
	log  *slog.Logger

	remote atomic.Pointer[net.UDPAddr]

	// sending, under sendMu
	sendMu  sync.Mutex
	seq     uint16
	sent    int // packets sent, for the history's fill
	hist    [histLen]sentIFP
	secs    [maxSecondary][]byte
	out     []byte
	ifpBuf  []byte
	sendErr error
	// The last datagram, sent again while nothing follows it: the
	// redundancy of a packet rides on the packets after it, and the last
	// one of a burst (the end of a T.30 message) has none.
	tail     []byte
	tailLeft int
	tailTo   *net.UDPAddr
	repeat   *time.Timer

	// receiving: the session goroutine's only
	rx rxState

	st        sessionCounters
	closeOnce sync.Once
	done      chan struct{}
}

// SessionConfig configures a Session.
type SessionConfig struct {
	// Conn is the session's socket; the session owns it and closes it.
	Conn net.PacketConn
	// Remote is where the packets go (SetRemote changes it). Packets are
	// taken from any source, as NAT may change it.
	Remote netip.AddrPort
	// Redundancy is the number of previous IFP packets each packet of
	// image data (T.4/ECM data at the page's modulation) carries
	// (FaxRelayRedundancyDepth, 0-2 on the device).
	Redundancy int
	// ControlRedundancy is the same for V.21 (T.30 control) and
	// indicator packets (FaxRelayEnhancedRedundancyDepth, 0-4).
	ControlRedundancy int
	// MaxDatagram bounds what is sent (T38FaxMaxDatagram of the far
	// end): redundancy is dropped, oldest first, to stay within it. 0:
	// 1400.
	MaxDatagram int
	// OnIFP gets the far end's IFP packets in sequence order, on the
	// session's goroutine; p is valid only during the call.
	OnIFP func(seq uint16, p *IFP)
	// ReorderWait is how long a gap that redundancy could not fill is
	// waited for before its packets count as lost (0: 60 ms).
	ReorderWait time.Duration
	// Log gets the session's rare events (nil: none); packets are
	// counted, not logged.
	Log *slog.Logger
}

// SessionStats are a session's counters.
type SessionStats struct {
	Sent      int64 // UDPTL packets sent
	Received  int64 // UDPTL packets taken (well formed)
	Delivered int64 // IFP packets handed on
	Recovered int64 // of those, rebuilt from redundancy or FEC
	Lost      int64 // IFP packets never received nor recovered
	Duplicate int64 // packets received twice or too late
	Malformed int64 // datagrams or IFP packets that do not decode
	SendError int64 // packets the socket refused
	Repeated  int64 // last datagrams of a burst sent again
}

type sessionCounters struct {
	sent, received, delivered, recovered, lost, duplicate, malformed, sendError, repeated atomic.Int64
}

// Errors of the session.
var (
	ErrSessionClosed = errors.New("t38: session closed")
	ErrNoRemote      = errors.New("t38: no remote address")
)

const (
	histLen      = 8    // sent IFP packets kept for redundancy (> the largest depth)
	maxIFP       = 1500 // largest IFP packet kept, octets
	window       = 32   // reorder window, packets
	readBufSize  = 4096
	defaultMaxDG = 1400
)

type sentIFP struct {
	b     [maxIFP]byte
	n     int
	depth int // how many later packets carry it
}

// NewSession starts a session on cfg.Conn.
func NewSession(cfg SessionConfig) (*Session, error) {
	if cfg.Conn == nil {
		return nil, errors.New("t38: session without a socket")
	}
	if cfg.Redundancy < 0 || cfg.ControlRedundancy < 0 || cfg.Redundancy >= histLen || cfg.ControlRedundancy >= histLen {
		return nil, fmt.Errorf("%w: redundancy %d/%d (0 to %d)", ErrInvalid, cfg.Redundancy, cfg.ControlRedundancy, histLen-1)
	}
	if cfg.MaxDatagram <= 0 {
		cfg.MaxDatagram = defaultMaxDG
	}
	if cfg.ReorderWait <= 0 {
		cfg.ReorderWait = 60 * time.Millisecond
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Session{cfg: cfg, conn: cfg.Conn, log: log, done: make(chan struct{}),
		out: make([]byte, 0, readBufSize), ifpBuf: make([]byte, 0, maxIFP), tail: make([]byte, 0, readBufSize)}
	s.repeat = time.AfterFunc(time.Hour, s.repeatTail)
	s.repeat.Stop()
	s.SetRemote(cfg.Remote)
	s.rx.init()
	go s.receive()
	return s, nil
}

// LocalPort is the UDP port of the session's socket.
func (s *Session) LocalPort() int {
	if a, ok := s.conn.LocalAddr().(*net.UDPAddr); ok {
		return a.Port
	}
	return 0
}

// SetRemote changes where packets go (a re-INVITE moved the far end).
func (s *Session) SetRemote(a netip.AddrPort) {
	if !a.IsValid() {
		s.remote.Store(nil)
		return
	}
	s.remote.Store(net.UDPAddrFromAddrPort(a))
}

// Stats returns the counters.
func (s *Session) Stats() SessionStats {
	return SessionStats{Sent: s.st.sent.Load(), Received: s.st.received.Load(), Delivered: s.st.delivered.Load(),
		Recovered: s.st.recovered.Load(), Lost: s.st.lost.Load(), Duplicate: s.st.duplicate.Load(),
		Malformed: s.st.malformed.Load(), SendError: s.st.sendError.Load(), Repeated: s.st.repeated.Load()}
}

// isImage reports whether an IFP packet is image data (its redundancy
// is Redundancy); V.21 control and indicators get ControlRedundancy.
func isImage(p *IFP) bool { return p.IsData && p.DataType != V21 }

// Send numbers p and sends it with its redundancy. It does not allocate
// once the session runs (the packet and its history live in the
// session's buffers).
func (s *Session) Send(p *IFP) error {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	select {
	case <-s.done:
		return ErrSessionClosed
	default:
	}
	var err error
	s.ifpBuf, err = p.AppendTo(s.ifpBuf[:0])
	if err != nil {
		return fmt.Errorf("t38: send: %w", err)
	}
	if len(s.ifpBuf) > maxIFP {
		return fmt.Errorf("%w: IFP packet of %d octets", ErrInvalid, len(s.ifpBuf))
	}
	depth := s.cfg.ControlRedundancy
	if isImage(p) {
		depth = s.cfg.Redundancy
	}
	// The secondaries go back, without a hole, to the oldest previous
	// packet whose own depth still asks to be carried: a control packet
	// rides on the image packets that follow it too.
	n := 0
	for j := 1; j <= histLen-1 && j <= s.sent; j++ {
		if h := &s.hist[(int(s.seq)-j)&(histLen-1)]; h.depth >= j {
			n = j
		}
	}
	n = min(n, maxSecondary)
	for j := range n {
		h := &s.hist[(int(s.seq)-1-j)&(histLen-1)]
		s.secs[j] = h.b[:h.n]
	}
	u := UDPTL{Seq: s.seq, Primary: s.ifpBuf}
	for {
		u.Secondary = s.secs[:n]
		if s.out, err = u.AppendTo(s.out[:0]); err != nil {
			return fmt.Errorf("t38: send: %w", err)
		}
		if len(s.out) <= s.cfg.MaxDatagram || n == 0 {
			break
		}
		n-- // too big for the far end: less redundancy
	}
	h := &s.hist[int(s.seq)&(histLen-1)]
	h.n = copy(h.b[:], s.ifpBuf)
	h.depth = depth
	s.seq++
	s.sent++
	to := s.remote.Load()
	if to == nil {
		return ErrNoRemote
	}
	if _, err := s.conn.WriteTo(s.out, to); err != nil {
		s.st.sendError.Add(1)
		if s.sendErr == nil {
			s.sendErr = err
			s.log.Warn("t38: UDPTL packet not sent", "error", err)
		}
		return fmt.Errorf("t38: send: %w", err)
	}
	s.st.sent.Add(1)
	// Until the next packet, this one is sent again depth times, a
	// tailGap apart: the next packet would have carried it.
	s.tail = append(s.tail[:0], s.out...)
	s.tailLeft, s.tailTo = depth, to
	if depth > 0 {
		s.repeat.Reset(tailGap)
	} else {
		s.repeat.Stop()
	}
	return nil
}

// tailGap is how long a packet waits for a follower before it is sent
// again: more than the 10-30 ms between the packets of a modulation,
// less than the gaps between T.30 messages.
const tailGap = 40 * time.Millisecond

// repeatTail sends the last datagram again (its timer's goroutine).
func (s *Session) repeatTail() {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	select {
	case <-s.done:
		return
	default:
	}
	if s.tailLeft <= 0 || s.tailTo == nil {
		return
	}
	s.tailLeft--
	if _, err := s.conn.WriteTo(s.tail, s.tailTo); err == nil {
		s.st.repeated.Add(1)
	}
	if s.tailLeft > 0 {
		s.repeat.Reset(tailGap)
	}
}

// SendIFP is Send without the error (counted), for a relay's Sender.
func (s *Session) SendIFP(p *IFP) { _ = s.Send(p) }

// Close stops the session and closes its socket; it may be called more
// than once.
func (s *Session) Close() error {
	var err error
	first := false
	s.closeOnce.Do(func() {
		first = true
		s.sendMu.Lock()
		close(s.done)
		s.repeat.Stop()
		s.sendMu.Unlock()
		err = s.conn.Close()
	})
	if first {
		<-s.rx.stopped
	}
	return err
}

// rxState is the receiver: a window of packets by sequence number.
type rxState struct {
	started bool
	next    uint16 // the next sequence number to hand on
	slots   [window]rxSlot
	waiting bool      // a gap is being waited for
	since   time.Time // since when
	ifp     IFP
	stopped chan struct{}
	// scratch for the datagram being decoded
	secs [maxSecondary][]byte
	fec  [maxSecondary][]byte
	xor  [maxIFP]byte
}

type rxSlot struct {
	have      bool
	seq       uint16
	recovered bool
	n         int
	b         [maxIFP]byte
}

func (r *rxState) init() { r.stopped = make(chan struct{}) }

func (s *Session) receive() {
	defer close(s.rx.stopped)
	buf := make([]byte, readBufSize)
	for {
		n, _, err := s.conn.ReadFrom(buf)
		if err != nil {
			select {
			case <-s.done:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				s.giveUp(time.Now())
				continue
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // ICMP unreachable and the like: go on
		}
		s.take(buf[:n], time.Now())
	}
}

// take handles one datagram.
func (s *Session) take(b []byte, now time.Time) {
	r := &s.rx
	seq, primary, nsec, fecN, nfec, ok := scanUDPTL(b, &r.secs, &r.fec)
	if !ok {
		s.st.malformed.Add(1)
		return
	}
	s.st.received.Add(1)
	if !r.started {
		r.started, r.next = true, seq
	}
	d := int16(seq - r.next)
	switch {
	case d < 0:
		s.st.duplicate.Add(1)
		return
	case int(d) >= window:
		// A jump beyond the window (a far end that restarted its
		// numbering, or a long outage): what was missing is lost.
		s.flushTo(seq - window + 1)
	}
	if !r.put(seq, primary, false) {
		s.st.duplicate.Add(1)
	}
	for i := range nsec {
		r.put(seq-1-uint16(i), r.secs[i], true)
	}
	if nfec > 0 {
		s.recoverFEC(seq, fecN, r.fec[:nfec])
	}
	s.deliver(now)
}

// put stores an IFP packet for seq unless it is there, delivered or out
// of the window; false when it is a primary received twice.
func (r *rxState) put(seq uint16, b []byte, recovered bool) bool {
	d := int16(seq - r.next)
	if d < 0 || int(d) >= window || len(b) > maxIFP || len(b) == 0 {
		return true
	}
	sl := &r.slots[seq%window]
	if sl.have && sl.seq == seq {
		if recovered {
			return true // a copy we hold already
		}
		if sl.recovered { // the primary after its copy: not a duplicate
			sl.recovered = false
			return true
		}
		return false
	}
	sl.have, sl.seq, sl.recovered = true, seq, recovered
	sl.n = copy(sl.b[:], b)
	return true
}

func (r *rxState) has(seq uint16) bool {
	sl := &r.slots[seq%window]
	return sl.have && sl.seq == seq
}

// recoverFEC rebuilds a missing packet from an FEC entry when it is the
// only one of its set missing (T.38 D.2.2: entry i is the XOR of the
// packets seq-1-i-k*len(entries), k < fecN).
func (s *Session) recoverFEC(seq uint16, fecN int, entries [][]byte) {
	r := &s.rx
	span := len(entries)
	for i, e := range entries {
		missing, count := uint16(0), 0
		for k := range fecN {
			q := seq - 1 - uint16(i) - uint16(k*span)
			if !r.has(q) {
				missing, count = q, count+1
			}
		}
		if count != 1 || int16(missing-r.next) < 0 || len(e) > maxIFP {
			continue
		}
		x := r.xor[:len(e)]
		copy(x, e)
		ok := true
		for k := range fecN {
			q := seq - 1 - uint16(i) - uint16(k*span)
			if q == missing {
				continue
			}
			sl := &r.slots[q%window]
			if sl.n > len(x) {
				ok = false
				break
			}
			for j := range sl.n {
				x[j] ^= sl.b[j]
			}
		}
		if !ok {
			continue
		}
		// The XOR is as long as the longest packet: the IFP's own
		// encoding says where it ends.
		if n, ok := ifpLen(x); ok {
			r.put(missing, x[:n], true)
		}
	}
}

// deliver hands on what is in order, and waits for a gap at most
// ReorderWait.
func (s *Session) deliver(now time.Time) {
	r := &s.rx
	for {
		for r.has(r.next) {
			s.handOn(&r.slots[r.next%window])
			r.next++
		}
		pending := false
		for i := 1; i < window; i++ {
			if r.has(r.next + uint16(i)) {
				pending = true
				break
			}
		}
		if !pending {
			r.waiting = false
			_ = s.conn.SetReadDeadline(time.Time{})
			return
		}
		if !r.waiting {
			r.waiting, r.since = true, now
			_ = s.conn.SetReadDeadline(now.Add(s.cfg.ReorderWait))
			return
		}
		if now.Sub(r.since) < s.cfg.ReorderWait {
			return
		}
		// Waited long enough: the hole is lost; go on from the next
		// packet we hold.
		for !r.has(r.next) {
			s.st.lost.Add(1)
			r.next++
		}
		r.waiting = false
	}
}

// giveUp is the read deadline of a gap.
func (s *Session) giveUp(now time.Time) {
	if s.rx.waiting {
		s.deliver(now)
		return
	}
	_ = s.conn.SetReadDeadline(time.Time{})
}

// flushTo hands on or counts lost everything before seq.
func (s *Session) flushTo(seq uint16) {
	r := &s.rx
	for int16(seq-r.next) > 0 {
		if r.has(r.next) {
			s.handOn(&r.slots[r.next%window])
		} else {
			s.st.lost.Add(1)
		}
		r.next++
	}
	r.waiting = false
}

// handOn delivers a slot's packet; its octets stay for FEC until the
// slot is reused.
func (s *Session) handOn(sl *rxSlot) {
	r := &s.rx
	if err := r.ifp.Unmarshal(sl.b[:sl.n]); err != nil {
		s.st.malformed.Add(1)
		return
	}
	s.st.delivered.Add(1)
	if sl.recovered {
		s.st.recovered.Add(1)
	}
	if s.cfg.OnIFP != nil {
		s.cfg.OnIFP(sl.seq, &r.ifp)
	}
}

// scanUDPTL decodes a UDPTL packet's framing without allocating: the
// secondaries or FEC entries go into secs or fec (aliasing b).
func scanUDPTL(b []byte, secs, fec *[maxSecondary][]byte) (seq uint16, primary []byte, nsec, fecN, nfec int, ok bool) {
	if len(b) < 3 {
		return
	}
	seq = uint16(b[0])<<8 | uint16(b[1])
	p := 2
	var err error
	if primary, err = scanOpen(b, &p); err != nil || len(primary) == 0 || p >= len(b) {
		return
	}
	choice := b[p]
	p++
	if choice&0x80 == 0 {
		n, err := scanLength(b, &p)
		if err != nil || n > maxSecondary {
			return
		}
		for i := range n {
			if secs[i], err = scanOpen(b, &p); err != nil {
				return
			}
		}
		nsec = n
	} else {
		k, err := scanOpen(b, &p)
		if err != nil || len(k) != 1 {
			return
		}
		fecN = int(k[0])
		n, err := scanLength(b, &p)
		if err != nil || n > maxSecondary {
			return
		}
		for i := range n {
			if fec[i], err = scanOpen(b, &p); err != nil {
				return
			}
		}
		nfec = n
	}
	ok = p == len(b)
	return
}

// errScan is the scanner's one error: its caller only counts it, so
// it needs no words (and no allocation).
var errScan = errors.New("t38: malformed")

func scanLength(b []byte, p *int) (int, error) {
	if *p >= len(b) {
		return 0, errScan
	}
	c := b[*p]
	switch {
	case c&0x80 == 0:
		*p++
		return int(c), nil
	case c&0xC0 == 0x80 && *p+1 < len(b):
		n := int(c&0x3F)<<8 | int(b[*p+1])
		*p += 2
		return n, nil
	}
	return 0, errScan
}

func scanOpen(b []byte, p *int) ([]byte, error) {
	n, err := scanLength(b, p)
	if err != nil || *p+n > len(b) {
		return nil, errScan
	}
	x := b[*p : *p+n : *p+n]
	*p += n
	return x, nil
}

// ifpLen is the length of the IFP packet at the start of b, from its
// encoding (an FEC-recovered packet is padded with zeros).
func ifpLen(b []byte) (int, bool) {
	if len(b) == 0 {
		return 0, false
	}
	c := b[0]
	p := 1
	if c&0x20 != 0 {
		p = 2
	}
	if p > len(b) {
		return 0, false
	}
	if c&0x40 == 0 || c&0x80 == 0 {
		return p, true // an indicator, or a data type without fields
	}
	count, err := scanLength(b, &p)
	if err != nil || count == 0 {
		return 0, false
	}
	for range count {
		if p >= len(b) {
			return 0, false
		}
		fc := b[p]
		if fc&0x40 != 0 {
			p += 2
		} else {
			p++
		}
		if fc&0x80 != 0 {
			if p+2 > len(b) {
				return 0, false
			}
			p += 2 + (int(b[p])<<8 | int(b[p+1])) + 1
		}
		if p > len(b) {
			return 0, false
		}
	}
	return p, true
}
