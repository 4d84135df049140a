package callerid

import (
	"fmt"
	"math"
	"time"

	"github.com/potsgate/potsgate/media"
)

// SampleRate is the PCM rate of every signal in this package.
const SampleRate = 8000

const (
	baud = 1200
	// DefaultFSKLevel is the default FSK transmit level (GR-30: -13.5 dBm).
	DefaultFSKLevel = -13.5
	// DefaultDTMFLowLevel and DefaultDTMFHighLevel are the default levels
	// of the low-group and high-group DTMF tones (2 dB pre-emphasis).
	DefaultDTMFLowLevel  = -9.0
	DefaultDTMFHighLevel = -7.0
	// DefaultSeizureBits and DefaultMarkBits are the channel seizure and
	// mark signal lengths of an on-hook (type 1) transmission.
	DefaultSeizureBits = 300
	DefaultMarkBits    = 180
	// DefaultType2MarkBits is the mark signal before an off-hook (type 2)
	// message; type 2 sends no channel seizure.
	DefaultType2MarkBits = 80
	// trailingMarkBits follow the checksum so the last stop bit is clean.
	trailingMarkBits = 5
	// DefaultDTMFTone and DefaultDTMFPause are the DTMF caller ID timings.
	DefaultDTMFTone  = 70 * time.Millisecond
	DefaultDTMFPause = 70 * time.Millisecond
)

// Options tune a Transmitter. The zero value gives the defaults.
type Options struct {
	// Level is the FSK level in dBm0 or, for ETSIDTMF, the level of both
	// DTMF tones. 0 selects the default (DefaultFSKLevel, or
	// DefaultDTMFLowLevel/DefaultDTMFHighLevel).
	Level float64
	// Type2 selects the off-hook (call waiting) form: no channel seizure
	// and DefaultType2MarkBits of mark. Send an AlertSignal first and wait
	// for the CPE acknowledgement; that sequencing is the line's job.
	Type2 bool
	// SeizureBits and MarkBits override the preamble lengths (0 = default;
	// a negative value sends none).
	SeizureBits, MarkBits int
	// DTMFTone and DTMFPause override the DTMF timings (0 = default).
	DTMFTone, DTMFPause time.Duration
}

// Transmitter generates the PCM of one message, frame by frame. Generate
// allocates nothing.
type Transmitter struct {
	std  Standard
	data []byte // FSK message bytes or DTMF digits
	pos  int    // samples generated
	end  int    // total samples

	// FSK
	seizure, marks int
	totalBits      int
	markInc        float64
	spaceInc       float64
	amp            float64
	phase          float64

	// DTMF
	tone, period   int
	lowAmp, hiAmp  float64
	lowInc, hiInc  float64
	lowPh, hiPh    float64
	currentDigitIx int
}

// NewTransmitter encodes m for std and returns a generator of its signal.
func NewTransmitter(std Standard, m Message, opts Options) (*Transmitter, error) {
	data, err := Encode(std, m)
	if err != nil {
		return nil, err
	}
	if opts.Level > media.FullScaleDBm0 {
		return nil, fmt.Errorf("%w: level %.1f dBm0 above full scale", ErrInvalidMessage, opts.Level)
	}
	t := &Transmitter{std: std, data: data, currentDigitIx: -1}
	if std == ETSIDTMF {
		tone := durSamples(opts.DTMFTone, DefaultDTMFTone)
		pause := durSamples(opts.DTMFPause, DefaultDTMFPause)
		if tone <= 0 || pause < 0 {
			return nil, fmt.Errorf("%w: DTMF tone %v pause %v", ErrInvalidMessage, opts.DTMFTone, opts.DTMFPause)
		}
		t.tone, t.period = tone, tone+pause
		t.lowAmp = media.SineAmplitude(DefaultDTMFLowLevel)
		t.hiAmp = media.SineAmplitude(DefaultDTMFHighLevel)
		if opts.Level != 0 {
			t.lowAmp = media.SineAmplitude(opts.Level)
			t.hiAmp = t.lowAmp
		}
		t.end = len(data) * t.period
		return t, nil
	}
	mark, space := 1200.0, 2200.0
	if std == ETSI {
		mark, space = 1300, 2100
	}
	t.markInc = 2 * math.Pi * mark / SampleRate
	t.spaceInc = 2 * math.Pi * space / SampleRate
	level := opts.Level
	if level == 0 {
		level = DefaultFSKLevel
	}
	t.amp = media.SineAmplitude(level)
	t.seizure, t.marks = DefaultSeizureBits, DefaultMarkBits
	if opts.Type2 {
		t.seizure, t.marks = 0, DefaultType2MarkBits
	}
	if opts.SeizureBits != 0 {
		t.seizure = max(opts.SeizureBits, 0)
	}
	if opts.MarkBits != 0 {
		t.marks = max(opts.MarkBits, 0)
	}
	t.totalBits = t.seizure + t.marks + 10*len(data) + trailingMarkBits
	t.end = (t.totalBits*SampleRate + baud - 1) / baud
	return t, nil
}

func durSamples(d, def time.Duration) int {
	if d == 0 {
		d = def
	}
	return int(d * SampleRate / time.Second)
}

// Data returns the encoded message (FSK bytes or DTMF digits). The caller
// must not modify it.
func (t *Transmitter) Data() []byte { return t.data }

