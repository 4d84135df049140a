package callerid

import (
	"fmt"
	"math"

	"github.com/potsgate/potsgate/media"
)

// DefaultMinLevel is the default carrier detect threshold of a Receiver,
// in dBm0 (GR-30 CPE must accept -32 dBm; ETSI down to -40 dBV-ish lines).
const DefaultMinLevel = -45.0

// ReceiverOptions tune a Receiver. The zero value gives the defaults.
type ReceiverOptions struct {
	// MinLevel is the carrier detect threshold in dBm0 (0 = DefaultMinLevel).
	MinLevel float64
}

// ReceiverStats counts what a Receiver saw.
type ReceiverStats struct {
	Messages       int // messages with a valid checksum
	ChecksumErrors int // complete messages with a bad checksum or malformed body
	FramingErrors  int // bytes whose stop bit was a space
	Dropped        int // decoded messages lost because Next was not called
}

const (
	corrLen    = 8 // correlator window: 1 ms, 1.2 bits (best noise margin in tests)
	queueLen   = 4
	maxMsgLen  = 258 // type + length + 255 body + checksum
	resetMarks = 30  // idle mark bits that start a new message
)

// Receiver demodulates Bell 202 or V.23 FSK caller ID from 8 kHz PCM and
// yields checksum-verified messages. It is for one channel and not safe
// for concurrent use. Process allocates nothing; only a completed message
// allocates its strings.
type Receiver struct {
	std Standard
	// Correlator tables and history.
	mc, ms, sc, ss [corrLen]float64
	hist           [corrLen]float64
	hpos           int
	// Carrier detect.
	power, onPow, offPow float64
	carrier              bool
	// UART.
	spb       float64 // samples per bit
	inByte    bool
	t         int     // samples since the start edge
	nextAt    float64 // t of the next bit sample
	bitIx     int     // 0 start, 1..8 data, 9 stop
	last      bool    // previous decision inside a byte
	cur       byte
	armed     bool
	idleMarks int
	// Message assembly.
	buf  [maxMsgLen]byte
	nbuf int
	// Output queue.
	queue     [queueLen]Message
	qhead, qn int
	stats     ReceiverStats
}

// NewReceiver returns a receiver for std (Bellcore or ETSI).
func NewReceiver(std Standard, opts ReceiverOptions) (*Receiver, error) {
	mark, space := 1200.0, 2200.0
	switch std {
	case Bellcore:
	case ETSI:
		mark, space = 1300, 2100
	default:
		return nil, fmt.Errorf("%w: FSK receiver for %v", ErrUnsupported, std)
	}
	lvl := opts.MinLevel
	if lvl == 0 {
		lvl = DefaultMinLevel
	}
	a := media.SineAmplitude(lvl)
	r := &Receiver{std: std, spb: float64(SampleRate) / baud, onPow: a * a / 2, offPow: a * a / 4}
	for m := range corrLen {
		wm, ws := 2*math.Pi*mark*float64(m)/SampleRate, 2*math.Pi*space*float64(m)/SampleRate
		r.mc[m], r.ms[m] = math.Cos(wm), math.Sin(wm)
		r.sc[m], r.ss[m] = math.Cos(ws), math.Sin(ws)
	}
	return r, nil
}

// Reset returns the receiver to its initial state (statistics and queued
// messages are kept).
func (r *Receiver) Reset() {
	clear(r.hist[:])
	r.power, r.carrier = 0, false
	r.resetUART()
	r.nbuf = 0
}

// Stats returns the receiver's counters.
func (r *Receiver) Stats() ReceiverStats { return r.stats }

// Process demodulates one frame of PCM (any length) and reports whether a
// message is waiting in Next.
func (r *Receiver) Process(frame []int16) bool {
	for _, s := range frame {
		r.sample(float64(s))
	}
	return r.qn > 0
}

