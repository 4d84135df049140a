package rtpsession

import (
	"errors"
	"net"
	"net/netip"
	"time"

	"github.com/potsgate/potsgate/media"
	"github.com/potsgate/potsgate/media/jitter"
	"github.com/potsgate/potsgate/media/srtp"
)

// recvStats are the receiver statistics of RFC 3550 A.1 and A.8.
type recvStats struct {
	started                      bool
	ssrc                         uint32
	maxSeq                       uint16
	cycles                       uint32
	baseSeq                      uint32
	received                     uint32
	expectedPrior, receivedPrior uint32
	jitter                       uint32 // scaled by 16 (A.8)
	transit                      int64
	haveTransit                  bool
	epoch                        time.Time
}

func (r *recvStats) reset(ssrc uint32, seq uint16) {
	*r = recvStats{started: true, ssrc: ssrc, maxSeq: seq, baseSeq: uint32(seq), epoch: r.epoch}
}

// update counts a packet (A.1, without probation).
func (r *recvStats) update(seq uint16) {
	delta := seq - r.maxSeq
	if delta < 0x8000 {
		if seq < r.maxSeq {
			r.cycles += 1 << 16
		}
		r.maxSeq = seq
	}
	r.received++
}

func (r *recvStats) extMax() uint32 { return r.cycles | uint32(r.maxSeq) }

func (r *recvStats) expected() int64 {
	if !r.started {
		return 0
	}
	return int64(r.extMax()) - int64(r.baseSeq) + 1
}

func (r *recvStats) lost() int64 { return r.expected() - int64(r.received) }

// arrivalJitter updates the interarrival jitter (A.8) with a packet of
// timestamp ts arriving at now.
func (r *recvStats) arrivalJitter(now time.Time, ts uint32) {
	if r.epoch.IsZero() {
		r.epoch = now
	}
	arrival := int64(now.Sub(r.epoch)) / 1000 * media.SampleRate / 1_000_000
	transit := arrival - int64(ts)
	if r.haveTransit {
		d := transit - r.transit
		// Timestamps wrap: bring the difference into 32-bit range.
		d = int64(int32(d))
		if d < 0 {
			d = -d
		}
		r.jitter += uint32(d) - ((r.jitter + 8) >> 4)
	}
	r.transit = transit
	r.haveTransit = true
}

// eventState follows received telephone events.
type eventState struct {
	active bool
	ts     uint32
	ended  bool
	digit  byte
	have   bool
}

// receive reads one socket until it is closed.
func (s *Session) receive(c net.PacketConn) {
	defer s.wg.Done()
	buf := make([]byte, 2048)
	uc, _ := c.(*net.UDPConn)
	for {
		var (
			n    int
			from netip.AddrPort
			err  error
		)
		if uc != nil {
			n, from, err = uc.ReadFromUDPAddrPort(buf)
		} else {
			var a net.Addr
			n, a, err = c.ReadFrom(buf)
			if ua, ok := a.(*net.UDPAddr); ok {
				from = ua.AddrPort()
			}
		}
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if !closed {
				s.log.Warn("rtp receive stopped", "err", err)
			}
			return
		}
		s.handlePacket(buf[:n], netip.AddrPortFrom(from.Addr().Unmap(), from.Port()), c == s.rtcpConn)
	}
}

// isRTCP tells RTCP from RTP on a multiplexed port (RFC 5761): RTCP packet
// types 192-223 fall where RTP would have marker + payload type 64-95.
func isRTCP(b []byte) bool { return len(b) >= 2 && b[1] >= 192 && b[1] <= 223 }

