package echo

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// FrameSamples is the frame Process takes: 10 ms at 8 kHz.
const FrameSamples = 80

// Tails the canceller supports.
const (
	Tail32  = 32 * time.Millisecond
	Tail64  = 64 * time.Millisecond
	Tail128 = 128 * time.Millisecond
)

// ErrTail is returned for a tail other than 32, 64 or 128 ms.
var ErrTail = errors.New("echo: tail must be 32, 64 or 128 ms")

// Config is a canceller's behaviour. The zero value is a 64 ms canceller
// with the non-linear processor, comfort noise and the tone disabler on.
type Config struct {
	Tail time.Duration // Tail32, Tail64 or Tail128 (0 = Tail64)
	// NoNLP turns off the non-linear processor: the output is the linear
	// filter's residual alone (G.168 tests 2B and 3 measure it so).
	NoNLP bool
	// NoComfortNoise makes the non-linear processor output silence
	// instead of noise at the background level.
	NoComfortNoise bool
	// NoToneDisabler ignores the 2100 Hz answer tone with phase reversals
	// that otherwise disables the canceller for modems and fax.
	NoToneDisabler bool
}

// Taps returns the filter length of a tail, or ErrTail.
func Taps(tail time.Duration) (int, error) {
	switch tail {
	case 0:
		return 512, nil
	case Tail32, Tail64, Tail128:
		return int(tail / (time.Second / 8000)), nil
	}
	return 0, fmt.Errorf("%w: %v", ErrTail, tail)
}

// Tuning of the filter and its detectors. Powers are mean squares in
// 16-bit PCM units (a -30 dBm0 sine has a mean square of about 2.2e3).
const (
	// mu is the step of the proportionate NLMS update: close to 1 for
	// the fastest convergence; the two-path structure keeps the output
	// safe from what a large step costs in double talk.
	mu = 0.9
	// ipnlmsAlpha mixes the proportionate (1) and the plain NLMS (-1)
	// gains: 0.5 leans on the proportionate part, which converged fastest
	// on the G.168 Annex D models (sparse: a few ms of response in a long
	// tail); the textbook -0.5 was 2-4 dB slower at 1 s.
	ipnlmsAlpha = 0.5
	// activePower: below it (about -45 dBm0) the far end counts as silent
	// and nothing adapts.
	activePower = 3.0
	// geigelThreshold: near-end speech when |sin| exceeds half the
	// largest |rin| of the tail (the G.168 assumption of 6 dB ERL).
	geigelThreshold = 0.5
	// hangover keeps double talk declared after the last detection.
	hangover = 240 // 30 ms
	// nlpResidual: the NLP suppresses when the residual is this far
	// below the far end's power (20 dB) and no near end is heard.
	nlpResidual = 0.01
	// quietPeak: when no far-end sample over the whole tail reaches it
	// (about -75 dBm0), the echo estimate is below one PCM step and
	// the filters are not run at all: idle calls and silent far ends cost
	// little, which matters on many-port gateways.
	quietPeak = 1.5
	// settledERLE: while the output cancels this well (dB, over about
	// 200 ms, and at most 6 dB less in the last frame with far end),
	// without double talk, and the background is no worse than the
	// foreground, the canceller runs on one path: the foreground is the
	// background's copy at the start of each frame and the output is the
	// background's own (a priori) estimate, so the foreground's pass over
	// the tail is saved. The first frame that falls short (double talk, a
	// changed echo path, a residual that rose) returns to the two paths,
	// with that frame's starting copy as the foreground.
	settledERLE = 30
	// disabledHold: the disabler releases after this long of silence
	// on both sides (G.164: 250 ms +/- 150).
	disabledHold = 250 * 8
)

