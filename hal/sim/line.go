package sim

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/potsgate/potsgate/hal"
)

// Line is a simulated PBX or central office line on an FXO port. The
// gateway side uses it as a hal.FXOPort; the test side plays the exchange:
// it rings the line, sends audio (dial tone, caller ID, busy tone), reverses
// polarity, drops loop current, and records what the gateway sent.
type Line struct {
	mu       sync.Mutex
	tl       timeline
	seized   bool
	closed   bool
	ringing  bool
	record   bool
	heard    []int16
	hookLog  []Change
	onSeize  func(l *Line)
	pendingX []func(l *Line)
	echo     *EchoPath
}

var _ hal.FXOPort = (*Line)(nil)

// NewLine returns an idle line that records what the gateway sends.
func NewLine() *Line { return &Line{record: true} }

// Exchange implements hal.FXOPort: one 10 ms frame.
func (l *Line) Exchange(out, in []int16, events []hal.Event) ([]hal.Event, error) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return events, hal.ErrClosed
	}
	if len(out) != len(in) {
		l.mu.Unlock()
		return events, fmt.Errorf("sim: frame sizes differ: out %d, in %d", len(out), len(in))
	}
	end := l.tl.now + int64(len(in))
	events = l.tl.take(end, events, func(k hal.EventKind) bool {
		switch k {
		case hal.RingStart:
			if l.ringing {
				return false
			}
			l.ringing = true
		case hal.RingStop:
			if !l.ringing {
				return false
			}
			l.ringing = false
		}
		return true
	})
	clear(in)
	l.tl.mix(in) // audio reaches the port on hook too: caller ID arrives between rings
	if l.seized && l.echo != nil {
		l.echo.Add(out, in) // the hybrid returns part of what the gateway sends
	}
	if l.seized && l.record {
		l.heard = append(l.heard, out...)
	}
	l.tl.now = end
	hooks := l.pendingX
	l.pendingX = nil
	l.mu.Unlock()
	// Callbacks run unlocked so they can script the line.
	for _, f := range hooks {
		f(l)
	}
	return events, nil
}

// SetHook implements hal.FXOPort.
func (l *Line) SetHook(offHook bool) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return hal.ErrClosed
	}
	if offHook == l.seized {
		return nil
	}
	l.seized = offHook
	l.hookLog = logChange(l.hookLog, Change{duration(l.tl.now), offHook})
	if offHook {
		if l.ringing { // answering stops the ringing
			l.tl.schedule(l.tl.now, hal.RingStop)
		}
		l.dropRings()
		if l.onSeize != nil {
			l.pendingX = append(l.pendingX, l.onSeize)
		}
	}
	return nil
}

// dropRings cancels scheduled ring bursts: the exchange stops ringing a
// line that has been answered.
func (l *Line) dropRings() {
	l.tl.events = slices.DeleteFunc(l.tl.events, func(e timedEvent) bool {
		return e.kind == hal.RingStart || e.kind == hal.RingStop && e.at > l.tl.now
	})
}

// Flash implements hal.FXOPort.
func (l *Line) Flash(d time.Duration) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.seized {
		return fmt.Errorf("sim: flash on a line that is not seized")
	}
	l.hookLog = logChange(logChange(l.hookLog, Change{duration(l.tl.now), false}), Change{duration(l.tl.now) + d, true})
	return nil
}

// Close implements hal.FXOPort; it is idempotent.
func (l *Line) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	return nil
}

// Script: the exchange.

// Now is the simulated time.
func (l *Line) Now() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return duration(l.tl.now)
}

// Wait makes the next scripted action start d later.
func (l *Line) Wait(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tl.scriptEnd = l.tl.cursor() + samples(d)
}

// Ring schedules n ring bursts of on, each followed by off.
func (l *Line) Ring(n int, on, off time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	at := l.tl.cursor()
	for range n {
		l.tl.schedule(at, hal.RingStart)
		l.tl.schedule(at+samples(on), hal.RingStop)
		at += samples(on + off)
	}
	l.tl.scriptEnd = at
}

// Play sends audio toward the gateway from the script's cursor.
func (l *Line) Play(pcm []int16) {
	l.mu.Lock()
	defer l.mu.Unlock()
	at := l.tl.cursor()
	l.tl.audio = append(l.tl.audio, segment{at: at, data: slices.Clone(pcm)})
	l.tl.scriptEnd = at + int64(len(pcm))
}

// PlayAt sends audio toward the gateway starting at offset d from now,
// outside the script's sequence (caller ID between two rings, say).
func (l *Line) PlayAt(d time.Duration, pcm []int16) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tl.audio = append(l.tl.audio, segment{at: l.tl.now + samples(d), data: slices.Clone(pcm)})
}

// ReversePolarity signals a polarity reversal (answer or disconnect
// supervision, depending on the exchange).
func (l *Line) ReversePolarity() { l.signal(hal.PolarityReversal) }

// DropLoopCurrent signals loop current loss (the far end hung up).
func (l *Line) DropLoopCurrent() { l.signal(hal.LoopCurrentLoss) }

// RestoreLoopCurrent signals that loop current is back.
func (l *Line) RestoreLoopCurrent() { l.signal(hal.LoopCurrentReturn) }

func (l *Line) signal(k hal.EventKind) {
	l.mu.Lock()
	defer l.mu.Unlock()
	at := l.tl.cursor()
	l.tl.schedule(at, k)
	l.tl.scriptEnd = at
}

// OnSeize registers f to run, after the frame in which the gateway seized
// the line, each time it does: an exchange plays dial tone, for example.
func (l *Line) OnSeize(f func(l *Line)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.onSeize = f
}

// SetEcho puts a hybrid on the line (nil takes it away): while the
// gateway holds the line, what it sends comes back through p, added to
// what the exchange plays.
func (l *Line) SetEcho(p *EchoPath) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.echo = p
}

// Seized reports whether the gateway holds the line.
func (l *Line) Seized() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seized
}

// HookChanges returns every seize (On) and release so far, flashes included.
func (l *Line) HookChanges() []Change {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.hookLog)
}

// Heard returns and clears what the gateway sent while it held the line.
func (l *Line) Heard() []int16 {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.heard
	l.heard = nil
	return h
}