// handlePacket processes one datagram from the network. It is the receive
// hot path: no allocation for RTP, no logging.
func (s *Session) handlePacket(b []byte, from netip.AddrPort, rtcpSocket bool) {
	if rtcpSocket || isRTCP(b) {
		s.handleRTCP(b, from, rtcpSocket)
		return
	}
	now := s.now()
	s.mu.Lock()
	if s.srtp != nil {
		// Authenticate before anything reads the packet, latching included:
		// an unauthenticated source must not move our media.
		var err error
		if b, err = s.srtp.UnprotectRTP(s.plain[:0], b); err != nil {
			s.countSRTPErrorLocked(err, false)
			s.mu.Unlock()
			return
		}
	}
	if err := s.rx.Unmarshal(b); err != nil || s.rx.Version != 2 {
		s.st.Malformed++
		s.mu.Unlock()
		return
	}
	h := &s.rx.Header
	pt := h.PayloadType
	if pt != s.audioPT && (s.dtmfPT == 0 || pt != s.dtmfPT) {
		s.st.UnknownPayload++
		s.mu.Unlock()
		return
	}
	if !s.recv {
		s.st.Inactive++
		s.mu.Unlock()
		return
	}
	if s.symmetric && from.IsValid() && from != s.remote {
		s.setRemoteLocked(from)
		s.st.Latched++
	}
	if !s.rs.started || h.SSRC != s.rs.ssrc {
		s.rs.reset(h.SSRC, h.SequenceNumber)
	}
	s.rs.update(h.SequenceNumber)
	s.st.PacketsReceived++
	s.st.BytesReceived += uint64(len(s.rx.Payload))
	if pt == s.audioPT {
		s.rs.arrivalJitter(now, h.Timestamp)
		samples := 0
		switch {
		case s.codec.FrameSamples() == 1:
			samples = len(s.rx.Payload)
		case s.frames != nil:
			samples = s.frames.PayloadSamples(s.rx.Payload)
		}
		s.jb.Push(now, jitter.Packet{SSRC: h.SSRC, Seq: h.SequenceNumber, Timestamp: h.Timestamp,
			Marker: h.Marker, Payload: s.rx.Payload, Samples: samples})
		s.mu.Unlock()
		return
	}
	digit, end, fire := s.eventLocked(h.Timestamp, s.rx.Payload)
	cb := s.onDTMF
	s.mu.Unlock()
	if fire && cb != nil {
		cb(digit, end)
	}
}

// countSRTPErrorLocked counts a packet SRTP (or SRTCP) refused.
func (s *Session) countSRTPErrorLocked(err error, rtcp bool) {
	switch {
	case errors.Is(err, srtp.ErrAuth) && rtcp:
		s.st.SRTCPAuthFailed++
	case errors.Is(err, srtp.ErrAuth):
		s.st.SRTPAuthFailed++
	case errors.Is(err, srtp.ErrReplay):
		s.st.SRTPReplayed++
	default:
		s.st.Malformed++
	}
}

// eventLocked follows an RFC 4733 event packet and reports whether it
// starts or ends a digit.
func (s *Session) eventLocked(ts uint32, p []byte) (digit byte, end, fire bool) {
	if len(p) < 4 {
		s.st.Malformed++
		return 0, false, false
	}
	d, ok := eventDigit(p[0])
	if !ok {
		s.st.UnknownPayload++
		return 0, false, false
	}
	isEnd := p[1]&0x80 != 0
	e := &s.event
	if !e.have || ts != e.ts {
		// A new event. An unfinished previous one is over.
		*e = eventState{have: true, ts: ts, digit: d}
		if isEnd {
			e.ended = true
			s.st.DTMFReceived++
			// Only the end arrived: report start and end together.
			return d, true, true
		}
		e.active = true
		return d, false, true
	}
	if isEnd && !e.ended {
		e.ended = true
		e.active = false
		s.st.DTMFReceived++
		return d, true, true
	}
	return 0, false, false
}

// ReadFrame fills dst (normally 10 ms, 80 samples) with the next audio
// towards the line: decoded packets from the jitter buffer, concealment
// for lost ones, silence when there is nothing.
func (s *Session) ReadFrame(dst []int16) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.maybeRTCPLocked(now)
	if !s.recv || s.closed {
		clear(dst)
		return
	}
	for len(s.fifo) < len(dst) {
		f := s.jb.Next(now)
		switch f.Kind {
		case jitter.FrameAudio:
			var err error
			before := len(s.fifo)
			s.fifo, err = s.dec.Decode(s.fifo, f.Payload)
			if err != nil {
				s.fifo = s.concealLocked(s.fifo[:before], f.Samples)
				s.st.Concealed++
			}
		case jitter.FrameLost:
			s.fifo = s.concealLocked(s.fifo, f.Samples)
			s.st.Concealed++
		default:
			// Silence; the decoder fades out what it played last.
			s.fifo = s.concealLocked(s.fifo, f.Samples)
		}
	}
	n := copy(dst, s.fifo)
	s.fifo = s.fifo[:copy(s.fifo, s.fifo[n:])]
}
