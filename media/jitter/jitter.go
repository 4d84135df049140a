package jitter

import (
	"errors"
	"fmt"
	"time"
)

// Default delays.
const (
	DefaultInitialDelay = 40 * time.Millisecond
	DefaultMinDelay     = 20 * time.Millisecond
	DefaultMaxDelay     = 200 * time.Millisecond
)

const (
	slots         = 64 // packets kept: 640 ms at 10 ms, 3.8 s at 60 ms
	maxSeqJump    = 1000
	maxTSJumpSecs = 2
	lateResync    = 25  // consecutive late packets that restart the buffer
	needDecay     = 512 // packets for the lateness peak to decay by 1/e
)

// ErrConfig reports an invalid [Config].
var ErrConfig = errors.New("jitter: invalid config")

// Config sets up a [Buffer]. The zero value is valid: 8 kHz, 40 ms
// initial, 20 ms minimum and 200 ms maximum delay, 20 ms packets.
type Config struct {
	// ClockRate is the RTP clock rate in Hz (default 8000).
	ClockRate int
	// InitialDelay, MinDelay and MaxDelay bound the target delay.
	InitialDelay, MinDelay, MaxDelay time.Duration
	// PacketTime is the packet duration assumed until packets tell
	// otherwise (default 20 ms).
	PacketTime time.Duration
}

// Packet is one received RTP packet as the buffer needs it.
type Packet struct {
	SSRC      uint32
	Seq       uint16
	Timestamp uint32
	Marker    bool
	// Payload is copied into the buffer.
	Payload []byte
	// Samples is the duration of the payload in RTP clock ticks; 0 means
	// unknown (the duration of the previous packet is assumed).
	Samples int
}

// FrameKind says what [Buffer.Next] returned.
type FrameKind uint8

const (
	// FrameEmpty is silence: nothing to play (before the first packet, in a
	// silence gap, or after the stream stopped).
	FrameEmpty FrameKind = iota
	// FrameAudio carries a packet's payload.
	FrameAudio
	// FrameLost stands for audio that is missing: the decoder conceals it.
	FrameLost
)

func (k FrameKind) String() string {
	switch k {
	case FrameEmpty:
		return "empty"
	case FrameAudio:
		return "audio"
	case FrameLost:
		return "lost"
	}
	return fmt.Sprintf("FrameKind(%d)", uint8(k))
}

// Frame is what the reader plays next.
type Frame struct {
	Kind FrameKind
	// Payload is valid for FrameAudio until the next call to the buffer.
	Payload []byte
	// Samples is the duration of the frame in RTP clock ticks (> 0).
	Samples int
	// Seq and Timestamp identify the packet of a FrameAudio.
	Seq       uint16
	Timestamp uint32
}

// PushResult says what [Buffer.Push] did with a packet.
type PushResult uint8

const (
	// Stored: the packet waits for its turn.
	Stored PushResult = iota
	// Duplicate: the packet was already stored and is dropped.
	Duplicate
	// Late: the packet's turn has passed and it is dropped.
	Late
	// Resynced: the packet restarted the buffer and is stored.
	Resynced
	// Dropped: the packet was unusable (empty payload) and is dropped.
	Dropped
)

func (r PushResult) String() string {
	switch r {
	case Stored:
		return "stored"
	case Duplicate:
		return "duplicate"
	case Late:
		return "late"
	case Resynced:
		return "resynced"
	case Dropped:
		return "dropped"
	}
	return fmt.Sprintf("PushResult(%d)", uint8(r))
}

// Stats are the buffer's counters.
type Stats struct {
	Pushed     uint64 // packets offered to Push
	Played     uint64 // FrameAudio returned
	Lost       uint64 // packets declared lost (FrameLost for a missing packet)
	Late       uint64 // packets dropped as late
	Duplicates uint64 // packets dropped as duplicates
	Dropped    uint64 // packets dropped as unusable
	Underruns  uint64 // FrameLost returned while waiting for a packet
	Holds      uint64 // FrameLost inserted to grow the delay
	Skipped    uint64 // packets dropped to shrink the delay
	Resyncs    uint64 // restarts and re-anchors after the first packet
	// Jitter is the interarrival jitter of RFC 3550 6.4.1.
	Jitter time.Duration
	// Target is the target delay; Delay the current estimate.
	Target, Delay time.Duration
}

type slot struct {
	full    bool
	marker  bool
	ext     int64 // extended sequence number
	ts      int64 // extended timestamp
	samples int
	seq     uint16
	payload []byte
}

