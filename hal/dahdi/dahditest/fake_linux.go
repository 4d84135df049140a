package dahditest

import (
	"encoding/binary"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/potsgate/potsgate/hal"
	"github.com/potsgate/potsgate/hal/dahdi"
	"github.com/potsgate/potsgate/hal/dahdi/internal/abi"
	"github.com/potsgate/potsgate/hal/sim"
)

// Clock paces the fake card's frames.
type Clock interface {
	// Wait blocks until frame n (counted from 0) is due, or timeout
	// passes (false).
	Wait(n int64, timeout time.Duration) bool
}

// Unpaced makes every frame due at once: the channels run in simulated
// time, as fast as the port reads.
type Unpaced struct{}

// Wait implements Clock.
func (Unpaced) Wait(int64, time.Duration) bool { return true }

// RealTime makes frame n due n × 10 ms after the clock was made, as a
// card's 8 kHz interrupt does.
type RealTime struct{ start time.Time }

// NewRealTime returns a clock started now.
func NewRealTime() *RealTime { return &RealTime{start: time.Now()} }

// Wait implements Clock.
func (c *RealTime) Wait(n int64, timeout time.Duration) bool {
	d := time.Until(c.start.Add(time.Duration(n) * hal.FrameDuration))
	if d > timeout {
		time.Sleep(timeout)
		return false
	}
	if d > 0 {
		time.Sleep(d)
	}
	return true
}

// Timing of the DAHDI core (include/dahdi/kernel.h).
const (
	RxFlashTime  = 1250 * time.Millisecond // default: an on-hook longer than this is a hang-up
	MinPulse     = 15 * time.Millisecond
	MaxPulse     = 200 * time.Millisecond
	PulseTimeout = MaxPulse + 50*time.Millisecond
	RingOn       = 2 * time.Second // the default zone's ring cadence
	RingOff      = 4 * time.Second
	FlashTime    = 750 * time.Millisecond // default length of DAHDI_FLASH on an FXS-signalled channel
)

const numBufs = 4 // the most frames written ahead

// Device is a fake DAHDI card with its channels: a dahdi.Kernel.
type Device struct {
	mu     sync.Mutex
	clock  Clock
	chans  map[int]*Channel
	files  map[int]*Channel // open fds; nil = not yet DAHDI_SPECIFY'd
	nextFD int
	// Missing makes /dev/dahdi/channel absent, as without the driver.
	missing bool
	elast   error
}

var _ dahdi.Kernel = (*Device)(nil)

// New returns a card without channels, paced by clock (nil: Unpaced).
func New(clock Clock) *Device {
	if clock == nil {
		clock = Unpaced{}
	}
	return &Device{clock: clock, chans: map[int]*Channel{}, files: map[int]*Channel{}, nextFD: 3, elast: syscall.Errno(abi.ELAST)}
}

// Channel is one channel of the fake card.
type Channel struct {
	d      *Device
	no     int
	sig    int32
	phone  *sim.Phone // FXS port (FXO signalling)
	line   *sim.Line  // FXO port (FXS signalling)
	open   bool
	events []int32

	frame    int64 // frames read since open
	now      int64 // samples since the channel was added
	tx       [numBufs][hal.FrameSamples]int16
	txHead   int
	txLen    int
	rx       [hal.FrameSamples]int16
	out      [hal.FrameSamples]int16
	rxReady  bool
	simEv    []hal.Event
	linear   bool
	block    int32
	numBufs  int32
	echoTaps uint32

	// FXO signalling: the DAHDI core's hook machine.
	rawOff      bool
	gotgs       bool
	onAt        int64 // when the phone went on hook; -1 = not pending
	pulses      int
	pulseAt     int64 // when the pulse digit is due; -1 = none
	ringing     bool  // DAHDI_RING in force
	ringStart   int64
	ringerOn    bool
	ohtUntil    int64
	seized      bool
	removed     bool
	ioErr       syscall.Errno
	stalled     bool
	polarity    bool
	noZone      bool
	flash       time.Duration // DAHDI_FLASH's length (flashtime)
	rxFlash     time.Duration // the longest on-hook that is not a hang-up (rxflashtime)
	onHookAudio int64         // samples that reached the phone on hook
}

// AddFXS adds channel no as an FXS port (FXOKS signalling) with phone
// plugged into it.
func (d *Device) AddFXS(no int, phone *sim.Phone) *Channel {
	return d.add(&Channel{no: no, sig: abi.SigFXOKS, phone: phone})
}

// AddFXO adds channel no as an FXO port (FXSKS signalling) on line.
func (d *Device) AddFXO(no int, line *sim.Line) *Channel {
	return d.add(&Channel{no: no, sig: abi.SigFXSKS, line: line})
}

