package v21_test

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/potsgate/potsgate/media/modem"
	"github.com/potsgate/potsgate/media/modem/hdlc"
	"github.com/potsgate/potsgate/media/modem/v21"
)

// frames collects an HDLC receiver's frames and the modem's status.
type frames struct {
	rx     *hdlc.Receiver
	got    [][]byte
	ok     []bool
	status []modem.Status
}

func (f *frames) Bit(b int)             { f.rx.Bit(b) }
func (f *frames) Status(s modem.Status) { f.status = append(f.status, s) }
func (f *frames) Event(hdlc.Event)      {}
func (f *frames) Frame(b []byte, ok bool) {
	f.got = append(f.got, bytes.Clone(b))
	f.ok = append(f.ok, ok)
}

func newFrames() *frames {
	f := &frames{}
	f.rx = hdlc.NewReceiver(f, 2, 0)
	return f
}

// line sends frames with V.21 at level, adds noise of amplitude noise and
// a silence before and after, and returns the audio.
func line(t *testing.T, level float64, noise float64, fr ...[]byte) []int16 {
	src := hdlc.NewTransmitter(30, 4096)
	for _, f := range fr {
		if err := src.Queue(f, false); err != nil {
			t.Fatal(err)
		}
	}
	src.End()
	tx := v21.NewTransmitter(src)
	tx.SetLevel(level)
	audio := make([]int16, 4000, 100000)
	buf := make([]int16, 160)
	for {
		n := tx.Transmit(buf)
		audio = append(audio, buf[:n]...)
		if n < len(buf) {
			break
		}
	}
	audio = append(audio, make([]int16, 4000)...)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range audio {
		audio[i] += int16(rng.NormFloat64() * noise)
	}
	return audio
}

func TestLoopback(t *testing.T) {
	dis := []byte{0xFF, 0x13, 0x80, 0x00, 0xEE, 0xF8, 0x80, 0x80, 0x91, 0x80, 0x80, 0x80, 0x18}
	csi := []byte{0xFF, 0x03, 0x40, 0x20, 0x20, 0x20, 0x31, 0x32, 0x33, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20}
	for _, c := range []struct {
		name         string
		level, noise float64
	}{{"-10dBm0", -10, 0}, {"-40dBm0", -40, 0}, {"-20dBm0+noise", -20, 100}} {
		t.Run(c.name, func(t *testing.T) {
			a := line(t, c.level, c.noise, csi, dis)
			f := newFrames()
			rx := v21.NewReceiver(f)
			for off := 0; off < len(a); off += 160 {
				rx.Receive(a[off:min(off+160, len(a))])
			}
			if len(f.got) != 2 || !f.ok[0] || !f.ok[1] || !bytes.Equal(f.got[0], csi) || !bytes.Equal(f.got[1], dis) {
				t.Fatalf("frames %x ok %v", f.got, f.ok)
			}
			if len(f.status) != 2 || f.status[0] != modem.CarrierUp || f.status[1] != modem.CarrierDown {
				t.Fatalf("status %v", f.status)
			}
		})
	}
}

func TestNoCarrier(t *testing.T) {
	f := newFrames()
	rx := v21.NewReceiver(f)
	rng := rand.New(rand.NewPCG(5, 6))
	x := make([]int16, 8000)
	for i := range x {
		x[i] = int16(rng.NormFloat64() * 30)
	}
	rx.Receive(x)
	// A 1100 Hz CNG tone is no V.21.
	for i := range x {
		x[i] = int16(8000 * sin1100(i))
	}
	rx.Receive(x)
	if len(f.status) != 0 {
		t.Fatalf("status %v on noise and CNG", f.status)
	}
}

func TestAllocs(t *testing.T) {
	src := hdlc.NewTransmitter(1, 0)
	tx := v21.NewTransmitter(src)
	rx := v21.NewReceiver(newFrames())
	buf := make([]int16, 80)
	if a := testing.AllocsPerRun(100, func() { tx.Transmit(buf); rx.Receive(buf) }); a != 0 {
		t.Fatalf("%v allocs", a)
	}
}

func BenchmarkReceive(b *testing.B) {
	a := line(&testing.T{}, -12, 0, []byte{0xFF, 0x13, 0x80, 1, 2, 3, 4, 5, 6})
	rx := v21.NewReceiver(newFrames())
	b.ReportAllocs()
	for i := range b.N {
		off := (i * 80) % (len(a) - 80)
		rx.Receive(a[off : off+80])
	}
}
