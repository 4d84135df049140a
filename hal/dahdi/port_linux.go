package dahdi

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/potsgate/potsgate/hal"
	"github.com/potsgate/potsgate/hal/dahdi/internal/abi"
)

// Port is one DAHDI channel: an FXS port (hal.FXSPort: the channel has
// FXO signalling) or an FXO port (hal.FXOPort: FXS signalling). One
// goroutine, the line's, calls Exchange and the controls; Close may come
// from any.
type Port struct {
	k       Kernel
	fd      int
	channel int
	kind    Kind
	sig     int32
	log     *slog.Logger
	stall   time.Duration

	mu      sync.Mutex
	closed  bool
	failed  error
	offHook bool // FXS: the phone's hook; FXO: the gateway holds the line
	ringing bool // FXS: ringing applied; FXO: a ring burst is on the line
	oht     int  // FXS: frames of on-hook transfer left
	alarm   bool
	arg     int32 // ioctl arguments live here, not on the stack, so
	ev      int32 // passing them through Kernel allocates nothing
	wbuf    [2 * hal.FrameSamples]byte
	rbuf    [2 * hal.FrameSamples]byte
	prm     abi.Params
	stats   Stats
}

// Stats are a port's counters.
type Stats struct {
	Frames   int64 // frames exchanged
	Events   int64 // driver events read
	Dropped  int64 // frames not written: the card's transmit buffers were full
	Short    int64 // reads shorter than a frame (the rest is silence)
	Alarms   int64 // DAHDI_EVENT_ALARM reports
	OHTStart int64 // on-hook transfers asked for (caller ID, VMWI)
}

var (
	_ hal.FXSPort = (*Port)(nil)
	_ hal.FXOPort = (*Port)(nil)
)

// Open opens DAHDI channel channel (1-based, as dahdi_cfg numbers it) as
// a port of kind want; AnyKind takes the kind from the channel's
// signalling. The channel is set to 16-bit linear audio in 10 ms blocks
// with the driver's echo canceller as opts says. Errors name the channel:
// one that does not exist, is already open (Asterisk, say), is not
// configured, or has the other signalling than want.
func Open(channel int, want Kind, opts Options) (*Port, error) {
	opts = opts.withDefaults()
	k := opts.Kernel
	if k == nil {
		k = sysKernel{}
	}
	path := filepath.Join(opts.Dir, "channel")
	fd, err := k.Open(path)
	if err != nil {
		if errors.Is(err, syscall.ENOENT) {
			return nil, fmt.Errorf("dahdi: channel %d: %s does not exist: is the DAHDI driver loaded? %w", channel, path, err)
		}
		return nil, fmt.Errorf("dahdi: channel %d: open %s: %w", channel, path, err)
	}
	p := &Port{k: k, fd: fd, channel: channel, log: opts.Logger.With("dahdi_channel", channel), stall: opts.Stall}
	if err := p.setup(want, opts); err != nil {
		_ = k.Close(fd)
		return nil, err
	}
	return p, nil
}

