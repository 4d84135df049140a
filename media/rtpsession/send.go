package rtpsession

import (
	"fmt"
	"net"
	"net/netip"
	"time"
)

// maxDigit bounds a telephone event so its duration fits the 16-bit field.
const maxDigit = 8 * time.Second

type dtmfReq struct {
	event   uint8
	samples int
}

// dtmfSend is the digit being sent.
type dtmfSend struct {
	active  bool
	event   uint8
	ts      uint32 // timestamp of the event: its start
	total   int    // samples the digit lasts
	elapsed int    // samples so far
	sent    int    // elapsed at the last event packet
	first   bool
}

// WriteFrame takes the next frame of PCM from the line (normally 10 ms, 80
// samples) and sends a packet whenever a packet time of audio has been
// collected. It does not block. Send errors are counted in
// Stats.SendErrors, not returned; only ErrClosed is.
func (s *Session) WriteFrame(pcm []int16) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	now := s.now()
	s.maybeRTCPLocked(now)
	if !s.send {
		s.dropPendingLocked()
		s.ts += uint32(len(pcm))
		return nil
	}
	if s.dtmf.active || s.dtmfLen > 0 {
		s.dtmfTickLocked(len(pcm))
		return nil
	}
	if s.frames != nil {
		s.writeFramesLocked(pcm)
		return nil
	}
	for len(pcm) > 0 {
		n := min(len(pcm), s.ptime-len(s.pcm))
		s.pcm = append(s.pcm, pcm[:n]...)
		pcm = pcm[n:]
		if len(s.pcm) < s.ptime {
			break
		}
		var err error
		s.payload, err = s.enc.Encode(s.payload[:0], s.pcm)
		if err == nil && len(s.payload) > 0 {
			s.sendRTPLocked(s.audioPT, s.talkspurt, s.ts, s.payload)
			s.talkspurt = false
		} else if err != nil {
			s.st.SendErrors++
		}
		s.ts += uint32(len(s.pcm))
		s.pcm = s.pcm[:0]
	}
	return nil
}

// dropPendingLocked drops the audio collected for the packet in progress
// (hold, a digit); the timestamp runs on over it.
func (s *Session) dropPendingLocked() {
	s.ts += uint32(len(s.pcm) + s.pktSamples)
	s.pcm = s.pcm[:0]
	s.payload = s.payload[:0]
	s.pktSamples, s.pktFrames = 0, 0
}

// writeFramesLocked is WriteFrame for a codec with discontinuous
// transmission: it encodes each codec frame as soon as it is complete, so
// that a frame not transmitted ends the packet in progress (the next
// packet, with its own timestamp, starts at the next frame sent) and a
// short frame (a G.729 SID) is the last of its packet (RFC 3551 section
// 4.5.6). s.ts is the timestamp of the packet being built.
func (s *Session) writeFramesLocked(pcm []int16) {
	fs := s.codec.FrameSamples()
	for len(pcm) > 0 {
		n := min(len(pcm), fs-len(s.pcm))
		s.pcm = append(s.pcm, pcm[:n]...)
		pcm = pcm[n:]
		if len(s.pcm) < fs {
			break
		}
		before := len(s.payload)
		var err error
		s.payload, err = s.enc.Encode(s.payload, s.pcm)
		s.pcm = s.pcm[:0]
		if err != nil {
			s.st.SendErrors++
			s.payload = s.payload[:before]
		}
		coded := len(s.payload) - before
		if coded == 0 {
			// Not transmitted: a silence period (re)starts.
			s.flushFramesLocked()
			s.ts += uint32(fs)
			s.talkspurt = true
			continue
		}
		s.pktSamples += fs
		s.pktFrames++
		if s.frames.FrameEndsPacket(coded) || s.pktSamples >= s.ptime {
			s.flushFramesLocked()
		}
	}
}

// flushFramesLocked sends the frames collected so far as one packet. The
// marker bit goes on the first packet of a talkspurt, not on a lone SID.
func (s *Session) flushFramesLocked() {
	if len(s.payload) > 0 {
		marker := s.talkspurt && !(s.pktFrames == 1 && s.frames.FrameEndsPacket(len(s.payload)))
		s.sendRTPLocked(s.audioPT, marker, s.ts, s.payload)
		if marker {
			s.talkspurt = false
		}
	}
	s.ts += uint32(s.pktSamples)
	s.payload = s.payload[:0]
	s.pktSamples, s.pktFrames = 0, 0
}