// Len returns the total number of samples of the signal.
func (t *Transmitter) Len() int { return t.end }

// Reset rewinds the transmitter to the start of the signal.
func (t *Transmitter) Reset() {
	t.pos, t.phase, t.currentDigitIx = 0, 0, -1
}

// Generate writes the next samples of the signal into dst and returns how
// many it wrote; done reports that the signal is complete. When the signal
// ends inside dst, dst[n:] is zeroed (silence).
func (t *Transmitter) Generate(dst []int16) (n int, done bool) {
	n = min(len(dst), t.end-t.pos)
	if t.std == ETSIDTMF {
		t.genDTMF(dst[:n])
	} else {
		t.genFSK(dst[:n])
	}
	clear(dst[n:])
	return n, t.pos >= t.end
}

// bit returns the line bit (true = mark) at bit index i.
func (t *Transmitter) bit(i int) bool {
	if i < t.seizure {
		// Alternating, starting with a space ("0101...").
		return i%2 == 1
	}
	i -= t.seizure
	if i < t.marks {
		return true
	}
	i -= t.marks
	byteIx, b := i/10, i%10
	if byteIx >= len(t.data) {
		return true
	}
	switch b {
	case 0:
		return false // start bit
	case 9:
		return true // stop bit
	}
	return t.data[byteIx]>>(b-1)&1 == 1
}

func (t *Transmitter) genFSK(dst []int16) {
	for k := range dst {
		inc := t.spaceInc
		if t.bit(t.pos * baud / SampleRate) {
			inc = t.markInc
		}
		dst[k] = int16(math.Round(t.amp * math.Sin(t.phase)))
		t.phase += inc
		if t.phase >= 2*math.Pi {
			t.phase -= 2 * math.Pi
		}
		t.pos++
	}
}

// dtmfFreqs returns the low and high frequency of a DTMF key.
func dtmfFreqs(c byte) (lo, hi float64) {
	const keys = "123A456B789C*0#D"
	rows := [4]float64{697, 770, 852, 941}
	cols := [4]float64{1209, 1336, 1477, 1633}
	for i := 0; i < len(keys); i++ {
		if keys[i] == c {
			return rows[i/4], cols[i%4]
		}
	}
	return 0, 0
}

func (t *Transmitter) genDTMF(dst []int16) {
	for k := range dst {
		ix, off := t.pos/t.period, t.pos%t.period
		if ix != t.currentDigitIx {
			t.currentDigitIx = ix
			lo, hi := dtmfFreqs(t.data[ix])
			t.lowInc, t.hiInc = 2*math.Pi*lo/SampleRate, 2*math.Pi*hi/SampleRate
			t.lowPh, t.hiPh = 0, 0
		}
		if off < t.tone {
			v := t.lowAmp*math.Sin(t.lowPh) + t.hiAmp*math.Sin(t.hiPh)
			dst[k] = int16(math.Round(v))
			t.lowPh = math.Mod(t.lowPh+t.lowInc, 2*math.Pi)
			t.hiPh = math.Mod(t.hiPh+t.hiInc, 2*math.Pi)
		} else {
			dst[k] = 0
		}
		t.pos++
	}
}

// Samples returns the whole signal of m as PCM: a convenience for tests and
// examples (it allocates; use a Transmitter on a live channel).
func Samples(std Standard, m Message, opts Options) ([]int16, error) {
	t, err := NewTransmitter(std, m, opts)
	if err != nil {
		return nil, err
	}
	out := make([]int16, t.Len())
	t.Generate(out)
	return out, nil
}

// AlertSignal generates the dual-tone alerting signal 2130 Hz + 2750 Hz:
// the Bellcore CPE alerting signal (CAS) that precedes a type 2 (off-hook)
// message, or the ETSI DT-AS. Generate allocates nothing.
type AlertSignal struct {
	pos, end   int
	amp        float64
	ph1, ph2   float64
	inc1, inc2 float64
}

// Alert signal defaults: GR-30 CAS is 80 ms (75-85 ms), about -15 dBm0 per
// tone; ETSI DT-AS is 100 ms.
const (
	DefaultAlertDuration = 80 * time.Millisecond
	DefaultAlertLevel    = -15.0
)

// NewAlertSignal returns an alert signal of duration d at level dBm0 per
// tone (zero values select the defaults).
func NewAlertSignal(d time.Duration, level float64) *AlertSignal {
	if level == 0 {
		level = DefaultAlertLevel
	}
	return &AlertSignal{
		end:  durSamples(d, DefaultAlertDuration),
		amp:  media.SineAmplitude(level),
		inc1: 2 * math.Pi * 2130 / SampleRate,
		inc2: 2 * math.Pi * 2750 / SampleRate,
	}
}

// Len returns the total number of samples of the signal.
func (a *AlertSignal) Len() int { return a.end }

// Generate works like Transmitter.Generate.
func (a *AlertSignal) Generate(dst []int16) (n int, done bool) {
	n = min(len(dst), a.end-a.pos)
	for k := range dst[:n] {
		dst[k] = int16(math.Round(a.amp * (math.Sin(a.ph1) + math.Sin(a.ph2))))
		a.ph1 = math.Mod(a.ph1+a.inc1, 2*math.Pi)
		a.ph2 = math.Mod(a.ph2+a.inc2, 2*math.Pi)
	}
	a.pos += n
	clear(dst[n:])
	return n, a.pos >= a.end
}