// Canceller is one channel's line echo canceller. It is not safe for
// concurrent Process calls; Stats may be read from any goroutine.
type Canceller struct {
	cfg  Config
	taps int

	// hist holds the far end's filtered samples, oldest first: the
	// window of sample i of a frame is hist[i : i+taps]. Filters are kept
	// reversed to match, so both run forward over memory.
	hist []float64

	// sq holds the squares of hist, for the IPNLMS normaliser.
	sq []float64

	fg, bg []float64 // foreground (output) and background (adapting) filters
	gain   []float64 // proportionate gains, recomputed once per frame
	// gmax[j] is max(gain[j-1], gain[j]) (gain[-1] = gain[taps] = 0), with
	// a zero after: on one path, the normaliser of samples m and m+1 is
	// bounded above by gmax over the window of m and one sample more
	// (sample m+1 sees gain[j-1] where m sees gain[j]), which halves its
	// pass for a step at most a little smaller.
	gmax []float64
	// The foreground and the gains change only between frames, so the
	// foreground's output and the normaliser of every sample of a frame
	// are computed in one blocked pass each, before the per-sample loop.
	yf, xgx  [FrameSamples]float64
	norm     float64 // sum of squares over the current window
	rinHP    highpass
	sinHP    highpass
	maxRin   []float64 // |rin| peak per frame over the tail, for Geigel
	maxPos   int
	dtHold   int
	disabler disabler
	off      bool   // Disable: out of the path until Reset
	noise    uint32 // comfort noise generator state

	// Power trackers (one-pole mean squares).
	pRin, pSin, pFgErr, pBgErr float64
	pNoise                     float64 // background noise of the near end
	sinLong, resLong, erleLong float64 // the foreground's ERLE over about 200 ms of far end
	bgAvg, fgAvg, sinAvg       float64 // frame energies over about 40 ms, for the two-path choice
	nlpHold                    int
	single                     bool // one path, see settledERLE
	sinQuiet                   int  // samples of silent near end, up to the tail and a frame

	stats statsCell
}

// New returns a canceller with cfg.
func New(cfg Config) (*Canceller, error) {
	taps, err := Taps(cfg.Tail)
	if err != nil {
		return nil, err
	}
	c := &Canceller{
		cfg:    cfg,
		taps:   taps,
		hist:   make([]float64, taps+FrameSamples),
		sq:     make([]float64, taps+FrameSamples+1), // the last stays 0 (see gmax)
		fg:     make([]float64, taps),
		bg:     make([]float64, taps),
		gain:   make([]float64, taps),
		gmax:   make([]float64, taps+2),
		maxRin: make([]float64, taps/FrameSamples+2),
	}
	c.Reset()
	return c, nil
}

// Taps is the canceller's filter length in samples.
func (c *Canceller) Taps() int { return c.taps }

// Reset forgets the echo path and re-enables a disabled canceller: a new
// call begins.
func (c *Canceller) Reset() {
	clear(c.hist)
	clear(c.sq)

	clear(c.fg)
	clear(c.bg)
	clear(c.maxRin)
	c.norm = 0
	c.rinHP, c.sinHP = newHighpass(), newHighpass()
	c.dtHold, c.nlpHold, c.sinQuiet = 0, 0, 0
	c.single = false
	c.disabler = disabler{}
	c.off = false
	c.noise = 0x2545f491
	// The noise floor starts high (about -42 dBm0) and falls to the
	// residual of the first quiet moment; the residual's tracker starts
	// there too, or its rise from zero would read as silence.
	c.pNoise = 1e4
	c.pRin, c.pSin, c.pFgErr, c.pBgErr = 0, c.pNoise, c.pNoise, c.pNoise
	c.sinLong, c.resLong, c.erleLong = 0, 0, 0
	c.bgAvg, c.fgAvg, c.sinAvg = 0, 0, 0
	c.stats.reset()
}

// Disable takes the canceller out of the path until Reset, whatever the
// line carries: Process passes sin through and the state reads disabled.
// A gateway calls it when it recognises fax or a modem (media/fax) by
// signals the tone disabler does not act on: CNG, a 2100 Hz tone without
// phase reversals, V.21 flags. Call it from the goroutine that calls
// Process.
func (c *Canceller) Disable() {
	if !c.off {
		c.off = true
		c.publish(StateDisabled)
	}
}

// Disabled reports whether Disable took the canceller out of the path.
func (c *Canceller) Disabled() bool { return c.off }

