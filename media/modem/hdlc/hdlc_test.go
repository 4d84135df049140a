package hdlc_test

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/potsgate/potsgate/media/modem"
	"github.com/potsgate/potsgate/media/modem/hdlc"
)

type got struct {
	frames [][]byte
	ok     []bool
	events []hdlc.Event
}

func (g *got) Frame(f []byte, ok bool) {
	g.frames = append(g.frames, bytes.Clone(f))
	g.ok = append(g.ok, ok)
}
func (g *got) Event(e hdlc.Event) { g.events = append(g.events, e) }

func TestCRC(t *testing.T) {
	// CRC-16/X-25 of "123456789" is 0x906E.
	if c := ^hdlc.CRC(0xFFFF, []byte("123456789")); c != 0x906E {
		t.Fatalf("crc %04x, want 906e", c)
	}
	f := []byte{0xFF, 0x13, 0x80}
	fcs := hdlc.FCS(f)
	if !hdlc.CheckFCS(append(f, fcs[:]...)) {
		t.Fatal("frame with its FCS fails the check")
	}
	if hdlc.CheckFCS([]byte{0xFF, 0x13, 0x80, fcs[0] ^ 1, fcs[1]}) {
		t.Fatal("damaged FCS passes")
	}
}

// bits runs the transmitter until EndOfData.
func bits(t *testing.T, tx *hdlc.Transmitter) []int {
	var out []int
	for {
		b := tx.Bit()
		if b == modem.EndOfData {
			return out
		}
		if b != 0 && b != 1 {
			t.Fatalf("bit %d", b)
		}
		out = append(out, b)
		if len(out) > 1e6 {
			t.Fatal("transmitter never ends")
		}
	}
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var sent [][]byte
	tx := hdlc.NewTransmitter(10, 4096)
	for i := range 8 {
		n := 1 + rng.IntN(hdlc.MaxFrame)
		f := make([]byte, n)
		for j := range f {
			switch i % 3 {
			case 0:
				f[j] = byte(rng.Uint32())
			case 1:
				f[j] = 0xFF // all stuffing
			default:
				f[j] = 0x7E // looks like flags
			}
		}
		if err := tx.Queue(f, false); err != nil {
			t.Fatal(err)
		}
		sent = append(sent, f)
	}
	tx.End()
	bs := bits(t, tx)
	// Never six ones in a row outside flags: count runs of 7+ ones.
	run := 0
	for _, b := range bs {
		if b == 1 {
			if run++; run >= 7 {
				t.Fatal("seven ones in a row")
			}
		} else {
			run = 0
		}
	}
	var g got
	rx := hdlc.NewReceiver(&g, 3, 0)
	for _, b := range bs {
		rx.Bit(b)
	}
	if len(g.frames) != len(sent) {
		t.Fatalf("%d frames received, %d sent", len(g.frames), len(sent))
	}
	for i := range sent {
		if !g.ok[i] || !bytes.Equal(g.frames[i], sent[i]) {
			t.Fatalf("frame %d: ok %v, %x, want %x", i, g.ok[i], g.frames[i], sent[i])
		}
	}
	if len(g.events) != 1 || g.events[0] != hdlc.Framing {
		t.Fatalf("events %v, want one framing", g.events)
	}
	if tx.Frames() != len(sent) || rx.Stats().Frames != len(sent) {
		t.Fatalf("counts: tx %d, rx %+v", tx.Frames(), rx.Stats())
	}
}

func TestBadFCSAndAbort(t *testing.T) {
	tx := hdlc.NewTransmitter(4, 0)
	dcs := []byte{0xFF, 0x13, 0x83, 0x00, 0x46}
	_ = tx.Queue(dcs, true)
	_ = tx.Queue(dcs, false)
	tx.End()
	bs := bits(t, tx)
	var g got
	rx := hdlc.NewReceiver(&g, 2, 0)
	for _, b := range bs {
		rx.Bit(b)
	}
	if len(g.frames) != 2 || g.ok[0] || !g.ok[1] || !bytes.Equal(g.frames[0], dcs) {
		t.Fatalf("frames %x ok %v", g.frames, g.ok)
	}
	// An abort in the middle of a frame: the frame is dropped.
	g = got{}
	rx = hdlc.NewReceiver(&g, 1, 0)
	tx.Restart(2)
	_ = tx.Queue(dcs, false)
	tx.End()
	bs = bits(t, tx)
	cut := 16 + 20
	for _, b := range bs[:cut] {
		rx.Bit(b)
	}
	for range 8 {
		rx.Bit(1)
	}
	for _, b := range bs {
		rx.Bit(b)
	}
	if rx.Stats().Aborts != 1 || len(g.frames) != 1 || !g.ok[0] {
		t.Fatalf("after abort: %+v, frames %x", rx.Stats(), g.frames)
	}
	if len(g.events) != 3 || g.events[1] != hdlc.Abort {
		t.Fatalf("events %v", g.events)
	}
}

func TestQueueLimits(t *testing.T) {
	tx := hdlc.NewTransmitter(1, 0)
	if err := tx.Queue(nil, false); err == nil {
		t.Fatal("empty frame queued")
	}
	if err := tx.Queue(make([]byte, hdlc.MaxFrame+1), false); err == nil {
		t.Fatal("long frame queued")
	}
	if err := tx.Queue(make([]byte, hdlc.MaxFrame), false); err != nil {
		t.Fatal(err)
	}
	if err := tx.Queue(make([]byte, 10), false); err != hdlc.ErrFull {
		t.Fatalf("second frame in a one-frame queue: %v", err)
	}
}

func TestIdleFlags(t *testing.T) {
	tx := hdlc.NewTransmitter(1, 0)
	var g got
	rx := hdlc.NewReceiver(&g, 5, 0)
	for range 8 * 10 {
		rx.Bit(tx.Bit())
	}
	if rx.Stats().Flags != 10 || len(g.events) != 1 || !tx.Idle() {
		t.Fatalf("idle: %+v %v", rx.Stats(), g.events)
	}
}

type nop struct{}

func (nop) Frame([]byte, bool) {}
func (nop) Event(hdlc.Event)   {}

func TestAllocs(t *testing.T) {
	tx := hdlc.NewTransmitter(2, 0)
	rx := hdlc.NewReceiver(nop{}, 2, 0)
	f := []byte{0xFF, 0x13, 0x80, 1, 2, 3}
	a := testing.AllocsPerRun(100, func() {
		_ = tx.Queue(f, false)
		for range 200 {
			rx.Bit(tx.Bit())
		}
	})
	if a != 0 {
		t.Fatalf("%v allocs", a)
	}
}

func FuzzReceiver(f *testing.F) {
	f.Add([]byte{0x7E, 0x7E, 0xFF, 0x13, 0x80, 0x7E})
	f.Add([]byte{0xFF, 0xFF, 0x00, 0x7E})
	f.Fuzz(func(t *testing.T, b []byte) {
		var n int
		rx := hdlc.NewReceiver(frameFunc(func(fr []byte, ok bool) {
			if len(fr) > hdlc.MaxFrame {
				t.Fatalf("frame of %d", len(fr))
			}
			n++
		}), 1, 0)
		for _, c := range b {
			for i := range 8 {
				rx.Bit(int(c >> i & 1))
			}
		}
		s := rx.Stats()
		if s.Frames+s.BadFrames != n {
			t.Fatalf("stats %+v, %d frames", s, n)
		}
	})
}

type frameFunc func([]byte, bool)

func (f frameFunc) Frame(b []byte, ok bool) { f(b, ok) }
func (frameFunc) Event(hdlc.Event)          {}
