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
		s.ts += uint32(len(s.pcm) + len(pcm))
		s.pcm = s.pcm[:0]
		return nil
	}
	if s.dtmf.active || s.dtmfLen > 0 {
		s.dtmfTickLocked(len(pcm))
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
	if err := s.writeTo(s.conn, s.out[:n], s.remote, s.remoteAddr); err != nil {
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
		s.ts += uint32(len(s.pcm))
		s.pcm = s.pcm[:0]
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