// Process cancels the echo of rin (the frame sent toward the line) in sin
// (the frame heard from the line during the same frame) and writes the
// result to out (which may be sin). All three hold FrameSamples samples;
// others are ignored. It allocates nothing.
func (c *Canceller) Process(rin, sin, out []int16) {
	if len(rin) != FrameSamples || len(sin) != FrameSamples || len(out) != FrameSamples {
		return
	}
	c.stats.frames.Add(1)
	if c.off {
		copy(out, sin)
		c.publish(StateDisabled)
		return
	}
	if !c.cfg.NoToneDisabler && c.disabler.frame(rin, sin) {
		if c.disabler.justTripped {
			c.stats.trips.Add(1)
		}
		copy(out, sin)
		c.publish(StateDisabled)
		return
	}
	taps := c.taps
	// The oldest frame of the window leaves.
	copy(c.hist, c.hist[FrameSamples:])
	copy(c.sq, c.sq[FrameSamples:])

	// The Geigel detector looks at the largest |rin| over the tail, kept
	// per frame so the update costs one pass over the frame.
	var peak float64
	for i := range FrameSamples {
		x := c.rinHP.step(float64(rin[i]))
		c.hist[taps+i] = x
		c.sq[taps+i] = x * x
		if a := math.Abs(x); a > peak {
			peak = a
		}
	}
	c.maxPos = (c.maxPos + 1) % len(c.maxRin)
	c.maxRin[c.maxPos] = peak
	var rinMax float64
	for _, m := range c.maxRin {
		rinMax = max(rinMax, m)
	}

	// A near end silent for longer than the tail while the far end
	// speaks has no echo path (a phone with no hybrid, a line on mute):
	// its own samples are the best output. A shorter silence still
	// teaches the filter where the echo is not.
	sinPeak := 0
	for _, v := range sin {
		sinPeak = max(sinPeak, abs16(v))
	}
	if sinPeak < 2 {
		c.sinQuiet = min(c.sinQuiet+FrameSamples, taps+FrameSamples)
	} else {
		c.sinQuiet = 0
	}
	quiet := rinMax < quietPeak || c.sinQuiet >= taps+FrameSamples
	single := c.single && !quiet
	if !quiet {
		// The gains follow the background, which only adapts (or is
		// copied) in frames that are not quiet.
		c.updateGains()
		// Window of sample i: hist[i+1 : i+1+taps].
		if single {
			c.boundGains()
			corrPairs(c.gmax, c.sq[1:], c.xgx[:])
			copy(c.fg, c.bg)
		} else {
			corr(c.gain, c.sq[1:], c.xgx[:])
			corr(c.fg, c.hist[1:], c.yf[:])
		}
	}
	// The background's update of an adapting sample is applied in the
	// pass that computes the next sample's background output: one pass
	// over the coefficients per sample instead of two.
	pending := -1 // the sample whose update is pending, or -1
	var pendStep float64
	dtFrame := false
	var eFgFrame, eBgFrame, sinFrame, rinFrame float64
	// The foreground cancels well: a Geigel alarm then needs a residual
	// that rose toward Sin before it counts as the near end speaking.
	fgGood := c.erleLong > 12
	for i := range FrameSamples {
		win := c.hist[i+1 : i+1+taps]
		xNew := win[taps-1]
		xOld := c.hist[i]
		c.norm += xNew*xNew - xOld*xOld
		if c.norm < 0 {
			c.norm = 0
		}
		s := c.sinHP.step(float64(sin[i]))
		// The far end's power before this sample decides whether the
		// background adapts: without far end, only the output is worth
		// computing (and the background's error is taken as the
		// foreground's, neutral in the two-path choice).
		active := c.pRin > activePower && c.norm > float64(taps)*activePower
		var ef, eb, xgx float64
		switch {
		case quiet:
			ef, eb, active = s, s, false
		case active || single:
			var yb float64
			switch pending {
			case -1:
				yb = dot(c.bg, win)
			case i - 1:
				// The usual case: the window moved by one sample.
				yb = adaptDotNext(c.bg, c.gain, c.hist[i:], pendStep)
			default:
				yb = adaptDot(c.bg, c.gain, c.hist[pending+1:], win, pendStep)
			}
			pending = -1
			xgx = c.xgx[i]
			eb = s - yb
			if single {
				ef = eb
			} else {
				ef = s - c.yf[i]
			}
		default:
			ef = s - c.yf[i]
			eb = ef
		}

		const a = 1.0 / 64 // 8 ms power trackers
		c.pRin += a * (xNew*xNew - c.pRin)
		c.pSin += a * (s*s - c.pSin)
		c.pFgErr += a * (ef*ef - c.pFgErr)
		c.pBgErr += a * (eb*eb - c.pBgErr)
		c.trackNoise()

		if math.Abs(s) > geigelThreshold*rinMax && (!fgGood || c.pFgErr > 0.1*c.pSin) {
			c.dtHold = hangover
		} else if c.dtHold > 0 {
			c.dtHold--
		}
		dt := c.dtHold > 0
		dtFrame = dtFrame || dt
		if active && c.pSin > 2*c.pNoise {
			// Proportionate NLMS. Its step shrinks as Sin nears the near
			// end's noise floor: the tail of the far end's speech leaves
			// old samples in the window and little echo to learn from,
			// and the noise would walk the filter away. In double talk
			// the step is cut, and the foreground keeps what the
			// background loses.
			step := mu * (1 - 2*c.pNoise/c.pSin) * eb / (xgx + activePower + c.pNoise)
			if dt {
				step /= 8
			}
			pending, pendStep = i, step
		}
		eFgFrame += ef * ef
		eBgFrame += eb * eb
		sinFrame += s * s
		rinFrame += xNew * xNew

		e := ef
		if !c.cfg.NoNLP {
			e = c.nlp(e, dt, c.norm/float64(taps))
		}
		out[i] = clamp16(e)
	}
	if pending >= 0 {
		axpyGain(c.bg, c.gain, c.hist[pending+1:], pendStep)
	}
	// Two-path: the background replaces the foreground when it cancels
	// clearly better over the frame (by far, in double talk, where a
	// background that adapts to the near end could look better by
	// chance); a diverged background is reset from the foreground.
	farEnd := rinFrame > activePower*FrameSamples
	suspect := false
	if farEnd {
		// Over about 40 ms: a background that fits a short voiced burst
		// can be bad for what follows, so one good frame is not enough.
		const b = 1.0 / 4
		c.bgAvg += b * (eBgFrame - c.bgAvg)
		c.fgAvg += b * (eFgFrame - c.fgAvg)
		c.sinAvg += b * (sinFrame - c.sinAvg)
		// A residual far above the foreground's usual share of Sin means
		// the near end speaks (under the Geigel threshold) or the echo
		// path changed. Only in the second case does the background beat
		// the foreground by far: it learns the new path, while a
		// background that adapts to the near end gains a few dB at most.
		suspect = c.erleLong > 12 && eFgFrame*c.sinLong > 16*sinFrame*c.resLong
		better := c.bgAvg < 0.7*c.fgAvg && eBgFrame < eFgFrame && !dtFrame && !suspect
		switch {
		case single:
			// One path: the foreground is the copy from the frame's start.
		case c.bgAvg < 0.5*c.sinAvg && (better || c.bgAvg < 0.25*c.fgAvg && eBgFrame < 0.25*eFgFrame):
			copy(c.fg, c.bg)
			eFgFrame, c.fgAvg = eBgFrame, c.bgAvg
		case c.bgAvg > 4*c.fgAvg && c.fgAvg < 0.25*c.sinAvg:
			copy(c.bg, c.fg)
			c.bgAvg = c.fgAvg
		}
	}
	if !finite(c.norm) || !finite(c.pBgErr) || !finite(c.pFgErr) {
		c.Reset() // cannot happen with bounded input; never output NaN
	}
	if farEnd && !dtFrame && !suspect {
		c.stats.observe(rinFrame, sinFrame, eFgFrame)
		const b = 1.0 / 16
		c.sinLong += b * (sinFrame - c.sinLong)
		c.resLong += b * (eFgFrame - c.resLong)
		c.erleLong = ratioDB(c.sinLong, c.resLong)
	}
	switch {
	case dtFrame || suspect:
		c.single = false
	case farEnd:
		c.single = c.erleLong > settledERLE && ratioDB(sinFrame, eFgFrame) > settledERLE-6 &&
			(single || eBgFrame <= 1.25*eFgFrame && c.bgAvg <= 1.25*c.fgAvg)
	}
	var state State
	switch {
	case dtFrame:
		state = StateDoubleTalk
	case farEnd && c.nlpHold > 0 && !c.cfg.NoNLP:
		state = StateNLP
	case c.erleLong > 12:
		state = StateConverged
	default:
		state = StateActive
	}
	c.publish(state)
}

