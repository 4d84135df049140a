package line

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/potsgate/potsgate/hal"
	"github.com/potsgate/potsgate/media/dtmf"
	"github.com/potsgate/potsgate/media/echo"
	"github.com/potsgate/potsgate/media/tone"
)

// Network is what a line asks of call control (the SIP user agent, or the
// gateway's local router). Each line gets its own. Methods are called from
// the line's goroutine and must not block: implementations queue the work
// and report back through the line's Deliver.
type Network interface {
	PlaceCall(number string, cid CallerID)
	Answer()
	Hangup()
	RejectBusy()
	SendDigit(d byte)
	SendFlash()
	// Transfer sends the held far end to number (blind transfer); when
	// the network refuses, it takes the call back and delivers CallFailed.
	Transfer(number string)
	// ReadAudio fills dst with the next frame from the far end (silence
	// when there is none); WriteAudio takes the frame heard on the line.
	// Both are called only while the voice path is connected.
	ReadAudio(dst []int16)
	WriteAudio(src []int16)
}

// ErrLineClosed is returned by Step after the port was closed.
var ErrLineClosed = errors.New("line: closed")

// voice is what FXS and FXO lines share: frame time, the event queue from
// the network, tones and DTMF toward the port, DTMF detection, and the
// voice path to the network. It allocates nothing per frame.
type voice struct {
	net    Network
	log    *slog.Logger
	epoch  time.Time
	frames int64
	events chan Event

	in, out, scratch []int16
	halEvents        []hal.Event
	detector         *dtmf.Detector
	digits           *dtmf.Generator
	tones            map[Tone]*tone.Generator
	tone             *tone.Generator
	media            bool
	muteDigits       bool // MuteDTMF: silence the voice while a digit sounds
	digitOn          bool
	// ec cancels the echo of out in in while the port carries a call
	// (nil: no canceller); ecLive is whether it did last frame.
	ec     *echo.Canceller
	ecLive bool
	// fax: the call carries fax or modem audio (SetFaxMode): no echo
	// canceller, no DTMF detection and so no digit muting, until the
	// port goes idle.
	fax bool
}

// setFaxMode turns the voice path's processing off for fax or modem
// audio, for the rest of the call. It runs on the line's goroutine.
func (v *voice) setFaxMode() {
	v.fax = true
	v.digitOn = false
	if v.ec != nil {
		v.ec.Disable()
	}
}

// EchoOptions configure a line's echo canceller (media/echo). It sits
// between the port and everything that listens to it: what the line sends
// to the port (Rin) comes back through the hybrid in what it hears (Sin),
// and the canceller removes that before DTMF detection, tone detection and
// the network hear it.
type EchoOptions struct {
	Enabled bool          // IsEchoCancellerEnabled
	Tail    time.Duration // 32, 64 or 128 ms (0 = 64)
}

func (o EchoOptions) canceller() (*echo.Canceller, error) {
	if !o.Enabled {
		return nil, nil
	}
	c, err := echo.New(echo.Config{Tail: o.Tail})
	if err != nil {
		return nil, fmt.Errorf("line: echo canceller: %w", err)
	}
	return c, nil
}

// cancelEcho runs the canceller on the frame just exchanged while the
// port carries a call (live: off hook, or the line seized); a port going
// idle ends the call, and the next one starts learning afresh (a new call
// may take another path through the exchange).
func (v *voice) cancelEcho(live bool) {
	if !live {
		v.fax = false // the call is over
	}
	if v.ec == nil {
		return
	}
	if !live {
		if v.ecLive {
			v.ec.Reset()
			v.ecLive = false
		}
		return
	}
	v.ecLive = true
	v.ec.Process(v.out, v.in, v.in)
}

// echoStats returns the canceller's counters; ok is false without one.
func (v *voice) echoStats() (echo.Stats, bool) {
	if v.ec == nil {
		return echo.Stats{}, false
	}
	return v.ec.Stats(), true
}