// AddUnconfigured adds channel no with no signalling, as before dahdi_cfg.
func (d *Device) AddUnconfigured(no int) *Channel {
	return d.add(&Channel{no: no, sig: abi.SigNone})
}

func (d *Device) add(c *Channel) *Channel {
	d.mu.Lock()
	defer d.mu.Unlock()
	c.d, c.onAt, c.pulseAt = d, -1, -1
	c.flash, c.rxFlash = FlashTime, RxFlashTime
	d.chans[c.no] = c
	return c
}

// Channel returns channel no, nil if the card has none.
func (d *Device) Channel(no int) *Channel {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.chans[no]
}

// SetMissing makes /dev/dahdi/channel absent (the driver not loaded).
func (d *Device) SetMissing(m bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.missing = m
}

// Open implements dahdi.Kernel.
func (d *Device) Open(path string) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.missing || !strings.HasSuffix(path, "/channel") {
		return -1, syscall.ENOENT
	}
	fd := d.nextFD
	d.nextFD++
	d.files[fd] = nil
	return fd, nil
}

// Close implements dahdi.Kernel.
func (d *Device) Close(fd int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := d.files[fd]
	if !ok {
		return syscall.EBADF
	}
	delete(d.files, fd)
	if c != nil {
		c.open, c.txLen, c.rxReady, c.events = false, 0, false, c.events[:0]
		c.linear, c.ringing = false, false
	}
	return nil
}

func (d *Device) file(fd int) (*Channel, error) {
	c, ok := d.files[fd]
	switch {
	case !ok:
		return nil, syscall.EBADF
	case c == nil:
		return nil, syscall.EINVAL // no DAHDI_SPECIFY yet
	case c.removed:
		return nil, syscall.ENODEV
	}
	return c, nil
}

// Ioctl implements dahdi.Kernel.
func (d *Device) Ioctl(fd int, req uint, arg unsafe.Pointer) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if req == abi.Specify {
		c, ok := d.files[fd]
		if !ok {
			return syscall.EBADF
		}
		if c != nil {
			return syscall.EINVAL
		}
		c, ok = d.chans[int(*(*int32)(arg))]
		switch {
		case !ok || c.removed:
			return syscall.EINVAL
		case c.open:
			return syscall.EBUSY
		}
		c.open, c.frame, c.block, c.numBufs = true, 0, 1024, 2
		d.files[fd] = c
		return nil
	}
	c, err := d.file(fd)
	if err != nil {
		return err
	}
	intArg := func() int32 { return *(*int32)(arg) }
	fxoSig := c.sig&abi.SigFXO != 0
	switch req {
	case abi.GetParams:
		p := (*abi.Params)(arg)
		*p = abi.Params{Channo: int32(c.no), Spanno: 1, Chanpos: int32(c.no), Sigtype: c.sig, Sigcap: abi.SigFXOKS | abi.SigFXSKS,
			Flashtime: int32(c.flash / time.Millisecond), Rxflashtime: int32(c.rxFlash / time.Millisecond)}
		copy(p.Name[:], "FAKE/0/"+strconv.Itoa(c.no-1))
		if fxoSig && c.rawOff {
			p.Rxisoffhook = 1
		}
	case abi.SetParams: // the timings; sigtype is not changed
		p := (*abi.Params)(arg)
		if p.Flashtime < 0 || p.Rxflashtime < 0 {
			return syscall.EINVAL
		}
		c.flash, c.rxFlash = time.Duration(p.Flashtime)*time.Millisecond, time.Duration(p.Rxflashtime)*time.Millisecond
	case abi.SetBufInfo:
		b := (*abi.BufferInfo)(arg)
		if b.BufSize < 16 || b.BufSize > 8192 || b.NumBufs < 1 || b.NumBufs > 32 {
			return syscall.EINVAL
		}
		c.numBufs, c.block = b.NumBufs, b.BufSize
	case abi.SetBlocksize:
		if v := intArg(); v < 16 || v > 8192 {
			return syscall.EINVAL
		}
		c.block = intArg()
	case abi.SetLinear:
		c.linear = intArg() != 0
	case abi.EchoCancelParams:
		c.echoTaps = (*abi.EchoCanParams)(arg).TapLength
	case abi.GetEvent:
		v := int32(abi.EventNone)
		if len(c.events) > 0 {
			v = c.events[0]
			c.events = append(c.events[:0], c.events[1:]...)
		}
		*(*int32)(arg) = v
	case abi.Hook:
		return c.hook(intArg())
	case abi.SetPolarity:
		if !fxoSig {
			return syscall.EINVAL
		}
		c.polarity = intArg() != 0
		_ = c.phone.SetPolarity(c.polarity)
	case abi.OnHookTransfer:
		if !fxoSig {
			return syscall.EINVAL
		}
		c.ohtUntil = c.now + int64(intArg())*hal.SampleRate/1000
	case abi.VMWI:
		if !fxoSig {
			return syscall.EINVAL
		}
		_ = c.phone.SetMWI(intArg() != 0)
	default:
		return syscall.ENOTTY
	}
	return nil
}

