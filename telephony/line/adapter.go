package line

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/potsgate/potsgate/hal"
	"github.com/potsgate/potsgate/media/callerid"
	"github.com/potsgate/potsgate/media/dtmf"
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
	// ReadAudio fills dst with the next frame from the far end (silence
	// when there is none); WriteAudio takes the frame heard on the line.
	// Both are called only while the voice path is connected.
	ReadAudio(dst []int16)
	WriteAudio(src []int16)
}

// FXSLineOptions configure an FXSLine. Port, Network and Tones are required.
type FXSLineOptions struct {
	Port    hal.FXSPort
	Network Network
	Config  FXSConfig
	Tones   tone.Set
	// CallerID is the caller ID standard (Bellcore FSK by default).
	CallerID callerid.Standard
	// Epoch is the time of the first frame (default time.Now()); line time
	// then advances 10 ms per frame, so simulated ports run in simulated
	// time.
	Epoch  time.Time
	Logger *slog.Logger
}

// FXSLine binds an FXS machine to a hal port: it runs the port frame by
// frame, detects DTMF, plays tones, ringing and caller ID, and carries the
// voice path while a call is connected. One goroutine (Run, or the caller
// of Step) owns it; Deliver may be called from any goroutine.
type FXSLine struct {
	opts   FXSLineOptions
	log    *slog.Logger
	m      FXS
	frames int64
	events chan Event
	state  atomic.Int32

	in, out, scratch []int16
	halEvents        []hal.Event
	detector         *dtmf.Detector
	digits           *dtmf.Generator
	tones            map[Tone]*tone.Generator
	tone             *tone.Generator
	cid              *callerid.Transmitter
	media            bool
}

// ErrLineClosed is returned by Deliver after the line stopped.
var ErrLineClosed = errors.New("line: closed")