// sendRTPLocked marshals one packet into the reused buffer and sends it.
func (s *Session) sendRTPLocked(pt uint8, marker bool, ts uint32, payload []byte) {
	s.hdr.PayloadType = pt
	s.hdr.Marker = marker
	s.hdr.Timestamp = ts
	n, err := s.hdr.MarshalTo(s.out)
	s.hdr.SequenceNumber++
	if err != nil || n+len(payload) > len(s.out) {
		s.st.SendErrors++
		return
	}
	n += copy(s.out[n:], payload)
	if !s.remote.IsValid() {
		return
	}
	pkt := s.out[:n]
	if s.srtp != nil {
		var err error
		if pkt, err = s.srtp.ProtectRTP(s.sout[:0], pkt); err != nil {
			s.st.SendErrors++
			return
		}
	}
	if err := s.writeTo(s.conn, pkt, s.remote, s.remoteAddr); err != nil {
		s.st.SendErrors++
		return
	}
	s.st.PacketsSent++
	s.st.BytesSent += uint64(len(payload))
	s.sentSinceRR = true
}

// writeTo sends without allocating on UDP sockets.
func (s *Session) writeTo(c net.PacketConn, b []byte, to netip.AddrPort, addr net.Addr) error {
	if uc, ok := c.(*net.UDPConn); ok {
		_, err := uc.WriteToUDPAddrPort(b, to)
		return err
	}
	if addr == nil {
		addr = net.UDPAddrFromAddrPort(to)
	}
	_, err := c.WriteTo(b, addr)
	return err
}

// eventCode maps a digit to its RFC 4733 event code.
func eventCode(digit byte) (uint8, bool) {
	switch {
	case digit >= '0' && digit <= '9':
		return digit - '0', true
	case digit == '*':
		return 10, true
	case digit == '#':
		return 11, true
	case digit >= 'A' && digit <= 'D':
		return digit - 'A' + 12, true
	case digit >= 'a' && digit <= 'd':
		return digit - 'a' + 12, true
	case digit == '!' || digit == 'F' || digit == 'f':
		return 16, true // hook flash
	}
	return 0, false
}

// eventDigit maps an RFC 4733 event code to its digit: '0'-'9', '*', '#',
// 'A'-'D', '!' for a hook flash.
func eventDigit(code uint8) (byte, bool) {
	switch {
	case code <= 9:
		return '0' + code, true
	case code == 10:
		return '*', true
	case code == 11:
		return '#', true
	case code <= 15:
		return 'A' + code - 12, true
	case code == 16:
		return '!', true
	}
	return 0, false
}

// SendDTMF queues digit ('0'-'9', '*', '#', 'A'-'D', '!' or 'F' for a
// hook flash) to be sent as RFC 4733 events lasting d (rounded up to 10 ms,
// at least 40 ms, at most 8 s). It returns at once; the events are paced by
// WriteFrame.
func (s *Session) SendDTMF(digit byte, d time.Duration) error {
	code, ok := eventCode(digit)
	if !ok {
		return fmt.Errorf("%w: %q", ErrInvalidDigit, digit)
	}
	d = min(max(d, 40*time.Millisecond), maxDigit)
	samples := int((d + 10*time.Millisecond - 1) / (10 * time.Millisecond) * frameSamples)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return ErrClosed
	case s.dtmfPT == 0:
		return ErrNoDTMF
	case s.dtmfLen == len(s.dtmfQ):
		return ErrDTMFBusy
	}
	s.dtmfQ[(s.dtmfHead+s.dtmfLen)%len(s.dtmfQ)] = dtmfReq{event: code, samples: samples}
	s.dtmfLen++
	return nil
}

// dtmfTickLocked advances the digit being sent by n samples in place of
// audio.
func (s *Session) dtmfTickLocked(n int) {
	if !s.dtmf.active {
		req := s.dtmfQ[s.dtmfHead]
		s.dtmfHead = (s.dtmfHead + 1) % len(s.dtmfQ)
		s.dtmfLen--
		// Audio collected for the packet in progress is dropped.
		s.dropPendingLocked()
		s.dtmf = dtmfSend{active: true, event: req.event, ts: s.ts, total: req.samples, first: true}
	}
	d := &s.dtmf
	d.elapsed += n
	s.ts += uint32(n)
	if d.elapsed >= d.total {
		for range 3 {
			s.sendEventLocked(true)
		}
		d.active = false
		s.talkspurt = true
		s.st.DTMFSent++
		return
	}
	if d.first || d.elapsed-d.sent >= s.ptime {
		s.sendEventLocked(false)
	}
}

func (s *Session) sendEventLocked(end bool) {
	d := &s.dtmf
	var p [4]byte
	p[0] = d.event
	p[1] = 10 // volume: -10 dBm0
	if end {
		p[1] |= 0x80
	}
	dur := min(d.elapsed, 0xFFFF)
	p[2], p[3] = byte(dur>>8), byte(dur)
	s.sendRTPLocked(s.dtmfPT, d.first, d.ts, p[:])
	d.first = false
	d.sent = d.elapsed
}