// hook is DAHDI_HOOK.
func (c *Channel) hook(v int32) error {
	if c.sig&abi.SigFXO != 0 { // we feed a phone
		switch v {
		case abi.HookRing, abi.HookStart:
			if c.noZone {
				return syscall.ENODATA // no tone zone: the driver has no ring cadence
			}
			if c.rawOff || c.ringing {
				return syscall.EBUSY // not on hook (txstate): off hook, or ringing already
			}
			c.ringing, c.ringStart = true, c.now
			c.ringer(true)
			return syscall.EINPROGRESS // the fd is non-blocking: ringing has begun
		case abi.HookRingOff, abi.HookOnHook:
			c.ringing = false
			c.ringer(false)
		case abi.HookOffHook:
		default:
			return syscall.EINVAL
		}
		return nil
	}
	switch v {
	case abi.HookOffHook:
		c.seized = true
		_ = c.line.SetHook(true)
	case abi.HookOnHook:
		c.seized = false
		_ = c.line.SetHook(false)
	case abi.HookFlash:
		if !c.seized {
			return syscall.EINVAL
		}
		_ = c.line.Flash(c.flash)
		return syscall.EINPROGRESS
	default:
		return syscall.EINVAL
	}
	return nil
}

func (c *Channel) ringer(on bool) {
	if on == c.ringerOn {
		return
	}
	c.ringerOn = on
	_ = c.phone.SetRing(on)
	if on {
		c.queue(abi.EventRingerOn)
	} else {
		c.queue(abi.EventRingerOff)
	}
}

func (c *Channel) queue(e int32) {
	if len(c.events) < 64 { // DAHDI_MAX_EVENTSIZE: the driver drops the rest
		c.events = append(c.events, e)
	}
}

// Poll implements dahdi.Kernel.
func (d *Device) Poll(fd int, timeout time.Duration) (readable, event bool, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, err := d.file(fd)
	if err != nil {
		return false, false, err
	}
	if !c.rxReady && len(c.events) == 0 {
		if c.stalled {
			return false, false, nil
		}
		n := c.frame
		d.mu.Unlock()
		ok := d.clock.Wait(n, timeout)
		d.mu.Lock()
		if c.removed || !c.open {
			return false, false, syscall.ENODEV
		}
		if !ok {
			return false, false, nil
		}
		if !c.rxReady {
			c.tick()
		}
	}
	return c.rxReady, len(c.events) > 0, nil
}

// Read implements dahdi.Kernel: one block of 16-bit linear samples.
func (d *Device) Read(fd int, p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, err := d.file(fd)
	switch {
	case err != nil:
		return 0, err
	case c.ioErr != 0:
		return 0, c.ioErr
	case len(c.events) > 0:
		return 0, d.elast
	case !c.rxReady:
		return 0, syscall.EAGAIN
	case !c.linear || c.block != hal.FrameSamples:
		return 0, syscall.EINVAL // the port must set linear 10 ms blocks
	}
	n := min(len(p)/2, hal.FrameSamples)
	for i := range n {
		binary.NativeEndian.PutUint16(p[2*i:], uint16(c.rx[i]))
	}
	c.rxReady = false
	c.frame++
	return 2 * n, nil
}

// Write implements dahdi.Kernel.
func (d *Device) Write(fd int, p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, err := d.file(fd)
	switch {
	case err != nil:
		return 0, err
	case c.ioErr != 0:
		return 0, c.ioErr
	case len(c.events) > 0:
		return 0, d.elast
	case c.txLen == int(c.numBufs) || c.txLen == numBufs:
		return 0, syscall.EAGAIN
	}
	f := &c.tx[(c.txHead+c.txLen)%numBufs]
	clear(f[:])
	for i := range min(len(p)/2, hal.FrameSamples) {
		f[i] = int16(binary.NativeEndian.Uint16(p[2*i:]))
	}
	c.txLen++
	return len(p), nil
}