// trackNoise follows the near end's background in the residual's power:
// it falls to a quieter residual at once and rises slowly (about 10 dB/s),
// so speech and echo barely lift it.
func (c *Canceller) trackNoise() {
	if c.pFgErr < c.pNoise {
		c.pNoise = c.pFgErr
	} else {
		c.pNoise *= 1.0003
	}
	c.pNoise = max(c.pNoise, 0.05)
}

// nlp is the non-linear processor on one residual sample: while only the
// far end speaks and the residual is small against it, the residual is
// replaced with comfort noise at the near end's background level.
func (c *Canceller) nlp(e float64, dt bool, tailPower float64) float64 {
	// Echo keeps coming while the tail holds the far end's speech, after
	// the far end stops: the reference is the louder of the far end's
	// recent power and its power over the tail.
	ref := max(c.pRin, tailPower)
	if ref > activePower && !dt && c.pFgErr < nlpResidual*ref {
		c.nlpHold = 80
	} else if c.nlpHold > 0 {
		c.nlpHold--
	}
	if c.nlpHold == 0 {
		return e
	}
	if c.cfg.NoComfortNoise {
		return 0
	}
	return c.comfortNoise()
}

// comfortNoise returns a white noise sample at the background level: the
// sum of four uniform variables (near Gaussian) scaled to pNoise.
func (c *Canceller) comfortNoise() float64 {
	var sum float64
	for range 4 {
		c.noise ^= c.noise << 13
		c.noise ^= c.noise >> 17
		c.noise ^= c.noise << 5
		sum += float64(c.noise)/float64(math.MaxUint32) - 0.5
	}
	// Four uniforms on [-0.5, 0.5] have a variance of 4/12.
	return sum * math.Sqrt(c.pNoise*3)
}