// Next returns the oldest decoded message not yet returned.
func (r *Receiver) Next() (Message, bool) {
	if r.qn == 0 {
		return Message{}, false
	}
	m := r.queue[r.qhead]
	r.queue[r.qhead] = Message{}
	r.qhead = (r.qhead + 1) % queueLen
	r.qn--
	return m, true
}

func (r *Receiver) resetUART() {
	r.inByte, r.armed, r.idleMarks = false, false, 0
}

func (r *Receiver) sample(x float64) {
	// Carrier detect: exponential average of power with hysteresis.
	r.power += (x*x - r.power) / 32
	if r.carrier && r.power < r.offPow {
		r.carrier = false
		r.resetUART()
		r.nbuf = 0
	} else if !r.carrier && r.power > r.onPow {
		r.carrier = true
	}
	// Mark and space energy over the last corrLen samples.
	r.hist[r.hpos] = x
	r.hpos = (r.hpos + 1) % corrLen
	var mi, mq, si, sq float64
	j := r.hpos
	for m := range corrLen {
		v := r.hist[j]
		mi += v * r.mc[m]
		mq += v * r.ms[m]
		si += v * r.sc[m]
		sq += v * r.ss[m]
		if j++; j == corrLen {
			j = 0
		}
	}
	if !r.carrier {
		return
	}
	mark := mi*mi+mq*mq > si*si+sq*sq
	r.uart(mark)
}

func (r *Receiver) uart(mark bool) {
	if !r.inByte {
		if mark {
			r.armed = true
			r.idleMarks++
			if float64(r.idleMarks) >= resetMarks*r.spb {
				r.nbuf = 0 // a mark signal: whatever follows is a new message
			}
			return
		}
		if !r.armed {
			return
		}
		r.inByte, r.t, r.bitIx, r.cur, r.last = true, 0, 0, 0, false
		r.nextAt = 0.5*r.spb - 0.5
		return
	}
	r.t++
	if mark != r.last {
		// A transition starts a new bit: re-centre the sample point on it
		// (tolerates transmitters whose bit rate is several percent off).
		r.last = mark
		if r.bitIx > 0 {
			r.nextAt = float64(r.t) + 0.5*r.spb - 0.5
		}
	}
	if float64(r.t) < r.nextAt {
		return
	}
	switch {
	case r.bitIx == 0:
		if mark { // glitch, not a start bit
			r.inByte, r.idleMarks = false, 1
			return
		}
	case r.bitIx <= 8:
		if mark {
			r.cur |= 1 << (r.bitIx - 1)
		}
	default:
		if !mark && float64(r.t) < r.nextAt+0.45*r.spb {
			// A slow transmitter's stop bit may start late (minimodem
			// sends 7 samples per bit at 8 kHz, 5 % slow): wait for it.
			return
		}
		r.inByte, r.idleMarks = false, 0
		if !mark {
			r.stats.FramingErrors++
			r.armed = false
			r.nbuf = 0
			return
		}
		r.armed = true
		r.byteIn(r.cur)
		return
	}
	r.bitIx++
	r.nextAt = (float64(r.bitIx)+0.5)*r.spb - 0.5
}

func isMessageType(b byte) bool {
	switch b {
	case typeSDMFCallSetup, typeSDMFMWI, typeMDMFCallSetup, typeMDMFMWI:
		return true
	}
	return false
}

func (r *Receiver) byteIn(b byte) {
	if r.nbuf == 0 && !isMessageType(b) {
		return
	}
	r.buf[r.nbuf] = b
	r.nbuf++
	if r.nbuf < 2 || r.nbuf < int(r.buf[1])+3 {
		return
	}
	m, err := Decode(r.buf[:r.nbuf])
	r.nbuf = 0
	if err != nil {
		r.stats.ChecksumErrors++
		return
	}
	r.stats.Messages++
	if r.qn == queueLen {
		r.Next()
		r.stats.Dropped++
	}
	r.queue[(r.qhead+r.qn)%queueLen] = m
	r.qn++
}