func (p *Port) setup(want Kind, opts Options) error {
	p.arg = int32(p.channel)
	if err := p.ioctl(abi.Specify, unsafe.Pointer(&p.arg)); err != nil {
		switch {
		case errors.Is(err, syscall.EINVAL), errors.Is(err, syscall.ENXIO):
			return fmt.Errorf("dahdi: channel %d does not exist (see dahdi_scan, /proc/dahdi): %w", p.channel, err)
		case errors.Is(err, syscall.EBUSY):
			return fmt.Errorf("dahdi: channel %d is already open (Asterisk or another potsgate?): %w", p.channel, err)
		}
		return fmt.Errorf("dahdi: channel %d: DAHDI_SPECIFY: %w", p.channel, err)
	}
	var prm abi.Params
	if err := p.ioctl(abi.GetParams, unsafe.Pointer(&prm)); err != nil {
		return fmt.Errorf("dahdi: channel %d: DAHDI_GET_PARAMS: %w", p.channel, err)
	}
	p.sig = prm.Sigtype
	kind, err := kindOf(p.channel, prm.Sigtype)
	if err != nil {
		return err
	}
	if want != AnyKind && want != kind {
		return fmt.Errorf("dahdi: channel %d has %s signalling, an %s port, not %s: check the card's modules and system.conf", p.channel, sigName(prm.Sigtype), kind, want)
	}
	p.kind = kind
	p.offHook = kind == FXS && prm.Rxisoffhook != 0
	if opts.RxFlash > 0 {
		prm.Rxflashtime = int32(opts.RxFlash / time.Millisecond)
		if err := p.ioctl(abi.SetParams, unsafe.Pointer(&prm)); err != nil {
			return fmt.Errorf("dahdi: channel %d: DAHDI_SET_PARAMS: %w", p.channel, err)
		}
	}
	bi := abi.BufferInfo{TxBufPolicy: abi.PolicyImmediate, RxBufPolicy: abi.PolicyImmediate, NumBufs: 4, BufSize: hal.FrameSamples}
	if err := p.ioctl(abi.SetBufInfo, unsafe.Pointer(&bi)); err != nil {
		return fmt.Errorf("dahdi: channel %d: DAHDI_SET_BUFINFO: %w", p.channel, err)
	}
	p.arg = hal.FrameSamples
	if err := p.ioctl(abi.SetBlocksize, unsafe.Pointer(&p.arg)); err != nil {
		return fmt.Errorf("dahdi: channel %d: DAHDI_SET_BLOCKSIZE: %w", p.channel, err)
	}
	p.arg = 1
	if err := p.ioctl(abi.SetLinear, unsafe.Pointer(&p.arg)); err != nil {
		return fmt.Errorf("dahdi: channel %d: DAHDI_SETLINEAR: %w", p.channel, err)
	}
	ec := abi.EchoCanParams{TapLength: uint32(opts.DriverEcho / time.Millisecond * 8)}
	if err := p.ioctl(abi.EchoCancelParams, unsafe.Pointer(&ec)); err != nil {
		if ec.TapLength > 0 {
			return fmt.Errorf("dahdi: channel %d: the driver's echo canceller (is one attached in system.conf?): %w", p.channel, err)
		}
		p.log.Debug("driver echo canceller not turned off", "error", err)
	}
	return nil
}

// kindOf is the port a signalling type makes.
func kindOf(channel int, sig int32) (Kind, error) {
	switch {
	case sig == abi.SigNone:
		return AnyKind, fmt.Errorf("dahdi: channel %d is not configured: add it to /etc/dahdi/system.conf and run dahdi_cfg", channel)
	case sig == abi.SigBroken:
		return AnyKind, fmt.Errorf("dahdi: channel %d is broken (the driver failed to initialise it: is the module powered?)", channel)
	case sig&abi.SigFXO != 0:
		return FXS, nil
	case sig&abi.SigFXS != 0:
		return FXO, nil
	}
	return AnyKind, fmt.Errorf("dahdi: channel %d has %s signalling, not an analog port", channel, sigName(sig))
}

func sigName(sig int32) string {
	switch sig {
	case abi.SigFXSLS:
		return "FXSLS"
	case abi.SigFXSGS:
		return "FXSGS"
	case abi.SigFXSKS:
		return "FXSKS"
	case abi.SigFXOLS:
		return "FXOLS"
	case abi.SigFXOGS:
		return "FXOGS"
	case abi.SigFXOKS:
		return "FXOKS"
	}
	return fmt.Sprintf("%#x", uint32(sig))
}

func (p *Port) ioctl(req uint, arg unsafe.Pointer) error { return p.k.Ioctl(p.fd, req, arg) }

// Channel is the DAHDI channel number.
func (p *Port) Channel() int { return p.channel }

// Kind is FXS or FXO, from the channel's signalling.
func (p *Port) Kind() Kind { return p.kind }