// Buffer is an adaptive jitter buffer for one RTP stream. It is not safe
// for concurrent use: a session serialises Push and Next.
type Buffer struct {
	rate                   int64
	minD, maxD, defSamples int64

	ring    [slots]slot
	count   int
	started bool
	ssrc    uint32
	epoch   time.Time

	highSeq, highTS int64
	playSeq, playTS int64
	lastSamples     int64

	haveTransit bool
	minTransit  int64
	prevTransit int64
	jitter16    int64 // RFC 3550 A.8 jitter, scaled by 16
	need        float64
	delay       float64
	target      int64
	held        int64
	sinceSkip   int64
	lateRun     int
	fixed       bool // Fix: no holds, skips only past 200 ms over the target

	st Stats
}

// New returns an empty buffer.
func New(cfg Config) (*Buffer, error) {
	if cfg.ClockRate == 0 {
		cfg.ClockRate = 8000
	}
	if cfg.InitialDelay == 0 {
		cfg.InitialDelay = DefaultInitialDelay
	}
	if cfg.MinDelay == 0 {
		cfg.MinDelay = DefaultMinDelay
	}
	if cfg.MaxDelay == 0 {
		cfg.MaxDelay = DefaultMaxDelay
	}
	if cfg.PacketTime == 0 {
		cfg.PacketTime = 20 * time.Millisecond
	}
	switch {
	case cfg.ClockRate < 0 || cfg.ClockRate > 1_000_000:
		return nil, fmt.Errorf("%w: clock rate %d", ErrConfig, cfg.ClockRate)
	case cfg.MinDelay < 0 || cfg.MinDelay > cfg.MaxDelay || cfg.MaxDelay > 10*time.Second:
		return nil, fmt.Errorf("%w: delays %v..%v", ErrConfig, cfg.MinDelay, cfg.MaxDelay)
	case cfg.InitialDelay < cfg.MinDelay || cfg.InitialDelay > cfg.MaxDelay:
		return nil, fmt.Errorf("%w: initial delay %v outside %v..%v", ErrConfig, cfg.InitialDelay, cfg.MinDelay, cfg.MaxDelay)
	case cfg.PacketTime < time.Millisecond || cfg.PacketTime > time.Second:
		return nil, fmt.Errorf("%w: packet time %v", ErrConfig, cfg.PacketTime)
	}
	b := &Buffer{rate: int64(cfg.ClockRate)}
	b.minD = b.samples(cfg.MinDelay)
	b.maxD = b.samples(cfg.MaxDelay)
	b.defSamples = b.samples(cfg.PacketTime)
	b.lastSamples = b.defSamples
	b.target = b.samples(cfg.InitialDelay)
	b.need = float64(b.target - b.margin())
	return b, nil
}

func (b *Buffer) samples(d time.Duration) int64 { return int64(d) * b.rate / int64(time.Second) }

func (b *Buffer) duration(n int64) time.Duration {
	return time.Duration(n * int64(time.Second) / b.rate)
}

// margin is added to the lateness peak: 10 ms.
func (b *Buffer) margin() int64 { return b.rate / 100 }

// Stats returns the counters.
func (b *Buffer) Stats() Stats {
	s := b.st
	s.Jitter = b.duration(b.jitter16 >> 4)
	s.Target = b.duration(b.target)
	s.Delay = b.duration(int64(b.delay))
	return s
}

// Len is the number of packets waiting.
func (b *Buffer) Len() int { return b.count }

// Reset empties the buffer and forgets the stream; counters and the
// delay estimate are kept.
func (b *Buffer) Reset() {
	b.clear()
	b.started = false
}

func (b *Buffer) clear() {
	for i := range b.ring {
		b.ring[i].full = false
	}
	b.count = 0
	b.held = 0
	b.lateRun = 0
}

// Fix stops the adaptation, for fax and modem calls, whose demodulators
// lose their place when audio is inserted or dropped: the target delay
// stays where it is, or at least minDelay, from now on; the buffer no
// longer holds to grow its delay, and drops a packet only when the delay
// is more than 200 ms over the target (after a long stall). A late packet
// still leaves a gap. Reset keeps it fixed.
func (b *Buffer) Fix(minDelay time.Duration) {
	b.fixed = true
	b.target = max(b.target, min(b.samples(minDelay), b.maxD))
	b.minD, b.maxD = b.target, b.target
	b.need = float64(b.target - b.margin())
}