// NewFXSLine returns a line ready to Run.
func NewFXSLine(opts FXSLineOptions) (*FXSLine, error) {
	if opts.Port == nil || opts.Network == nil {
		return nil, errors.New("line: Port and Network are required")
	}
	if opts.Epoch.IsZero() {
		opts.Epoch = time.Now()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	det, err := dtmf.NewDetector(dtmf.DefaultDetectorConfig())
	if err != nil {
		return nil, err
	}
	gen, err := dtmf.NewGenerator(dtmf.DefaultGeneratorConfig())
	if err != nil {
		return nil, err
	}
	l := &FXSLine{
		opts: opts, log: opts.Logger, m: NewFXS(opts.Config),
		events:   make(chan Event, 32),
		in:       make([]int16, hal.FrameSamples),
		out:      make([]int16, hal.FrameSamples),
		scratch:  make([]int16, hal.FrameSamples),
		detector: det, digits: gen,
		tones: map[Tone]*tone.Generator{},
	}
	// Build every tone generator now, so playing one later allocates nothing
	// and a tone missing from the set shows up at start-up.
	for t, tt := range toneTypes {
		def, ok := opts.Tones.Tone(tt)
		if !ok {
			continue
		}
		g, err := tone.NewGenerator(def)
		if err != nil {
			return nil, fmt.Errorf("line: tone %v: %w", t, err)
		}
		l.tones[t] = g
	}
	return l, nil
}

// toneTypes maps the machine's tones to call progress tone types.
var toneTypes = map[Tone]tone.Type{
	DialTone: tone.Dial, RingbackTone: tone.Ringback, BusyTone: tone.Busy,
	ReorderTone: tone.Reorder, HowlerTone: tone.OffHookWarning, StutterDialTone: tone.StutterDial,
	CallWaitingTone: tone.CallWaiting, ConfirmationTone: tone.Confirmation,
}

// Deliver queues an event from the network for the line's goroutine.
func (l *FXSLine) Deliver(ctx context.Context, ev Event) error {
	select {
	case l.events <- ev:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// State is the line's state as of the last frame; safe from any goroutine.
func (l *FXSLine) State() FXSState { return FXSState(l.state.Load()) }

// Now is the line's time: the epoch plus 10 ms per frame run.
func (l *FXSLine) Now() time.Time {
	return l.opts.Epoch.Add(time.Duration(l.frames) * hal.FrameDuration)
}

// Run steps the line until ctx ends or the port fails. Real ports pace it;
// a simulated port must be paced by the caller (see Step).
func (l *FXSLine) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		if err := l.Step(); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// Step runs one 10 ms frame.
func (l *FXSLine) Step() error {
	start := l.Now()
	l.fillOut()
	var err error
	l.halEvents, err = l.opts.Port.Exchange(l.out, l.in, l.halEvents[:0])
	if err != nil {
		return fmt.Errorf("line: %w", err)
	}
	l.frames++
	for _, e := range l.halEvents {
		at := start.Add(e.Offset)
		switch e.Kind {
		case hal.OffHook:
			l.apply(Event{Kind: HookOff}, at)
		case hal.OnHook:
			l.apply(Event{Kind: HookOn}, at)
		case hal.Flash:
			l.apply(Event{Kind: HookFlash}, at)
		case hal.PulseDigit:
			l.apply(Event{Kind: PulseDigit, Digit: e.Digit}, at)
		}
	}
	if l.opts.Port.OffHook() {
		for _, d := range l.detector.Process(l.in) {
			if d.Kind == dtmf.DigitStart {
				l.apply(Event{Kind: Digit, Digit: byte(d.Digit)}, start)
			}
		}
		if l.media {
			l.opts.Network.WriteAudio(l.in)
		}
	}
	for drained := false; !drained; {
		select {
		case ev := <-l.events:
			l.apply(ev, l.Now())
		default:
			drained = true
		}
	}
	l.apply(Event{Kind: Tick}, l.Now())
	l.state.Store(int32(l.m.State()))
	return nil
}

// fillOut builds the frame played to the phone: caller ID, else DTMF from
// the far end, else the call progress tone, plus the far end's audio while
// connected.
func (l *FXSLine) fillOut() {
	clear(l.out)
	switch {
	case l.cid != nil:
		if _, done := l.cid.Generate(l.out); done {
			l.cid = nil
		}
		return
	case l.digits.Busy():
		l.digits.Generate(l.out)
	case l.tone != nil:
		l.tone.Generate(l.out)
	}
	if l.media {
		l.opts.Network.ReadAudio(l.scratch)
		for i, v := range l.scratch {
			l.out[i] = int16(max(min(int32(l.out[i])+int32(v), 32767), -32768))
		}
	}
}

func (l *FXSLine) apply(ev Event, now time.Time) {
	var acts []Action
	l.m, acts = l.m.Next(ev, now)
	for _, a := range acts {
		l.do(a)
	}
}

func (l *FXSLine) do(a Action) {
	net := l.opts.Network
	switch a.Kind {
	case PlayTone:
		l.tone = l.tones[a.Tone]
		if l.tone != nil {
			l.tone.Reset()
		} else if a.Tone != NoTone {
			l.log.Warn("no such tone in the tone set", "tone", a.Tone.String())
		}
	case SetRing:
		l.portErr("ring", l.opts.Port.SetRing(a.On))
	case SetPolarity:
		l.portErr("polarity", l.opts.Port.SetPolarity(a.On))
	case SetMWI:
		l.portErr("mwi", l.opts.Port.SetMWI(a.On))
		if l.opts.Port.OffHook() {
			return // the lamp is enough; the phone shows VMWI on hook
		}
		tx, err := callerid.NewTransmitter(l.opts.CallerID, callerid.Message{Kind: callerid.MessageWaiting, Waiting: a.On}, callerid.Options{})
		if err != nil {
			l.log.Warn("VMWI not sent", "error", err)
			return
		}
		l.cid = tx
	case SendCallerID:
		tx, err := callerid.NewTransmitter(l.opts.CallerID, callerIDMessage(a.CallerID, l.Now()), callerid.Options{})
		if err != nil {
			l.log.Warn("caller ID not sent", "error", err)
			return
		}
		l.cid = tx
	case PlayDigit:
		if err := l.digits.Play(string(a.Digit)); err != nil {
			l.log.Warn("digit not played", "digit", string(a.Digit), "error", err)
		}
	case Media:
		l.media = a.On
	case PlaceCall:
		l.log.Info("call", "number", a.Number)
		net.PlaceCall(a.Number, a.CallerID)
	case Answer:
		net.Answer()
	case Hangup:
		net.Hangup()
	case RejectBusy:
		net.RejectBusy()
	case SendDigit:
		net.SendDigit(a.Digit)
	case SendFlash:
		net.SendFlash()
	}
}

func (l *FXSLine) portErr(what string, err error) {
	if err != nil {
		l.log.Warn("port control failed", "control", what, "error", err)
	}
}

func callerIDMessage(c CallerID, now time.Time) callerid.Message {
	m := callerid.Message{Number: c.Number, Name: c.Name, Time: c.Time}
	if m.Time.IsZero() {
		m.Time = now
	}
	switch {
	case c.Private:
		m.NumberAbsence, m.NameAbsence = callerid.Private, callerid.Private
	case c.Unavailable || c.Number == "":
		m.NumberAbsence = callerid.Unavailable
	}
	return m
}
