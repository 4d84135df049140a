package dahdi_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/hal"
	"github.com/potsgate/potsgate/hal/dahdi"
	"github.com/potsgate/potsgate/hal/dahdi/dahditest"
	"github.com/potsgate/potsgate/hal/sim"
)

// Open sets the channel up as the port needs it: 16-bit linear, 80
// sample blocks, the driver's echo canceller off or on as asked.
func TestOpenSetsTheChannelUp(t *testing.T) {
	dev := dahditest.New(nil)
	ch := dev.AddFXS(1, sim.NewPhone())
	p, err := dahdi.Open(1, dahdi.AnyKind, dahdi.Options{Kernel: dev})
	if err != nil {
		t.Fatal(err)
	}
	if s := ch.Settings(); !s.Open || !s.Linear || s.Blocksize != hal.FrameSamples || s.NumBufs != 4 || s.EchoTaps != 0 {
		t.Fatalf("settings %+v", s)
	}
	if p.Kind() != dahdi.FXS || p.Channel() != 1 {
		t.Fatalf("kind %v, channel %d", p.Kind(), p.Channel())
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if ch.Settings().Open {
		t.Fatal("channel still open after Close")
	}
	if _, err := p.Exchange(make([]int16, 80), make([]int16, 80), nil); !errors.Is(err, hal.ErrClosed) {
		t.Fatalf("Exchange after Close: %v", err)
	}
	p, err = dahdi.Open(1, dahdi.FXS, dahdi.Options{Kernel: dev, DriverEcho: 128 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if s := ch.Settings(); s.EchoTaps != 1024 {
		t.Fatalf("driver echo canceller taps %d, want 1024 for 128 ms", s.EchoTaps)
	}
}

// Bad input gets an error naming the channel and what is wrong.
func TestOpenErrors(t *testing.T) {
	dev := dahditest.New(nil)
	dev.AddFXS(1, sim.NewPhone())
	dev.AddFXO(2, sim.NewLine())
	dev.AddUnconfigured(3)
	held, err := dahdi.Open(1, dahdi.FXS, dahdi.Options{Kernel: dev})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	for _, c := range []struct {
		channel int
		kind    dahdi.Kind
		want    string
	}{
		{9, dahdi.AnyKind, "channel 9 does not exist"},
		{1, dahdi.FXS, "channel 1 is already open"},
		{2, dahdi.FXS, "channel 2 has FXSKS signalling, an FXO port, not FXS"},
		{3, dahdi.AnyKind, "channel 3 is not configured"},
	} {
		_, err := dahdi.Open(c.channel, c.kind, dahdi.Options{Kernel: dev})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Open(%d, %v): %v, want %q", c.channel, c.kind, err, c.want)
		}
	}
	// A failed open leaves the channel free.
	p, err := dahdi.Open(2, dahdi.FXO, dahdi.Options{Kernel: dev})
	if err != nil {
		t.Fatalf("channel 2 after a failed open: %v", err)
	}
	p.Close()
	dev.SetMissing(true)
	if _, err := dahdi.Open(2, dahdi.AnyKind, dahdi.Options{Kernel: dev}); err == nil || !strings.Contains(err.Error(), "is the DAHDI driver loaded") {
		t.Errorf("without the driver: %v", err)
	}
}

// A control of the other kind of port is not supported.
func TestControlsOfTheOtherKind(t *testing.T) {
	dev := dahditest.New(nil)
	dev.AddFXO(1, sim.NewLine())
	p, err := dahdi.Open(1, dahdi.AnyKind, dahdi.Options{Kernel: dev})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.SetRing(true); !errors.Is(err, hal.ErrNotSupported) {
		t.Fatalf("SetRing on an FXO port: %v", err)
	}
}

// Ringing: DAHDI_RING answers EINPROGRESS on a non-blocking channel,
// which is success; without a tone zone the error says what to fix.
func TestRing(t *testing.T) {
	dev := dahditest.New(nil)
	phone := sim.NewPhone()
	ch := dev.AddFXS(1, phone)
	p, err := dahdi.Open(1, dahdi.FXS, dahdi.Options{Kernel: dev})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.SetRing(true); err != nil || !phone.Ringing() {
		t.Fatalf("SetRing(true): %v, ringing %v", err, phone.Ringing())
	}
	if err := p.SetRing(false); err != nil || phone.Ringing() {
		t.Fatalf("SetRing(false): %v, ringing %v", err, phone.Ringing())
	}
	ch.NoToneZone()
	if err := p.SetRing(true); err == nil || !strings.Contains(err.Error(), "no tone zone loaded") {
		t.Fatalf("SetRing without a tone zone: %v", err)
	}
}

// RxFlash sets DAHDI's receive flash time: the hang-up is reported that
// long after the phone went on hook.
func TestRxFlash(t *testing.T) {
	hangUp := func(opts dahdi.Options) (after700ms, after1300ms bool) {
		dev := dahditest.New(nil)
		phone := sim.NewPhone()
		dev.AddFXS(1, phone)
		opts.Kernel = dev
		p, err := dahdi.Open(1, dahdi.FXS, opts)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		out, in := make([]int16, 80), make([]int16, 80)
		frames := func(n int) {
			for range n {
				if _, err := p.Exchange(out, in, nil); err != nil {
					t.Fatal(err)
				}
			}
		}
		phone.PickUp()
		frames(10)
		phone.HangUp()
		frames(71)
		after700ms = p.OffHook()
		frames(60)
		return after700ms, p.OffHook()
	}
	if a, b := hangUp(dahdi.Options{}); !a || b {
		t.Errorf("default: off hook %v after 700 ms, %v after 1300 ms; want true, false", a, b)
	}
	if a, b := hangUp(dahdi.Options{RxFlash: 600 * time.Millisecond}); a || b {
		t.Errorf("RxFlash 600 ms: off hook %v after 700 ms, %v after 1300 ms; want false, false", a, b)
	}
}

// An FXO port flashes for the time asked.
func TestFXOFlash(t *testing.T) {
	dev := dahditest.New(nil)
	line := sim.NewLine()
	dev.AddFXO(1, line)
	p, err := dahdi.Open(1, dahdi.FXO, dahdi.Options{Kernel: dev})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.SetHook(true); err != nil {
		t.Fatal(err)
	}
	if err := p.Flash(300 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	hc := line.HookChanges()
	if len(hc) != 3 || hc[1].On || !hc[2].On || hc[2].At-hc[1].At != 300*time.Millisecond {
		t.Fatalf("hook changes %v, want a 300 ms flash", hc)
	}
}

// An alarm from the driver is counted and the port goes on.
func TestAlarmKeepsThePortInService(t *testing.T) {
	dev := dahditest.New(nil)
	ch := dev.AddFXO(1, sim.NewLine())
	p, err := dahdi.Open(1, dahdi.AnyKind, dahdi.Options{Kernel: dev})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	out, in := make([]int16, 80), make([]int16, 80)
	ch.Alarm(true)
	if _, err := p.Exchange(out, in, nil); err != nil {
		t.Fatal(err)
	}
	ch.Alarm(false)
	if _, err := p.Exchange(out, in, nil); err != nil {
		t.Fatal(err)
	}
	if s := p.Stats(); s.Alarms != 1 || s.Frames != 2 || s.Events != 2 {
		t.Fatalf("stats %+v", s)
	}
}

func openForBench(tb testing.TB) (*dahdi.Port, *sim.Phone) {
	dev := dahditest.New(nil)
	phone := sim.NewPhone()
	phone.Record(false)
	phone.Echo(true)
	dev.AddFXS(1, phone)
	p, err := dahdi.Open(1, dahdi.FXS, dahdi.Options{Kernel: dev})
	if err != nil {
		tb.Fatal(err)
	}
	phone.PickUp()
	return p, phone
}

// The frame loop allocates nothing: write, poll, read and the events.
func TestExchangeAllocatesNothing(t *testing.T) {
	p, _ := openForBench(t)
	defer p.Close()
	out, in := make([]int16, 80), make([]int16, 80)
	events := make([]hal.Event, 0, 8)
	for i := range out {
		out[i] = int16(i * 100)
	}
	var err error
	if n := testing.AllocsPerRun(500, func() {
		events, err = p.Exchange(out, in, events[:0])
	}); n != 0 {
		t.Fatalf("Exchange allocates %.1f times per frame", n)
	}
	if err != nil || in[10] != 1000 {
		t.Fatalf("err %v; the echoing phone sent back %d, want 1000", err, in[10])
	}
}

// BenchmarkExchange is the per-port cost of the backend's frame loop
// against the fake card (the fake's own work, a simulated phone that
// echoes, included); BenchmarkSimExchange is the sim phone alone, the
// reference.
func BenchmarkExchange(b *testing.B) {
	p, _ := openForBench(b)
	defer p.Close()
	out, in := make([]int16, 80), make([]int16, 80)
	events := make([]hal.Event, 0, 8)
	b.ReportAllocs()
	for b.Loop() {
		events, _ = p.Exchange(out, in, events[:0])
	}
}

func BenchmarkSimExchange(b *testing.B) {
	phone := sim.NewPhone()
	phone.Record(false)
	phone.Echo(true)
	phone.PickUp()
	out, in := make([]int16, 80), make([]int16, 80)
	events := make([]hal.Event, 0, 8)
	b.ReportAllocs()
	for b.Loop() {
		events, _ = phone.Exchange(out, in, events[:0])
	}
}
