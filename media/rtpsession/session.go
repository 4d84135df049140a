package rtpsession

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/pion/rtp"

	"github.com/potsgate/potsgate/media"
	"github.com/potsgate/potsgate/media/jitter"
	"github.com/potsgate/potsgate/media/srtp"
)

// Errors callers can test with errors.Is.
var (
	ErrClosed       = errors.New("rtpsession: session closed")
	ErrConfig       = errors.New("rtpsession: invalid config")
	ErrNoDTMF       = errors.New("rtpsession: no telephone-event payload type")
	ErrInvalidDigit = errors.New("rtpsession: invalid DTMF digit")
	ErrDTMFBusy     = errors.New("rtpsession: DTMF queue full")
	// ErrKeys is a keying SRTP cannot use (media/srtp.ErrKeying), or one
	// direction keyed without the other.
	ErrKeys = errors.New("rtpsession: invalid SRTP keys")
)

// DefaultRTCPInterval is the period of RTCP reports.
const DefaultRTCPInterval = 5 * time.Second

// frameSamples is the line's 10 ms frame at 8 kHz.
const frameSamples = media.SampleRate / 100

// frameCodec is what a frame-based codec with discontinuous transmission
// adds to media.Codec (media/g729.Codec): the session then builds packets
// frame by frame and reads the duration of received payloads from them.
type frameCodec interface {
	// PayloadSamples is the audio a payload carries (0 if malformed).
	PayloadSamples(payload []byte) int
	// FrameEndsPacket reports whether a frame coded to n bytes (0: not
	// transmitted; a SID) must end its packet.
	FrameEndsPacket(n int) bool
}