func newVoice(net Network, tones tone.Set, epoch time.Time, log *slog.Logger) (voice, error) {
	if net == nil {
		return voice{}, errors.New("line: a Network is required")
	}
	if epoch.IsZero() {
		epoch = time.Now()
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	det, err := dtmf.NewDetector(dtmf.DefaultDetectorConfig())
	if err != nil {
		return voice{}, err
	}
	gen, err := dtmf.NewGenerator(dtmf.DefaultGeneratorConfig())
	if err != nil {
		return voice{}, err
	}
	v := voice{
		net: net, log: log, epoch: epoch,
		events:   make(chan Event, 32),
		in:       make([]int16, hal.FrameSamples),
		out:      make([]int16, hal.FrameSamples),
		scratch:  make([]int16, hal.FrameSamples),
		detector: det, digits: gen,
		tones: map[Tone]*tone.Generator{},
	}
	// Every tone generator is built now, so playing one later allocates
	// nothing and a broken tone set shows up at start-up.
	for t, tt := range toneTypes {
		def, ok := tones.Tone(tt)
		if !ok {
			continue
		}
		g, err := tone.NewGenerator(def)
		if err != nil {
			return voice{}, fmt.Errorf("line: tone %v: %w", t, err)
		}
		v.tones[t] = g
	}
	return v, nil
}

// toneTypes maps the machines' tones to call progress tone types.
var toneTypes = map[Tone]tone.Type{
	DialTone: tone.Dial, RingbackTone: tone.Ringback, BusyTone: tone.Busy,
	ReorderTone: tone.Reorder, HowlerTone: tone.OffHookWarning, StutterDialTone: tone.StutterDial,
	CallWaitingTone: tone.CallWaiting, ConfirmationTone: tone.Confirmation,
}

// now is the line's time: the epoch plus 10 ms per frame run.
func (v *voice) now() time.Time {
	return v.epoch.Add(time.Duration(v.frames) * hal.FrameDuration)
}

// deliver queues an event from the network for the line's goroutine.
func (v *voice) deliver(ctx context.Context, ev Event) error {
	select {
	case v.events <- ev:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fillOut builds the frame toward the port: DTMF alone (the far end's audio
// is muted while digits play, so it cannot spoil them), else the tone plus
// the far end's audio while connected.
func (v *voice) fillOut() {
	clear(v.out)
	switch {
	case v.digits.Busy():
		v.digits.Generate(v.out)
		return
	case v.tone != nil:
		v.tone.Generate(v.out)
	}
	if v.media {
		v.net.ReadAudio(v.scratch)
		for i, s := range v.scratch {
			v.out[i] = int16(max(min(int32(v.out[i])+int32(s), 32767), -32768))
		}
	}
}

// common carries out the actions both kinds of line share and reports
// whether it did.
func (v *voice) common(a Action) bool {
	switch a.Kind {
	case PlayTone:
		v.tone = v.tones[a.Tone]
		if v.tone != nil {
			v.tone.Reset()
		} else if a.Tone != NoTone {
			v.log.Warn("no such tone in the tone set", "tone", a.Tone.String())
		}
	case PlayDigit:
		v.playDigits(string(a.Digit))
	case Media:
		v.media = a.On
	case PlaceCall:
		v.log.Info("call", "number", a.Number)
		v.net.PlaceCall(a.Number, a.CallerID)
	case Answer:
		v.net.Answer()
	case Hangup:
		v.net.Hangup()
	case RejectBusy:
		v.net.RejectBusy()
	case SendDigit:
		v.net.SendDigit(a.Digit)
	case SendFlash:
		v.net.SendFlash()
	case Transfer:
		v.net.Transfer(a.Number)
	default:
		return false
	}
	return true
}

func (v *voice) playDigits(s string) {
	if err := v.digits.Play(s); err != nil {
		v.log.Warn("digits not played", "digits", s, "error", err)
	}
}

// pendingConfig holds a line configuration set from any goroutine
// (SetConfig) until the line's goroutine takes it, once its machine is
// idle. Of several set before then, the last wins.
type pendingConfig[C any] struct{ next atomic.Pointer[C] }

func (p *pendingConfig[C]) set(c C) { p.next.Store(&c) }

// take returns the pending configuration and clears it; nil if none.
func (p *pendingConfig[C]) take() *C {
	if p.next.Load() == nil { // the usual case, on every event: only read the shared word
		return nil
	}
	return p.next.Swap(nil)
}

// run steps a line until ctx ends or the port fails.
func run(ctx context.Context, step func() error) error {
	for ctx.Err() == nil {
		if err := step(); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// exchanged checks a port's Exchange and counts the frame.
func (v *voice) exchanged(err error) error {
	if errors.Is(err, hal.ErrClosed) {
		return ErrLineClosed
	} else if err != nil {
		return fmt.Errorf("line: %w", err)
	}
	v.frames++
	return nil
}

// listen detects DTMF in the frame heard on the line and passes the frame
// to the network while connected.
func (v *voice) listen(apply func(Event, time.Time), at time.Time) {
	if v.fax {
		// Fax tones are no digits: nothing to detect, nothing to mute.
		if v.media {
			v.net.WriteAudio(v.in)
		}
		return
	}
	for _, d := range v.detector.Process(v.in) {
		switch d.Kind {
		case dtmf.DigitStart:
			v.digitOn = true
			apply(Event{Kind: Digit, Digit: byte(d.Digit)}, at)
		case dtmf.DigitEnd:
			v.digitOn = false
		}
	}
	if !v.media {
		return
	}
	if v.muteDigits && v.digitOn {
		// The digit goes out-of-band (or not at all): keep its tone out of
		// the voice, or the far end hears it twice.
		clear(v.scratch)
		v.net.WriteAudio(v.scratch)
		return
	}
	v.net.WriteAudio(v.in)
}

// finish applies the queued network events, then a tick, at the end of the
// frame.
func (v *voice) finish(apply func(Event, time.Time)) {
	for {
		select {
		case ev := <-v.events:
			apply(ev, v.now())
		default:
			apply(Event{Kind: Tick}, v.now())
			return
		}
	}
}

func (v *voice) portErr(what string, err error) {
	if err != nil {
		v.log.Warn("port control failed", "control", what, "error", err)
	}
}
