package dtmf

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/potsgate/potsgate/media"
)

// SampleRate is the sample rate this package works at, in Hz.
const SampleRate = 8000

// ErrConfig is returned for an invalid generator or detector configuration.
var ErrConfig = errors.New("dtmf: invalid configuration")

// GeneratorConfig sets the timing and levels of generated digits.
type GeneratorConfig struct {
	// ToneDuration is how long each queued digit sounds.
	ToneDuration time.Duration
	// PauseDuration is the silence after each queued digit.
	PauseDuration time.Duration
	// LowLevel and HighLevel are the levels of the low-group and
	// high-group tones in dBm0. HighLevel-LowLevel is the twist.
	LowLevel, HighLevel float64
}

// DefaultGeneratorConfig returns 70 ms tones, 70 ms pauses, -9 dBm0 low
// group and -7 dBm0 high group.
func DefaultGeneratorConfig() GeneratorConfig {
	return GeneratorConfig{
		ToneDuration:  70 * time.Millisecond,
		PauseDuration: 70 * time.Millisecond,
		LowLevel:      -9,
		HighLevel:     -7,
	}
}

type genState uint8

const (
	genIdle  genState = iota
	genTone           // a queued digit sounds
	genPause          // silence after a queued digit
	genLive           // a digit started with Start sounds until Stop
)

// Generator produces DTMF digits frame by frame. It is not safe for
// concurrent use.
type Generator struct {
	cfg          GeneratorConfig
	toneSamples  int
	pauseSamples int
	ampLow       float64
	ampHigh      float64

	queue []Digit
	head  int

	state     genState
	remaining int     // samples left in the current tone or pause
	incLow    float64 // phase increments, cycles per sample
	incHigh   float64
	phLow     float64 // phases in cycles, kept in [0, 1)
	phHigh    float64
}

// NewGenerator returns a generator with the given configuration.
func NewGenerator(cfg GeneratorConfig) (*Generator, error) {
	tone := int(cfg.ToneDuration * SampleRate / time.Second)
	pause := int(cfg.PauseDuration * SampleRate / time.Second)
	if tone <= 0 {
		return nil, fmt.Errorf("%w: tone duration %v", ErrConfig, cfg.ToneDuration)
	}
	if pause < 0 {
		return nil, fmt.Errorf("%w: pause duration %v", ErrConfig, cfg.PauseDuration)
	}
	aL, aH := media.SineAmplitude(cfg.LowLevel), media.SineAmplitude(cfg.HighLevel)
	if math.IsNaN(aL+aH) || aL+aH > 32767 {
		return nil, fmt.Errorf("%w: levels %g/%g dBm0 clip", ErrConfig, cfg.LowLevel, cfg.HighLevel)
	}
	return &Generator{cfg: cfg, toneSamples: tone, pauseSamples: pause, ampLow: aL, ampHigh: aH}, nil
}

// Config returns the generator's configuration.
func (g *Generator) Config() GeneratorConfig { return g.cfg }

// Play queues digits to be played with the configured tone and pause
// durations. It checks the whole string first and queues nothing on error.
// A digit started with Start is stopped.
func (g *Generator) Play(digits string) error {
	for _, c := range digits {
		if _, err := ParseDigit(c); err != nil {
			return fmt.Errorf("dtmf: play %q: %w", digits, err)
		}
	}
	if g.state == genLive {
		g.state = genIdle
	}
	if g.head == len(g.queue) {
		g.queue, g.head = g.queue[:0], 0
	}
	for _, c := range digits {
		d, _ := ParseDigit(c)
		g.queue = append(g.queue, d)
	}
	return nil
}

// Start plays d until Stop, for a digit whose duration the caller
// controls (an RFC 4733 event). Queued digits are discarded.
func (g *Generator) Start(d Digit) error {
	if !d.Valid() {
		return fmt.Errorf("dtmf: start: %w: %v", ErrDigit, d)
	}
	g.queue, g.head = g.queue[:0], 0
	g.begin(d)
	g.state = genLive
	return nil
}

// Stop ends a digit started with Start. It does nothing otherwise.
func (g *Generator) Stop() {
	if g.state == genLive {
		g.state = genIdle
	}
}

// Reset discards queued digits and silences the generator.
func (g *Generator) Reset() {
	g.queue, g.head = g.queue[:0], 0
	g.state = genIdle
}

// Busy reports whether a digit is sounding or queued, or a pause is pending.
func (g *Generator) Busy() bool {
	return g.state != genIdle || g.head < len(g.queue)
}

func (g *Generator) begin(d Digit) {
	lo, hi, _ := d.Frequencies()
	g.incLow, g.incHigh = lo/SampleRate, hi/SampleRate
	g.phLow, g.phHigh = 0, 0
}

// Generate fills all of dst with the next samples (silence when idle) and
// returns dst.
func (g *Generator) Generate(dst []int16) []int16 {
	i := 0
	for i < len(dst) {
		switch g.state {
		case genIdle:
			if g.head < len(g.queue) {
				g.begin(g.queue[g.head])
				g.head++
				g.state, g.remaining = genTone, g.toneSamples
				continue
			}
			clear(dst[i:])
			return dst
		case genLive:
			g.tone(dst[i:])
			return dst
		case genTone:
			n := min(g.remaining, len(dst)-i)
			g.tone(dst[i : i+n])
			i += n
			g.remaining -= n
			if g.remaining == 0 {
				g.state, g.remaining = genPause, g.pauseSamples
			}
		case genPause:
			n := min(g.remaining, len(dst)-i)
			clear(dst[i : i+n])
			i += n
			g.remaining -= n
			if g.remaining == 0 {
				g.state = genIdle
			}
		}
	}
	return dst
}

func (g *Generator) tone(dst []int16) {
	for i := range dst {
		v := g.ampLow*math.Sin(2*math.Pi*g.phLow) + g.ampHigh*math.Sin(2*math.Pi*g.phHigh)
		dst[i] = int16(math.Round(v))
		g.phLow += g.incLow
		if g.phLow >= 1 {
			g.phLow--
		}
		g.phHigh += g.incHigh
		if g.phHigh >= 1 {
			g.phHigh--
		}
	}
}
