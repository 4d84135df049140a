package fax

import "strings"

// Signal is a set of fax and modem signals, as bits.
type Signal uint8

// The signals a [Detector] reports.
const (
	// SignalCNG: a burst of the calling fax's 1100 Hz tone.
	SignalCNG Signal = 1 << iota
	// SignalCED: 2100 Hz for 500 ms, with or without phase reversals: a
	// fax's answer tone (T.30 CED), or a modem's (V.25 ANS, V.8 ANSam).
	SignalCED
	// SignalANSReversal: the 2100 Hz tone reversed its phase at the
	// G.165 spacing (/ANS, /ANSam): a V.8 modem or a V.34 fax, which asks
	// echo cancellers to get out of the way.
	SignalANSReversal
	// SignalV21Preamble: HDLC flags in V.21 channel 2 FSK at 300 bit/s,
	// the preamble of every T.30 control message (DIS, DCS, ...).
	SignalV21Preamble
)

var signalNames = [...]string{"CNG", "CED", "ANS-reversal", "V.21-preamble"}

// String names the signals in the set, joined by "|".
func (s Signal) String() string {
	if s == 0 {
		return "none"
	}
	var b strings.Builder
	for i, name := range signalNames {
		if s&(1<<i) != 0 {
			if b.Len() > 0 {
				b.WriteByte('|')
			}
			b.WriteString(name)
		}
	}
	return b.String()
}

// Has reports whether all of t is in s.
func (s Signal) Has(t Signal) bool { return s&t == t }

// DefaultMinLevel is the lowest level the detectors hear by default, dBm0:
// the -43 dBm a fax receiver must accept (V.21, V.27ter, V.29, V.17).
const DefaultMinLevel = -43

// cedBlocks: the answer tone counts as CED after 500 ms.
const cedBlocks = 50

// Config selects the detectors. The zero value runs all of them from
// [DefaultMinLevel].
type Config struct {
	NoCNG bool // do not look for CNG
	NoCED bool // do not look for the 2100 Hz answer tone
	NoV21 bool // do not look for the V.21 preamble
	// MinLevel is the lowest level heard, dBm0; zero means DefaultMinLevel.
	MinLevel float64
}

// Detector looks for fax and modem signals in one direction of one
// channel. Feed it every sample of that direction in order, in frames of
// any length; each signal is reported once when it is recognised (CNG
// once per burst, the answer tone once per tone, the V.21 preamble once
// per carrier). It allocates nothing after New.
type Detector struct {
	cfg    Config
	buf    [BlockSamples]int16
	fill   int
	cng    cngWatch
	answer AnswerTone
	cedOut bool // CED reported for the present tone
	v21    v21Watch
}

// New returns a detector with cfg.
func New(cfg Config) *Detector {
	d := &Detector{cfg: cfg}
	d.Reset()
	return d
}

// Reset forgets all signals, as at the start of a call.
func (d *Detector) Reset() {
	level := d.cfg.MinLevel
	if level == 0 {
		level = DefaultMinLevel
	}
	p := sinePower(level)
	cfg := d.cfg
	*d = Detector{cfg: cfg}
	d.cng.minPower = p
	d.answer = NewAnswerTone(level)
	// The two V.21 carriers share the power of one.
	d.v21.minPower = p
}

// Process takes the next samples and returns the signals recognised in
// them.
func (d *Detector) Process(x []int16) Signal {
	var got Signal
	for len(x) > 0 {
		n := copy(d.buf[d.fill:], x)
		if !d.cfg.NoV21 {
			if d.v21.worth(x[:n]) {
				for _, v := range x[:n] {
					if d.v21.sample(v) {
						got |= SignalV21Preamble
					}
				}
			} else {
				d.v21.skip(n)
			}
		}
		x = x[n:]
		if d.fill += n; d.fill < BlockSamples {
			break
		}
		d.fill = 0
		got |= d.block(d.buf[:])
	}
	return got
}

func (d *Detector) block(b []int16) Signal {
	var got Signal
	if !d.cfg.NoCNG && d.cng.block(b) {
		got |= SignalCNG
	}
	if !d.cfg.NoCED {
		if d.answer.Block(b) {
			got |= SignalANSReversal
		}
		switch {
		case !d.answer.On():
			d.cedOut = false
		case !d.cedOut && d.answer.Blocks() >= cedBlocks:
			d.cedOut = true
			got |= SignalCED
		}
	}
	return got
}