// Stats returns the port's counters.
func (p *Port) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// Err is the error that took the port out of service, nil while it works.
func (p *Port) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failed
}

// Exchange implements hal.FXSPort and hal.FXOPort: it writes out, waits
// for the card's next 10 ms block (the driver paces the line) and returns
// it in in, with the driver's events of the frame. A failed read or
// write, or a card that sends nothing for Options.Stall, takes the port
// out of service: Exchange then returns an error wrapping
// ErrOutOfService, every time.
func (p *Port) Exchange(out, in []int16, events []hal.Event) ([]hal.Event, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return events, hal.ErrClosed
	}
	if p.failed != nil {
		clear(in)
		return events, p.failed
	}
	if len(out) != hal.FrameSamples || len(in) != hal.FrameSamples {
		return events, fmt.Errorf("dahdi: frames of %d and %d samples, want %d", len(out), len(in), hal.FrameSamples)
	}
	if p.kind == FXS && !p.offHook {
		p.onHookTransfer(out)
	}
	for i, v := range out {
		binary.NativeEndian.PutUint16(p.wbuf[2*i:], uint16(v))
	}
	var err error
	if events, err = p.write(events); err == nil {
		events, err = p.read(events)
	}
	if err == nil && p.failed != nil { // the driver reported the channel removed
		err = p.failed
	}
	if err != nil {
		clear(in)
		return events, p.fail(err)
	}
	for i := range in {
		in[i] = int16(binary.NativeEndian.Uint16(p.rbuf[2*i:]))
	}
	p.stats.Frames++
	return events, nil
}

// fail takes the port out of service.
func (p *Port) fail(err error) error {
	if p.failed == nil {
		if !errors.Is(err, ErrOutOfService) {
			err = fmt.Errorf("%w: channel %d: %w", ErrOutOfService, p.channel, err)
		}
		p.failed = err
		p.log.Error("DAHDI port out of service", "error", err)
	}
	return p.failed
}

func (p *Port) write(events []hal.Event) ([]hal.Event, error) {
	for range 8 {
		_, err := p.k.Write(p.fd, p.wbuf[:])
		switch {
		case err == nil:
			return events, nil
		case err == syscall.Errno(abi.ELAST):
			var derr error
			if events, derr = p.drain(events); derr != nil {
				return events, derr
			}
		case err == syscall.EAGAIN:
			p.stats.Dropped++ // the card is behind: this frame goes
			return events, nil
		case err == syscall.EINTR:
		default:
			return events, fmt.Errorf("write: %w", err)
		}
	}
	return events, nil
}

func (p *Port) read(events []hal.Event) ([]hal.Event, error) {
	for {
		readable, event, err := p.k.Poll(p.fd, p.stall)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return events, fmt.Errorf("poll: %w", err)
		case !readable && !event:
			return events, fmt.Errorf("no audio from the card for %v", p.stall)
		}
		if event {
			if events, err = p.drain(events); err != nil {
				return events, err
			}
		}
		if !readable {
			continue
		}
		n, err := p.k.Read(p.fd, p.rbuf[:])
		switch {
		case err == nil:
			if n < len(p.rbuf) {
				p.stats.Short++
				clear(p.rbuf[max(n, 0):])
			}
			return events, nil
		case err == syscall.Errno(abi.ELAST):
			if events, err = p.drain(events); err != nil {
				return events, err
			}
		case err == syscall.EAGAIN, err == syscall.EINTR:
		default:
			return events, fmt.Errorf("read: %w", err)
		}
	}
}

// drain reads the channel's pending events (at most the driver's queue
// length) and turns them into hal events.
func (p *Port) drain(events []hal.Event) ([]hal.Event, error) {
	for range 64 {
		p.ev = abi.EventNone
		if err := p.ioctl(abi.GetEvent, unsafe.Pointer(&p.ev)); err != nil {
			return events, fmt.Errorf("DAHDI_GETEVENT: %w", err)
		}
		if p.ev == abi.EventNone {
			break
		}
		p.stats.Events++
		events = p.event(p.ev, events)
	}
	return events, nil
}

