package sim

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/potsgate/potsgate/hal"
)

// Change is a control the gateway applied, with the simulated time it
// happened.
type Change struct {
	At time.Duration
	On bool
}

// maxChanges bounds each log of changes a simulated device keeps: the
// reference binary's phones run for as long as the gateway, ringing for
// every call, and a log without end was a leak in its 30-minute soak.
const maxChanges = 1024

// logChange appends c to log, dropping the oldest half once it is full.
func logChange(log []Change, c Change) []Change {
	if len(log) >= maxChanges {
		log = append(log[:0], log[len(log)/2:]...)
	}
	return append(log, c)
}

// Phone is a simulated analog phone on an FXS port. The gateway side uses it
// as a hal.FXSPort; the test side scripts the person using the phone. It is
// safe for a test goroutine to script while the line goroutine exchanges
// frames.
type Phone struct {
	mu         sync.Mutex
	tl         timeline
	offHook    bool
	closed     bool
	record     bool
	heard      []int16
	echo       bool
	autoAnswer int // answer at this ring; 0 = never
	rings      int
	ringing    bool
	ringLog    []Change
	polarity   bool
	polLog     []Change
	mwi        bool
	// currentOff: the port cut the loop current; curLog its changes.
	currentOff bool
	curLog     []Change
	// cpcHangUp: hang up when the loop current is cut (calling party
	// control), as PBX trunks, answering machines and modems do.
	cpcHangUp bool
	hear      func(frame []int16)
	hybrid    *EchoPath
	device    Device
	said      []int16 // the device's frame
}

// Device is equipment on a simulated line that talks and listens in step
// with simulated time: a fax machine or a modem in a test. Exchange is
// called once a frame while the phone is off hook, with what the gateway
// sends (heard) and a frame to fill with what the device sends (said);
// it runs on the goroutine that exchanges frames, with the phone locked,
// so it must not script the phone.
type Device interface {
	Exchange(heard, said []int16)
}

// DeviceFunc adapts a function to a Device.
type DeviceFunc func(heard, said []int16)

// Exchange calls f.
func (f DeviceFunc) Exchange(heard, said []int16) { f(heard, said) }

// Attach connects d to the line (nil disconnects it): from the next frame
// on, while off hook, what it says is added to what the phone sends, and
// it hears what the gateway sends.
func (p *Phone) Attach(d Device) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.device = d
}

var _ hal.FXSPort = (*Phone)(nil)

// NewPhone returns an on-hook phone that records what it hears.
func NewPhone() *Phone { return &Phone{record: true} }

// Exchange implements hal.FXSPort: one 10 ms frame.
func (p *Phone) Exchange(out, in []int16, events []hal.Event) ([]hal.Event, error) {
	events, hear, err := p.exchange(out, in, events)
	if hear != nil {
		// Unlocked, so the listener may script the phone (hang up on busy
		// tone, say).
		hear(out)
	}
	return events, err
}

func (p *Phone) exchange(out, in []int16, events []hal.Event) ([]hal.Event, func([]int16), error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return events, nil, hal.ErrClosed
	}
	if len(out) != len(in) {
		return events, nil, fmt.Errorf("sim: frame sizes differ: out %d, in %d", len(out), len(in))
	}
	end := p.tl.now + int64(len(in))
	events = p.tl.take(end, events, func(k hal.EventKind) bool {
		off := k == hal.OffHook
		if off == p.offHook {
			return false
		}
		p.offHook, p.rings = off, 0
		return true
	})
	clear(in)
	p.tl.mix(in)
	if p.device != nil && p.offHook {
		if cap(p.said) < len(in) {
			p.said = make([]int16, len(in))
		}
		said := p.said[:len(in)]
		clear(said)
		p.device.Exchange(out, said)
		for i, v := range said {
			in[i] = sat(int32(in[i]) + int32(v))
		}
	}
	switch {
	case !p.offHook:
		clear(in) // an on-hook phone sends nothing; its scheduled audio is lost
	case p.echo:
		for i, v := range out {
			in[i] = sat(int32(in[i]) + int32(v))
		}
	case p.hybrid != nil:
		p.hybrid.Add(out, in)
	}
	if p.record { // on hook too: caller ID arrives between rings
		p.heard = append(p.heard, out...)
	}
	p.tl.now = end
	if !p.offHook {
		return events, nil, nil
	}
	return events, p.hear, nil
}

func sat(v int32) int16 { return int16(max(min(v, 32767), -32768)) }

// SetRing implements hal.FXSPort. A phone set to auto-answer goes off hook
// when the ring it waits for starts.
func (p *Phone) SetRing(on bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return hal.ErrClosed
	}
	if on == p.ringing {
		return nil
	}
	p.ringing = on
	p.ringLog = logChange(p.ringLog, Change{duration(p.tl.now), on})
	if on {
		p.rings++
		if p.autoAnswer > 0 && p.rings == p.autoAnswer && !p.offHook {
			p.tl.schedule(p.tl.now, hal.OffHook)
		}
	}
	return nil
}

// SetPolarity implements hal.FXSPort.
func (p *Phone) SetPolarity(reversed bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if reversed != p.polarity {
		p.polarity = reversed
		p.polLog = logChange(p.polLog, Change{duration(p.tl.now), reversed})
	}
	return nil
}

// SetLoopCurrent feeds (on) or cuts the loop current, as a port that can
// does (line.LoopCurrentPort). A phone set to HangUpOnDisconnect that is
// off hook puts the handset down when the current is cut.
func (p *Phone) SetLoopCurrent(on bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return hal.ErrClosed
	}
	if on == !p.currentOff {
		return nil
	}
	p.currentOff = !on
	p.curLog = logChange(p.curLog, Change{duration(p.tl.now), on})
	if !on && p.cpcHangUp && p.offHook {
		p.tl.schedule(p.tl.now, hal.OnHook)
	}
	return nil
}