// updateGains recomputes the IPNLMS gains from the background filter.
func (c *Canceller) updateGains() {
	var l1 float64
	for _, h := range c.bg {
		l1 += math.Abs(h)
	}
	n := float64(c.taps)
	uniform := (1 - ipnlmsAlpha) / (2 * n)
	prop := (1 + ipnlmsAlpha) / (2*l1 + 1e-6)
	for i, h := range c.bg {
		c.gain[i] = uniform + prop*math.Abs(h)
	}
}

// boundGains fills gmax from gain.
func (c *Canceller) boundGains() {
	prev := 0.0
	g := c.gmax[:len(c.gain)]
	for j, v := range c.gain {
		g[j] = max(prev, v)
		prev = v
	}
	c.gmax[len(c.gain)] = prev
	c.gmax[len(c.gain)+1] = 0
}

func (c *Canceller) publish(s State) {
	c.stats.state.Store(int32(s))
}

// corr writes to every y[j] the output of filter f over x[j:], four
// outputs per pass over f, which loads each coefficient once for four
// products. x holds len(f)+len(y)-1 samples or more; len(f) is even and
// len(y) a multiple of 4.
func corr(f, x, y []float64) {
	n := len(f)
	for j := 0; j+3 < len(y); j += 4 {
		x0 := x[j:][:n]
		x1 := x[j+1:][:n]
		x2 := x[j+2:][:n]
		x3 := x[j+3:][:n]
		var y0, y1, y2, y3 float64
		// Two taps per step: fewer loop instructions, and the i < len-1
		// form lets the compiler drop the bounds checks.
		for i := 0; i < len(f)-1; i += 2 {
			h0, h1 := f[i], f[i+1]
			y0 += h0*x0[i] + h1*x0[i+1]
			y1 += h0*x1[i] + h1*x1[i+1]
			y2 += h0*x2[i] + h1*x2[i+1]
			y3 += h0*x3[i] + h1*x3[i+1]
		}
		y[j], y[j+1], y[j+2], y[j+3] = y0, y1, y2, y3
	}
}