// tick runs one frame of the card: what was written plays to the phone or
// line, what it sends is the block to read, its signalling becomes events.
func (c *Channel) tick() {
	out := &c.out
	clear(out[:])
	if c.txLen > 0 {
		*out = c.tx[c.txHead]
		c.txHead = (c.txHead + 1) % numBufs
		c.txLen--
	}
	start := c.now
	end := start + hal.FrameSamples
	if c.phone != nil {
		if c.ringing {
			on := (c.now-c.ringStart)%int64((RingOn+RingOff)/time.Second*hal.SampleRate) < int64(RingOn/time.Second*hal.SampleRate)
			c.ringer(on)
		}
		if !c.rawOff && c.now >= c.ohtUntil {
			clear(out[:]) // no audio path to an on-hook phone
		} else if !c.rawOff {
			c.onHookAudio += hal.FrameSamples
		}
		c.simEv, _ = c.phone.Exchange(out[:], c.rx[:], c.simEv[:0])
		for _, e := range c.simEv {
			c.hookChange(e.Kind == hal.OffHook, start+int64(e.Offset*hal.SampleRate/time.Second))
		}
		c.timers(end)
	} else if c.line != nil {
		c.simEv, _ = c.line.Exchange(out[:], c.rx[:], c.simEv[:0])
		for _, e := range c.simEv {
			switch e.Kind {
			case hal.RingStart:
				c.queue(abi.EventRingBegin)
			case hal.RingStop:
				c.queue(abi.EventRingOffHook)
			case hal.PolarityReversal:
				c.queue(abi.EventPolarity)
			case hal.LoopCurrentLoss:
				if c.seized {
					c.queue(abi.EventOnHook)
				}
			}
		}
	} else {
		clear(c.rx[:])
	}
	c.now = end
	c.rxReady = true
}

// hookChange is the DAHDI core's receive hook machine for FXO
// signalling (__dahdi_hooksig_pvt).
func (c *Channel) hookChange(off bool, at int64) {
	if off == c.rawOff {
		return
	}
	c.rawOff = off
	if !off {
		c.onAt = at
		return
	}
	if c.ringing { // answering stops the ringing
		c.ringing = false
		c.ringer(false)
	}
	if c.onAt >= 0 {
		plen := at - c.onAt
		c.onAt = -1
		switch {
		case plen > samples(MaxPulse):
			c.queue(abi.EventWinkFlash)
		case plen >= samples(MinPulse):
			c.pulses++
			c.pulseAt = at + samples(PulseTimeout)
			if c.pulses == 1 {
				c.queue(abi.EventPulseStart)
			}
		}
		return
	}
	if !c.gotgs {
		c.gotgs = true
		c.queue(abi.EventRingOffHook)
	}
}

func (c *Channel) timers(now int64) {
	if c.onAt >= 0 && now-c.onAt >= samples(c.rxFlash) {
		c.onAt, c.gotgs = -1, false
		c.queue(abi.EventOnHook)
	}
	if c.pulseAt >= 0 && now >= c.pulseAt {
		d := int32('0' + c.pulses%10)
		if c.pulses <= 10 {
			c.queue(abi.EventPulseDigit | d)
		}
		c.pulses, c.pulseAt = 0, -1
	}
}

func samples(d time.Duration) int64 { return int64(d) * hal.SampleRate / int64(time.Second) }

// Script: failures.

// Remove takes the channel away, as when a card is pulled or its driver
// unloaded: DAHDI_EVENT_REMOVED, then ENODEV for everything.
func (c *Channel) Remove() {
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	c.queue(abi.EventRemoved)
	c.rxReady = true // the reader wakes to find the event
	c.removed = true
}

// FailIO makes reads and writes fail with errno (0 to stop).
func (c *Channel) FailIO(errno syscall.Errno) {
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	c.ioErr = errno
}

// Stall stops (or restarts) the channel's frames, as a card whose
// interrupts stopped.
func (c *Channel) Stall(on bool) {
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	c.stalled = on
}

// Alarm queues DAHDI_EVENT_ALARM (on) or DAHDI_EVENT_NOALARM.
func (c *Channel) Alarm(on bool) {
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	if on {
		c.queue(abi.EventAlarm)
	} else {
		c.queue(abi.EventNoAlarm)
	}
}

// NoToneZone makes the channel's span have no tone zone loaded (no
// loadzone in system.conf): DAHDI_RING fails with ENODATA.
func (c *Channel) NoToneZone() {
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	c.noZone = true
}

// Settings is what the port set on the channel.
type Settings struct {
	Open      bool
	Linear    bool
	Blocksize int
	NumBufs   int
	EchoTaps  int // the driver's echo canceller tail in taps (8 per ms); 0 = off
	Polarity  bool
	RxFlash   time.Duration // the receive flash time (DAHDI_SET_PARAMS)
}

// Settings returns the channel's settings.
func (c *Channel) Settings() Settings {
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	return Settings{Open: c.open, Linear: c.linear, Blocksize: int(c.block), NumBufs: int(c.numBufs), EchoTaps: int(c.echoTaps), Polarity: c.polarity, RxFlash: c.rxFlash}
}

// OnHookAudio is how much audio reached the phone while it was on hook
// (by on-hook transfer).
func (c *Channel) OnHookAudio() time.Duration {
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	return time.Duration(c.onHookAudio) * time.Second / hal.SampleRate
}
