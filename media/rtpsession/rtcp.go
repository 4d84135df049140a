package rtpsession

import (
	"net/netip"
	"time"

	"github.com/pion/rtcp"

	"github.com/potsgate/potsgate/media"
)

// ntpTime converts t to the 64-bit NTP format.
func ntpTime(t time.Time) uint64 {
	const unixToNTP = 2208988800
	secs := uint64(t.Unix() + unixToNTP)
	frac := uint64(t.Nanosecond()) << 32 / 1e9
	return secs<<32 | frac
}

// lastSR remembers the last sender report received, for LSR/DLSR.
type lastSR struct {
	mid uint32 // middle 32 bits of its NTP time
	at  time.Time
}

func (s *Session) maybeRTCPLocked(now time.Time) {
	if s.rtcpInterval <= 0 || now.Before(s.nextRTCP) {
		return
	}
	s.nextRTCP = now.Add(s.rtcpInterval)
	s.sendRTCPLocked(now, false)
}

// SendReport sends an RTCP report now, whatever the interval.
func (s *Session) SendReport() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.sendRTCPLocked(s.now(), false)
	return nil
}

// reportLocked builds the reception report block about the remote stream.
func (s *Session) reportLocked(now time.Time) []rtcp.ReceptionReport {
	r := &s.rs
	if !r.started {
		return nil
	}
	expected := uint32(r.expected())
	expInt := expected - r.expectedPrior
	recInt := r.received - r.receivedPrior
	r.expectedPrior, r.receivedPrior = expected, r.received
	var fraction uint8
	if lostInt := int64(expInt) - int64(recInt); expInt != 0 && lostInt > 0 {
		fraction = uint8(lostInt << 8 / int64(expInt))
	}
	lost := min(max(r.lost(), 0), 0x7FFFFF)
	rr := rtcp.ReceptionReport{
		SSRC:               r.ssrc,
		FractionLost:       fraction,
		TotalLost:          uint32(lost),
		LastSequenceNumber: r.extMax(),
		Jitter:             r.jitter >> 4,
	}
	if s.sr.mid != 0 {
		rr.LastSenderReport = s.sr.mid
		rr.Delay = uint32(now.Sub(s.sr.at) * 65536 / time.Second)
	}
	return []rtcp.ReceptionReport{rr}
}

// sendRTCPLocked sends a compound SR or RR + SDES (+ BYE).
func (s *Session) sendRTCPLocked(now time.Time, bye bool) {
	if !s.rtcpRemote.IsValid() {
		return
	}
	reports := s.reportLocked(now)
	var first rtcp.Packet
	if s.sentSinceRR {
		first = &rtcp.SenderReport{
			SSRC:        s.hdr.SSRC,
			NTPTime:     ntpTime(now),
			RTPTime:     s.ts,
			PacketCount: uint32(s.st.PacketsSent),
			OctetCount:  uint32(s.st.BytesSent),
			Reports:     reports,
		}
	} else {
		first = &rtcp.ReceiverReport{SSRC: s.hdr.SSRC, Reports: reports}
	}
	s.sentSinceRR = false
	pkts := []rtcp.Packet{first, &rtcp.SourceDescription{Chunks: []rtcp.SourceDescriptionChunk{{
		Source: s.hdr.SSRC,
		Items:  []rtcp.SourceDescriptionItem{{Type: rtcp.SDESCNAME, Text: s.cname}},
	}}}}
	if bye {
		pkts = append(pkts, &rtcp.Goodbye{Sources: []uint32{s.hdr.SSRC}})
	}
	b, err := rtcp.Marshal(pkts)
	if err == nil && s.srtp != nil {
		b, err = s.srtp.ProtectRTCP(nil, b)
	}
	if err != nil {
		s.st.SendErrors++
		return
	}
	c := s.conn
	if s.rtcpConn != nil {
		c = s.rtcpConn
	}
	if err := s.writeTo(c, b, s.rtcpRemote, nil); err != nil {
		s.st.SendErrors++
		return
	}
	s.st.RTCPSent++
}

// handleRTCP processes a received compound RTCP packet.
func (s *Session) handleRTCP(b []byte, from netip.AddrPort, rtcpSocket bool) {
	now := s.now()
	s.mu.Lock()
	if s.srtp != nil {
		var err error
		// RTCP is rare: a fresh buffer keeps the RTP one to RTP.
		if b, err = s.srtp.UnprotectRTCP(make([]byte, 0, len(b)), b); err != nil {
			s.countSRTPErrorLocked(err, true)
			s.mu.Unlock()
			return
		}
	}
	s.mu.Unlock()
	pkts, err := rtcp.Unmarshal(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.st.Malformed++
		return
	}
	s.st.RTCPReceived++
	if s.symmetric && rtcpSocket && from.IsValid() {
		s.rtcpRemote = from
	}
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.SenderReport:
			s.sr = lastSR{mid: uint32(p.NTPTime >> 16), at: now}
			s.remoteReportsLocked(now, p.Reports)
		case *rtcp.ReceiverReport:
			s.remoteReportsLocked(now, p.Reports)
		}
	}
}

func (s *Session) remoteReportsLocked(now time.Time, reports []rtcp.ReceptionReport) {
	for _, r := range reports {
		if r.SSRC != s.hdr.SSRC {
			continue
		}
		s.st.RemoteFractionLost = r.FractionLost
		lost := int32(r.TotalLost<<8) >> 8 // 24-bit signed
		s.st.RemoteLost = lost
		s.st.RemoteJitter = time.Duration(int64(r.Jitter) * int64(time.Second) / media.SampleRate)
		if r.LastSenderReport != 0 {
			a := uint32(ntpTime(now) >> 16)
			if rtt := a - r.LastSenderReport - r.Delay; rtt < 1<<31 {
				s.st.RoundTrip = time.Duration(int64(rtt) * int64(time.Second) / 65536)
			}
		}
	}
}