// Config sets up a [Session].
type Config struct {
	// Conn is the RTP socket. The session owns it and closes it.
	Conn net.PacketConn
	// RTCPConn is the RTCP socket (RTP port + 1), owned and closed by the
	// session. Nil multiplexes RTCP on Conn.
	RTCPConn net.PacketConn
	// Remote is where RTP goes; RTCP goes to its port + 1 when RTCPConn is
	// set. The zero value sends nothing until SetRemote or latching.
	Remote netip.AddrPort
	// Codec codes the audio. Required.
	Codec media.Codec
	// PacketTime is the audio per packet, 10 to 60 ms in steps of 10 ms;
	// 0 means 20 ms.
	PacketTime time.Duration
	// DTMFPayloadType is the RFC 4733 telephone-event payload type; 0 turns
	// telephone events off.
	DTMFPayloadType uint8
	// Symmetric latches the remote address to the source of received RTP.
	Symmetric bool
	// OnDTMF is called from the receive goroutine when a received digit
	// starts (end false) and when it ends (end true). It must not block.
	OnDTMF func(digit byte, end bool)
	// Jitter configures the jitter buffer; the zero value is the default
	// (40 ms to start, 20 to 200 ms).
	Jitter jitter.Config
	// RTCPInterval is the report period: 0 means 5 s, negative disables
	// periodic reports.
	RTCPInterval time.Duration
	// SRTPSend and SRTPReceive key SRTP and SRTCP (RFC 3711): SRTPSend
	// protects what we send, SRTPReceive checks what we receive. Both zero
	// is plain RTP; one without the other is an error.
	SRTPSend, SRTPReceive srtp.Keying
	// Logger receives rare events (never per packet); nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Stats are a session's counters.
type Stats struct {
	SSRC, RemoteSSRC uint32

	PacketsSent, BytesSent         uint64 // RTP packets and payload octets
	PacketsReceived, BytesReceived uint64 // accepted RTP (audio and events)

	// Lost is the cumulative number of packets lost (RFC 3550 6.4.1).
	Lost int64
	// Jitter is the interarrival jitter of RFC 3550 A.8.
	Jitter time.Duration
	// Late and Duplicates were dropped by the jitter buffer; Concealed
	// counts packets' worth of audio the decoder concealed (lost, late or
	// waited for).
	Late, Duplicates, Concealed uint64
	// JitterDelay is the jitter buffer's target delay.
	JitterDelay time.Duration

	Malformed      uint64 // undecodable RTP or RTCP
	UnknownPayload uint64 // RTP of a payload type not negotiated
	Inactive       uint64 // RTP dropped while not receiving
	SendErrors     uint64
	Latched        uint64 // remote address changes by symmetric RTP

	// Secure is set while SRTP protects the session. SRTPAuthFailed counts
	// SRTP packets whose authentication failed (tampered, under a key we
	// do not hold, or plain RTP), SRTCPAuthFailed the same for RTCP (some
	// peers send their last RTCP BYE unprotected), SRTPReplayed packets
	// of either seen before: all are dropped before anything reads them,
	// never played.
	Secure          bool
	SRTPAuthFailed  uint64
	SRTCPAuthFailed uint64
	SRTPReplayed    uint64

	DTMFSent, DTMFReceived uint64 // digits (end of event)

	RTCPSent, RTCPReceived uint64
	// Remote* come from the far end's reception reports about our stream.
	RemoteFractionLost uint8
	RemoteLost         int32
	RemoteJitter       time.Duration
	RoundTrip          time.Duration
}

// Session is the RTP/RTCP of one call leg. Its methods are safe for
// concurrent use.
type Session struct {
	conn, rtcpConn net.PacketConn
	codec          media.Codec
	ptime          int // samples per packet
	audioPT        uint8
	dtmfPT         uint8
	symmetric      bool
	onDTMF         func(byte, bool)
	log            *slog.Logger
	now            func() time.Time
	rtcpInterval   time.Duration
	cname          string

	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error

	mu     sync.Mutex
	closed bool
	send   bool
	recv   bool
	remote netip.AddrPort
	// remoteAddr caches remote as a net.Addr for non-UDP conns.
	remoteAddr net.Addr
	rtcpRemote netip.AddrPort
	st         Stats

	// srtp protects the session when keyed; nil for plain RTP.
	srtp  *srtp.Context
	sout  []byte // protected packet being sent
	plain []byte // unprotected packet received

	// frames is the codec's DTX side (G.729 Annex B), nil for others.
	frames frameCodec

	// send state
	enc         media.Encoder
	pktSamples  int // samples of the frames in payload (frame codecs)
	pktFrames   int
	hdr         rtp.Header
	ts          uint32 // timestamp of the next sample
	pcm         []int16
	payload     []byte
	out         []byte
	talkspurt   bool // the next audio packet starts a talkspurt
	dtmfQ       [16]dtmfReq
	dtmfHead    int
	dtmfLen     int
	dtmf        dtmfSend
	sentSinceRR bool
	nextRTCP    time.Time

	fax bool // SetFaxMode: fixed jitter buffer, no concealment

	// receive state
	dec   media.Decoder
	jb    *jitter.Buffer
	fifo  []int16
	rx    rtp.Packet
	rs    recvStats
	sr    lastSR
	event eventState
}

// New starts a session and its receive goroutine.
func New(cfg Config) (*Session, error) {
	if cfg.Conn == nil || cfg.Codec == nil {
		return nil, fmt.Errorf("%w: Conn and Codec are required", ErrConfig)
	}
	if cfg.Codec.ClockRate() != media.SampleRate {
		return nil, fmt.Errorf("%w: clock rate %d, want %d", ErrConfig, cfg.Codec.ClockRate(), media.SampleRate)
	}
	if cfg.PacketTime == 0 {
		cfg.PacketTime = 20 * time.Millisecond
	}
	if cfg.PacketTime < 10*time.Millisecond || cfg.PacketTime > 60*time.Millisecond || cfg.PacketTime%(10*time.Millisecond) != 0 {
		return nil, fmt.Errorf("%w: packet time %v", ErrConfig, cfg.PacketTime)
	}
	if cfg.DTMFPayloadType > 127 || cfg.DTMFPayloadType != 0 && cfg.DTMFPayloadType == cfg.Codec.PayloadType() {
		return nil, fmt.Errorf("%w: telephone-event payload type %d", ErrConfig, cfg.DTMFPayloadType)
	}
	if cfg.Jitter.ClockRate == 0 {
		cfg.Jitter.ClockRate = media.SampleRate
	}
	if cfg.Jitter.PacketTime == 0 {
		cfg.Jitter.PacketTime = cfg.PacketTime
	}
	jb, err := jitter.New(cfg.Jitter)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RTCPInterval == 0 {
		cfg.RTCPInterval = DefaultRTCPInterval
	}
	ptime := int(cfg.PacketTime / time.Millisecond * media.SampleRate / 1000)
	s := &Session{
		conn:         cfg.Conn,
		rtcpConn:     cfg.RTCPConn,
		codec:        cfg.Codec,
		ptime:        ptime,
		audioPT:      cfg.Codec.PayloadType(),
		dtmfPT:       cfg.DTMFPayloadType,
		symmetric:    cfg.Symmetric,
		onDTMF:       cfg.OnDTMF,
		log:          cfg.Logger,
		now:          cfg.Now,
		rtcpInterval: cfg.RTCPInterval,
		cname:        fmt.Sprintf("potsgate-%016x", rand.Uint64()),
		send:         true,
		recv:         true,
		enc:          cfg.Codec.NewEncoder(),
		dec:          cfg.Codec.NewDecoder(),
		jb:           jb,
		ts:           rand.Uint32(),
		pcm:          make([]int16, 0, ptime),
		payload:      make([]byte, 0, 2*ptime),
		out:          make([]byte, 1500),
		fifo:         make([]int16, 0, 4*ptime),
		talkspurt:    true,
	}
	if err := s.setKeysLocked(cfg.SRTPSend, cfg.SRTPReceive); err != nil {
		return nil, err
	}
	s.frames, _ = cfg.Codec.(frameCodec)
	s.hdr = rtp.Header{Version: 2, SSRC: rand.Uint32(), SequenceNumber: uint16(rand.Uint32())}
	s.st.SSRC = s.hdr.SSRC
	s.setRemoteLocked(cfg.Remote)
	if s.rtcpInterval > 0 {
		// The first report goes out after half an interval (RFC 3550 6.2).
		s.nextRTCP = s.now().Add(s.rtcpInterval / 2)
	}
	s.wg.Add(1)
	go s.receive(s.conn)
	if s.rtcpConn != nil {
		s.wg.Add(1)
		go s.receive(s.rtcpConn)
	}
	return s, nil
}

// SetRemote changes where RTP (and RTCP) go.
func (s *Session) SetRemote(addr netip.AddrPort) {
	s.mu.Lock()
	s.setRemoteLocked(addr)
	s.mu.Unlock()
}

func (s *Session) setRemoteLocked(addr netip.AddrPort) {
	addr = netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
	s.remote = addr
	s.remoteAddr = nil
	s.rtcpRemote = netip.AddrPort{}
	if addr.IsValid() {
		s.remoteAddr = net.UDPAddrFromAddrPort(addr)
		if s.rtcpConn != nil {
			s.rtcpRemote = netip.AddrPortFrom(addr.Addr(), addr.Port()+1)
		} else {
			s.rtcpRemote = addr
		}
	}
}

// SetKeys changes the SRTP keys (a re-INVITE with new a=crypto lines). A
// direction whose key did not change keeps its state; the previous
// receiving key is honoured until a packet authenticates under the new
// one. Both zero turns SRTP off.
func (s *Session) SetKeys(send, receive srtp.Keying) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.setKeysLocked(send, receive)
}