// HangUpOnDisconnect makes the phone hang up when the port cuts its loop
// current (a disconnect pulse, EnableCurrentDisconnect): equipment with
// calling party control rather than a person listening for busy tone.
func (p *Phone) HangUpOnDisconnect(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cpcHangUp = on
}

// CurrentChanges lists the loop current changes (On: fed), with their
// simulated times.
func (p *Phone) CurrentChanges() []Change {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.curLog)
}

// SetMWI implements hal.FXSPort.
func (p *Phone) SetMWI(on bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mwi = on
	return nil
}

// OffHook implements hal.FXSPort.
func (p *Phone) OffHook() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.offHook
}

// Close implements hal.FXSPort; it is idempotent.
func (p *Phone) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	return nil
}

// Script: the person using the phone.

// Now is the simulated time: frames exchanged so far times 10 ms.
func (p *Phone) Now() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return duration(p.tl.now)
}

// PickUp lifts the handset.
func (p *Phone) PickUp() { p.hook(hal.OffHook, 0) }

// HangUp puts the handset down.
func (p *Phone) HangUp() { p.hook(hal.OnHook, 0) }

func (p *Phone) hook(k hal.EventKind, after time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	at := p.tl.cursor() + samples(after)
	p.tl.schedule(at, k)
	p.tl.scriptEnd = at
}

// Wait makes the next scripted action start d later.
func (p *Phone) Wait(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tl.scriptEnd = p.tl.cursor() + samples(d)
}

// Flash presses the hook switch for d (a hook flash, if d is in the
// gateway's flash window).
func (p *Phone) Flash(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	at := p.tl.cursor()
	p.tl.schedule(at, hal.OnHook)
	p.tl.schedule(at+samples(d), hal.OffHook)
	p.tl.scriptEnd = at + samples(d)
}

// Pulse timing of a rotary dial: 10 pulses per second, 60 % break, and a
// pause between digits.
const (
	PulseBreak     = 60 * time.Millisecond
	PulseMake      = 40 * time.Millisecond
	InterDigitTime = 700 * time.Millisecond
)

// DialPulse dials digits as loop breaks, as a rotary phone does ('0' is ten
// pulses). Other characters are ignored.
func (p *Phone) DialPulse(digits string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	at := p.tl.cursor()
	for i := 0; i < len(digits); i++ {
		d := digits[i]
		if d < '0' || d > '9' {
			continue
		}
		n := int(d - '0')
		if n == 0 {
			n = 10
		}
		for range n {
			p.tl.schedule(at, hal.OnHook)
			at += samples(PulseBreak)
			p.tl.schedule(at, hal.OffHook)
			at += samples(PulseMake)
		}
		at += samples(InterDigitTime)
	}
	p.tl.scriptEnd = at
}

// DTMF timing of the keypad.
const (
	KeyTone  = 80 * time.Millisecond
	KeyPause = 80 * time.Millisecond
)

// DialDTMF presses keys: each digit is sent as DTMF audio for KeyTone,
// followed by KeyPause of silence. Characters that are not keys are ignored.
func (p *Phone) DialDTMF(digits string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	at := p.tl.cursor()
	for i := 0; i < len(digits); i++ {
		tone, ok := keypadTone(digits[i], KeyTone)
		if !ok {
			continue
		}
		p.tl.audio = append(p.tl.audio, segment{at: at, data: tone})
		at += samples(KeyTone + KeyPause)
	}
	p.tl.scriptEnd = at
}

// Say sends audio into the microphone, starting at the script's cursor.
func (p *Phone) Say(pcm []int16) {
	p.mu.Lock()
	defer p.mu.Unlock()
	at := p.tl.cursor()
	p.tl.audio = append(p.tl.audio, segment{at: at, data: slices.Clone(pcm)})
	p.tl.scriptEnd = at + int64(len(pcm))
}

// Echo makes the phone send back what it hears (a loopback, as the
// embedded default's phones do).
func (p *Phone) Echo(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.echo = on
}

// SetHybrid gives the phone's line a hybrid (nil takes it away): while
// the phone is off hook, part of what it hears comes back through p, added
// to what it says. Echo, the full loopback, takes precedence.
func (p *Phone) SetHybrid(e *EchoPath) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hybrid = e
}

// AutoAnswer makes the phone go off hook when ring number n starts (0 =
// never). The ring count restarts each time the phone hangs up.
func (p *Phone) AutoAnswer(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.autoAnswer = n
}

// OnHear sets a listener that gets every frame the phone hears while off
// hook, on the goroutine that exchanges frames; it may script the phone.
// The frame is only valid during the call.
func (p *Phone) OnHear(f func(frame []int16)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hear = f
}

// Record turns the recording of what the phone hears on or off.
func (p *Phone) Record(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.record = on
}

// Heard returns and clears what the phone heard, on or off hook.
func (p *Phone) Heard() []int16 {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.heard
	p.heard = nil
	return h
}

// Ringing reports whether ringing voltage is applied now.
func (p *Phone) Ringing() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ringing
}

// RingChanges returns the ring on/off changes so far (the last 512 to
// 1,024 of them once that many have been made).
func (p *Phone) RingChanges() []Change {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.ringLog)
}

// PolarityChanges returns the polarity changes so far (On = reversed;
// the last 512 to 1,024 of them, as RingChanges).
func (p *Phone) PolarityChanges() []Change {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.polLog)
}

// MWI reports the message waiting lamp.
func (p *Phone) MWI() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mwi
}