func (p *Port) event(e int32, events []hal.Event) []hal.Event {
	switch e {
	case abi.EventRemoved:
		p.failed = fmt.Errorf("%w: channel %d: the driver removed the channel (card gone?)", ErrOutOfService, p.channel)
		return events
	case abi.EventAlarm:
		p.stats.Alarms++
		if !p.alarm {
			p.alarm = true
			p.log.Warn("DAHDI channel alarm (no line voltage, or the module lost power)")
		}
		return events
	case abi.EventNoAlarm:
		if p.alarm {
			p.alarm = false
			p.log.Info("DAHDI channel alarm cleared")
		}
		return events
	}
	if p.kind == FXS {
		switch {
		case e&abi.EventPulseDigit != 0:
			if d := byte(e); d >= '0' && d <= '9' {
				events = append(events, hal.Event{Kind: hal.PulseDigit, Digit: d})
			}
		case e == abi.EventRingOffHook:
			if !p.offHook {
				p.offHook, p.ringing, p.oht = true, false, 0
				events = append(events, hal.Event{Kind: hal.OffHook})
			}
		case e == abi.EventOnHook:
			if p.offHook {
				p.offHook = false
				events = append(events, hal.Event{Kind: hal.OnHook})
			}
		case e == abi.EventWinkFlash:
			events = append(events, hal.Event{Kind: hal.Flash})
		}
		return events
	}
	switch e {
	case abi.EventRingBegin:
		if !p.ringing {
			p.ringing = true
			events = append(events, hal.Event{Kind: hal.RingStart})
		}
	case abi.EventRingOffHook: // the ring burst is over
		if !p.ringing {
			events = append(events, hal.Event{Kind: hal.RingStart})
		}
		p.ringing = false
		events = append(events, hal.Event{Kind: hal.RingStop})
	case abi.EventPolarity:
		events = append(events, hal.Event{Kind: hal.PolarityReversal})
	case abi.EventOnHook: // kewlstart: the loop current went away
		events = append(events, hal.Event{Kind: hal.LoopCurrentLoss})
	}
	return events
}

// On-hook transfer: an on-hook phone hears nothing unless the driver is
// asked to pass audio (caller ID between rings, VMWI). The port asks
// when a frame with sound is sent on hook, and again before the time
// asked for runs out.
const (
	ohtAsk    = 2 * time.Second
	ohtRenew  = 500 * time.Millisecond
	ohtFrames = int(ohtAsk / hal.FrameDuration)
)

func (p *Port) onHookTransfer(out []int16) {
	if p.oht > 0 {
		p.oht--
	}
	if p.oht > int(ohtRenew/hal.FrameDuration) {
		return
	}
	silent := true
	for _, v := range out {
		if v != 0 {
			silent = false
			break
		}
	}
	if silent {
		return
	}
	p.arg = int32(ohtAsk / time.Millisecond)
	if err := p.ioctl(abi.OnHookTransfer, unsafe.Pointer(&p.arg)); err != nil {
		p.log.Warn("on-hook transfer refused: caller ID and VMWI will not reach the phone", "error", err)
		p.oht = ohtFrames // do not ask every frame
		return
	}
	p.stats.OHTStart++
	p.oht = ohtFrames
}