// corrPairs writes to y[j] and y[j+1], for every even j, the output of
// filter f over x[j:], four pairs per pass over f. x holds
// len(f)+len(y)-2 samples or more; len(f) is even and len(y) a multiple
// of 8.
func corrPairs(f, x, y []float64) {
	n := len(f)
	for j := 0; j+7 < len(y); j += 8 {
		x0 := x[j:][:n]
		x1 := x[j+2:][:n]
		x2 := x[j+4:][:n]
		x3 := x[j+6:][:n]
		var y0, y1, y2, y3 float64
		for i := 0; i < len(f)-1; i += 2 {
			h0, h1 := f[i], f[i+1]
			y0 += h0*x0[i] + h1*x0[i+1]
			y1 += h0*x1[i] + h1*x1[i+1]
			y2 += h0*x2[i] + h1*x2[i+1]
			y3 += h0*x3[i] + h1*x3[i+1]
		}
		y[j], y[j+1], y[j+2], y[j+3] = y0, y0, y1, y1
		y[j+4], y[j+5], y[j+6], y[j+7] = y2, y2, y3, y3
	}
}

// adaptDotNext is adaptDot for windows one sample apart, the usual case:
// p is x[:len(h)] and w is x[1:len(h)+1], so each sample is loaded once
// for both.
func adaptDotNext(h, g, x []float64, step float64) float64 {
	g = g[:len(h)]
	w := x[1:][:len(h)]
	prev := x[0]
	var a0, a1, a2, a3 float64
	for i := 0; i < len(h)-3; i += 4 {
		w0, w1, w2, w3 := w[i], w[i+1], w[i+2], w[i+3]
		b0 := h[i] + step*g[i]*prev
		b1 := h[i+1] + step*g[i+1]*w0
		b2 := h[i+2] + step*g[i+2]*w1
		b3 := h[i+3] + step*g[i+3]*w2
		prev = w3
		h[i], h[i+1], h[i+2], h[i+3] = b0, b1, b2, b3
		a0 += b0 * w0
		a1 += b1 * w1
		a2 += b2 * w2
		a3 += b3 * w3
	}
	for i := len(h) &^ 3; i < len(h); i++ {
		b0 := h[i] + step*g[i]*x[i]
		h[i] = b0
		a0 += b0 * x[i+1]
	}
	return (a0 + a1) + (a2 + a3)
}

// adaptDot adds step*g[i]*p[i] to h[i] (the update of the previous
// adapting sample, whose window was p) and returns the output of the
// updated h over w, in one pass.
func adaptDot(h, g, p, w []float64, step float64) float64 {
	g = g[:len(h)]
	p = p[:len(h)]
	w = w[:len(h)]
	var a0, a1, a2, a3 float64
	i := 0
	// The i < len-3 form lets the compiler drop the bounds checks.
	for ; i < len(h)-3; i += 4 {
		b0 := h[i] + step*g[i]*p[i]
		b1 := h[i+1] + step*g[i+1]*p[i+1]
		b2 := h[i+2] + step*g[i+2]*p[i+2]
		b3 := h[i+3] + step*g[i+3]*p[i+3]
		h[i], h[i+1], h[i+2], h[i+3] = b0, b1, b2, b3
		a0 += b0 * w[i]
		a1 += b1 * w[i+1]
		a2 += b2 * w[i+2]
		a3 += b3 * w[i+3]
	}
	for ; i < len(h); i++ {
		b0 := h[i] + step*g[i]*p[i]
		h[i] = b0
		a0 += b0 * w[i]
	}
	return (a0 + a1) + (a2 + a3)
}

// dot returns the output of filter f over x.
func dot(f, x []float64) float64 {
	x = x[:len(f)]
	var f0, f1, f2, f3 float64
	i := 0
	for ; i < len(f)-3; i += 4 {
		f0 += f[i] * x[i]
		f1 += f[i+1] * x[i+1]
		f2 += f[i+2] * x[i+2]
		f3 += f[i+3] * x[i+3]
	}
	for ; i < len(f); i++ {
		f0 += f[i] * x[i]
	}
	return (f0 + f1) + (f2 + f3)
}

// axpyGain adds step*g[i]*x[i] to h[i].
func axpyGain(h, g, x []float64, step float64) {
	g = g[:len(h)]
	x = x[:len(h)]
	for i := range h {
		h[i] += step * g[i] * x[i]
	}
}

func abs16(v int16) int {
	if v < 0 {
		return -int(v)
	}
	return int(v)
}

func clamp16(v float64) int16 {
	switch {
	case v >= 32767:
		return 32767
	case v <= -32768:
		return -32768
	case v != v: // NaN
		return 0
	}
	return int16(math.Round(v))
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
