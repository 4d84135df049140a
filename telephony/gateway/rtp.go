package gateway

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/potsgate/potsgate/media"
	"github.com/potsgate/potsgate/media/g711"
	"github.com/potsgate/potsgate/media/g729"
	"github.com/potsgate/potsgate/media/rtpsession"
	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
)

// RTPMedia is the MediaFactory of real RTP: ports from BaseUDPPort on the
// SIP bind address, G.711 or G.729, RFC 4733.
type RTPMedia struct {
	ports      *rtpsession.PortAllocator
	packetTime time.Duration
	totals     rtpTotals // for RTPCounters (metrics.go)
	// wrapRTP, when set, stands in front of each RTP socket: a test's
	// network impairment where the kernel has no netem.
	wrapRTP func(net.PacketConn) net.PacketConn
}

// NewRTPMedia reads the RTP port range from the configuration.
func NewRTPMedia(c provisioning.Config, sc sip.Config) (*RTPMedia, error) {
	ip, err := netip.ParseAddr(orDefault(c.String(ParamSIPBindAddress), "127.0.0.1"))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ParamSIPBindAddress, err)
	}
	base := int(c.Int(ParamBaseUDPPort))
	count := int(c.Int(ParamRTPPortCount))
	ports := rtpsession.NewPortAllocator(ip, base, base+count-1)
	ports.DSCP = mediaDSCP(c)
	return &RTPMedia{ports: ports, packetTime: sc.PacketTime}, nil
}

// InUse is the number of RTP port pairs in use.
func (m *RTPMedia) InUse() int { return m.ports.InUse() }

// Open reserves an RTP/RTCP port pair.
func (m *RTPMedia) Open(onDigit func(byte)) (MediaLeg, error) {
	rtp, rtcp, port, err := m.ports.Allocate()
	if err != nil {
		return nil, err
	}
	if m.wrapRTP != nil {
		rtp = m.wrapRTP(rtp)
	}
	l := &rtpLeg{m: m, rtp: rtp, rtcp: rtcp, port: port, onDigit: onDigit}
	m.totals.opened(l)
	return l, nil
}

// rtpLeg is one call's RTP session, created when the media is known.
type rtpLeg struct {
	m         *RTPMedia
	rtp, rtcp net.PacketConn
	port      int
	onDigit   func(byte)

	mu     sync.Mutex
	s      *rtpsession.Session
	closed bool
}

func (l *rtpLeg) Port() int { return l.port }

func codecFor(f sdp.Format) (media.Codec, error) {
	switch strings.ToUpper(f.Name) {
	case "PCMU":
		return g711.PCMU, nil
	case "PCMA":
		return g711.PCMA, nil
	case "G729":
		return g729.Codec{AnnexB: sdp.AnnexB(f)}, nil
	}
	return nil, fmt.Errorf("gateway: no codec for %s", f.Name)
}

func (l *rtpLeg) Start(c sdp.Choice) error {
	codec, err := codecFor(c.Codec)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return rtpsession.ErrClosed
	}
	if l.s != nil { // early media already started it: the answer may move it
		return l.apply(c)
	}
	ptime := c.PacketTime
	if ptime <= 0 || ptime > 60*time.Millisecond || ptime%(10*time.Millisecond) != 0 {
		ptime = l.m.packetTime
	}
	cfg := rtpsession.Config{Conn: l.rtp, RTCPConn: l.rtcp, Remote: c.Remote, Codec: codec, PacketTime: ptime, Symmetric: true,
		SRTPSend: c.SRTP.Send, SRTPReceive: c.SRTP.Receive}
	if c.HasDTMF() {
		cfg.DTMFPayloadType = c.DTMF.PayloadType
		cfg.OnDTMF = func(d byte, end bool) {
			if !end && l.onDigit != nil {
				l.onDigit(d)
			}
		}
	}
	s, err := rtpsession.New(cfg)
	if err != nil {
		return err
	}
	l.s = s
	return l.apply(c)
}

// apply sets keys, codec, direction and remote address; l.mu is held. New
// SRTP keys (a re-INVITE's) rekey the session.
func (l *rtpLeg) apply(c sdp.Choice) error {
	if err := l.s.SetKeys(c.SRTP.Send, c.SRTP.Receive); err != nil {
		return err
	}
	if c.Codec.Name != "" && !strings.EqualFold(c.Codec.Name, l.s.Codec().Name()) {
		// A re-INVITE changed the coder (to G.711 for fax, say).
		if codec, err := codecFor(c.Codec); err == nil {
			_ = l.s.SetCodec(codec)
		}
	}
	l.s.SetRemote(c.Remote)
	switch c.Direction {
	case sdp.SendOnly:
		l.s.SetDirection(true, false)
	case sdp.RecvOnly:
		l.s.SetDirection(false, true)
	case sdp.Inactive:
		l.s.SetDirection(false, false)
	default:
		l.s.SetDirection(true, true)
	}
	return nil
}

func (l *rtpLeg) Update(c sdp.Choice) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.s == nil {
		return nil
	}
	return l.apply(c)
}

// SetFaxMode fixes the jitter buffer and plays loss as silence (fax.go).
func (l *rtpLeg) SetFaxMode() {
	if s := l.session(); s != nil {
		s.SetFaxMode()
	}
}

// CodecName is the name of the codec in use ("" before the media starts).
func (l *rtpLeg) CodecName() string {
	if s := l.session(); s != nil {
		return s.Codec().Name()
	}
	return ""
}

func (l *rtpLeg) session() *rtpsession.Session {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s
}

func (l *rtpLeg) ReadFrame(dst []int16) {
	if s := l.session(); s != nil {
		s.ReadFrame(dst)
		return
	}
	clear(dst)
}

func (l *rtpLeg) WriteFrame(src []int16) {
	if s := l.session(); s != nil {
		_ = s.WriteFrame(src)
	}
}

func (l *rtpLeg) SendDigit(d byte) {
	if s := l.session(); s != nil {
		_ = s.SendDTMF(d, 100*time.Millisecond)
	}
}

func (l *rtpLeg) Stats() (rtpsession.Stats, bool) {
	if s := l.session(); s != nil {
		return s.Stats(), true
	}
	return rtpsession.Stats{}, false
}

// MediaStats is the call's RTP loss and jitter, for its CDR.
func (l *rtpLeg) MediaStats() (lost int64, jitter time.Duration) {
	st, _ := l.Stats()
	return st.Lost, st.Jitter
}

func (l *rtpLeg) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	s := l.s
	l.mu.Unlock()
	l.m.totals.closing(l)
	var err error
	if s != nil {
		err = s.Close() // closes both sockets
	} else {
		err = l.rtp.Close()
		if l.rtcp != nil {
			_ = l.rtcp.Close()
		}
	}
	l.m.ports.Release(l.port)
	return err
}