// control runs one control ioctl with an int argument.
func (p *Port) control(name string, only Kind, req uint, v int32) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.closed:
		return hal.ErrClosed
	case p.failed != nil:
		return p.failed
	case p.kind != only:
		return fmt.Errorf("dahdi: channel %d is an %s port: %s: %w", p.channel, p.kind, name, hal.ErrNotSupported)
	}
	p.arg = v
	if err := p.ioctl(req, unsafe.Pointer(&p.arg)); err != nil {
		switch {
		case errors.Is(err, syscall.EINPROGRESS):
			// A non-blocking DAHDI_HOOK ring, start or flash: begun, the
			// driver times it.
			return nil
		case errors.Is(err, syscall.ENODATA) && req == abi.Hook:
			return fmt.Errorf("dahdi: channel %d: %s: no tone zone loaded (loadzone= and defaultzone= in system.conf): %w", p.channel, name, err)
		case errors.Is(err, syscall.ENOTTY) || errors.Is(err, syscall.ENOSYS):
			return fmt.Errorf("dahdi: channel %d: %s: %w (%w)", p.channel, name, hal.ErrNotSupported, err)
		}
		return fmt.Errorf("dahdi: channel %d: %s: %w", p.channel, name, err)
	}
	return nil
}

// SetRing implements hal.FXSPort: DAHDI_HOOK with DAHDI_RING or
// DAHDI_RINGOFF. The line turns ringing on and off in its cadence; the
// driver's own cadence (the tone zone's) must be at least as long as the
// line's ring burst.
func (p *Port) SetRing(on bool) error {
	v := int32(abi.HookRingOff)
	if on {
		v = abi.HookRing
	}
	if err := p.control("ring", FXS, abi.Hook, v); err != nil {
		return err
	}
	p.mu.Lock()
	p.ringing = on
	p.mu.Unlock()
	return nil
}

// SetPolarity implements hal.FXSPort (DAHDI_SETPOLARITY).
func (p *Port) SetPolarity(reversed bool) error {
	return p.control("polarity", FXS, abi.SetPolarity, b2i(reversed))
}

// SetMWI implements hal.FXSPort (DAHDI_VMWI: 1 message waiting, or none).
// The FSK VMWI message the line sends on hook goes by on-hook transfer.
func (p *Port) SetMWI(on bool) error { return p.control("vmwi", FXS, abi.VMWI, b2i(on)) }

// OffHook implements hal.FXSPort: the hook state the driver reported
// (on an FXO port: whether the gateway holds the line).
func (p *Port) OffHook() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.offHook
}

// SetHook implements hal.FXOPort (DAHDI_HOOK off-hook or on-hook).
func (p *Port) SetHook(offHook bool) error {
	v := int32(abi.HookOnHook)
	if offHook {
		v = abi.HookOffHook
	}
	if err := p.control("hook", FXO, abi.Hook, v); err != nil {
		return err
	}
	p.mu.Lock()
	p.offHook = offHook
	p.mu.Unlock()
	return nil
}

// Flash implements hal.FXOPort: the channel's flash time is set to d
// (DAHDI_SET_PARAMS; d <= 0 keeps it), then DAHDI_HOOK flash, which the
// driver times.
func (p *Port) Flash(d time.Duration) error {
	if d > 0 && p.Kind() == FXO {
		if err := p.setFlashTime(d); err != nil {
			return err
		}
	}
	return p.control("flash", FXO, abi.Hook, abi.HookFlash)
}

func (p *Port) setFlashTime(d time.Duration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.failed != nil {
		return nil // control says why
	}
	p.prm = abi.Params{}
	if err := p.ioctl(abi.GetParams, unsafe.Pointer(&p.prm)); err != nil {
		return fmt.Errorf("dahdi: channel %d: flash: DAHDI_GET_PARAMS: %w", p.channel, err)
	}
	p.prm.Flashtime = int32(d / time.Millisecond)
	if err := p.ioctl(abi.SetParams, unsafe.Pointer(&p.prm)); err != nil {
		return fmt.Errorf("dahdi: channel %d: flash: DAHDI_SET_PARAMS: %w", p.channel, err)
	}
	return nil
}

// Close implements hal.FXSPort and hal.FXOPort: it releases the channel.
// It is idempotent.
func (p *Port) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	if err := p.k.Close(p.fd); err != nil {
		return fmt.Errorf("dahdi: channel %d: close: %w", p.channel, err)
	}
	return nil
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}