func (s *Session) setKeysLocked(send, receive srtp.Keying) error {
	switch {
	case send.IsZero() && receive.IsZero():
		s.srtp = nil
		s.st.Secure = false
		return nil
	case send.IsZero() || receive.IsZero():
		return fmt.Errorf("%w: one direction keyed, the other not", ErrKeys)
	case s.srtp != nil:
		if err := s.srtp.Rekey(send, receive); err != nil {
			return fmt.Errorf("%w: %w", ErrKeys, err)
		}
		return nil
	}
	c, err := srtp.NewContext(send, receive)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrKeys, err)
	}
	s.srtp = c
	if s.sout == nil {
		s.sout = make([]byte, 0, 1600)
		s.plain = make([]byte, 0, 2048)
	}
	s.st.Secure = true
	return nil
}

// Remote returns where RTP goes now.
func (s *Session) Remote() netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.remote
}

// SetDirection turns sending and receiving on and off (hold: sendonly is
// (true, false), inactive (false, false)). While not sending, frames are
// dropped and the timestamp keeps running; the first packet after resuming
// carries the marker bit. While not receiving, RTP is dropped and
// ReadFrame plays silence.
func (s *Session) SetDirection(send, receive bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if send && !s.send {
		s.talkspurt = true
	}
	if !receive && s.recv {
		s.jb.Reset()
		s.fifo = s.fifo[:0]
	}
	s.send, s.recv = send, receive
}

// Stats returns the counters.
func (s *Session) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	js := s.jb.Stats()
	st.Late, st.Duplicates = js.Late, js.Duplicates
	st.JitterDelay = js.Target
	st.RemoteSSRC = s.rs.ssrc
	st.Lost = s.rs.lost()
	st.Jitter = time.Duration(int64(s.rs.jitter>>4) * int64(time.Second) / media.SampleRate)
	return st
}

// Close sends an RTCP BYE, closes Conn and RTCPConn and waits for the
// receive goroutines. It is idempotent.
func (s *Session) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		if s.rtcpInterval > 0 {
			s.sendRTCPLocked(s.now(), true)
		}
		s.closed = true
		s.mu.Unlock()
		err := s.conn.Close()
		if s.rtcpConn != nil {
			err = errors.Join(err, s.rtcpConn.Close())
		}
		s.wg.Wait()
		s.closeErr = err
	})
	return s.closeErr
}
