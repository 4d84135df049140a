package echo_test

import (
	"encoding/binary"
	"math"
	"testing"
	"time"

	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/media/echo"
)

func TestTails(t *testing.T) {
	for tail, taps := range map[time.Duration]int{0: 512, echo.Tail32: 256, echo.Tail64: 512, echo.Tail128: 1024} {
		c, err := echo.New(echo.Config{Tail: tail})
		if err != nil || c.Taps() != taps {
			t.Errorf("tail %v: %v taps, %v; want %d", tail, c.Taps(), err, taps)
		}
	}
	if _, err := echo.New(echo.Config{Tail: 50 * time.Millisecond}); err == nil {
		t.Error("a 50 ms tail was accepted")
	}
}

// Full-scale square waves on Rin and a hybrid with gain (clipped Sin):
// the output stays bounded and the counters finite.
func TestFullScaleSquareAndClipping(t *testing.T) {
	for _, erl := range []float64{6, 0, -6} {
		p, err := sim.NewEchoPath(sim.Hybrid{Response: sim.G168D5.Response(erl)})
		if err != nil {
			t.Fatal(err)
		}
		c := newCanceller(t, echo.Config{Tail: echo.Tail128})
		sq := make([]int16, 5*second)
		for i := range sq {
			sq[i] = 32767
			if (i/20)%2 == 1 {
				sq[i] = -32768
			}
		}
		r := simulate(t, c, p, sq, nil)
		s := c.Stats()
		if math.IsNaN(s.ERL) || math.IsNaN(s.ERLE) || math.IsInf(s.ERL, 0) || math.IsInf(s.ERLE, 0) {
			t.Fatalf("ERL %v: stats %+v", erl, s)
		}
		if erleDB(r, 4*second, 5*second) < -1 {
			t.Errorf("ERL %v: the output is louder than the clipped echo", erl)
		}
	}
}

func TestProcessAllocatesNothing(t *testing.T) {
	c := newCanceller(t, echo.Config{Tail: echo.Tail128})
	rin, sin := css(echo.FrameSamples, -10, 1), whiteNoise(echo.FrameSamples, -30, 2)
	out := make([]int16, echo.FrameSamples)
	if n := testing.AllocsPerRun(100, func() { c.Process(rin, sin, out) }); n != 0 {
		t.Fatalf("Process allocates %v times per frame", n)
	}
}

// Wrong frame sizes are ignored.
func TestShortFrame(t *testing.T) {
	c := newCanceller(t, echo.Config{})
	out := []int16{7, 7}
	c.Process([]int16{1, 2}, []int16{3, 4}, out)
	if out[0] != 7 || c.Stats().Frames != 0 {
		t.Fatal("a short frame was processed")
	}
}

// FuzzProcess: any configuration and input runs without a panic and with
// finite counters (the output is int16, saturated, by construction).
func FuzzProcess(f *testing.F) {
	f.Add(uint8(0), []byte{0, 1, 2, 3})
	f.Add(uint8(7), make([]byte, 640))
	f.Add(uint8(2), []byte("\xff\x7f\x00\x80\xff\x7f\x00\x80\x01\x00"))
	f.Fuzz(func(t *testing.T, mode uint8, data []byte) {
		tails := []time.Duration{echo.Tail32, echo.Tail64, echo.Tail128}
		cfg := echo.Config{
			Tail: tails[int(mode)%3], NoNLP: mode&4 != 0,
			NoComfortNoise: mode&8 != 0, NoToneDisabler: mode&16 != 0,
		}
		c, err := echo.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		rin := make([]int16, echo.FrameSamples)
		sin := make([]int16, echo.FrameSamples)
		out := make([]int16, echo.FrameSamples)
		// Each 4 bytes are a sample of Rin and one of Sin; the input
		// repeats to fill 2 s.
		for frame := 0; frame < 200 && len(data) >= 4; frame++ {
			for i := range rin {
				k := ((frame*echo.FrameSamples + i) * 4) % (len(data) - len(data)%4)
				rin[i] = int16(binary.LittleEndian.Uint16(data[k:]))
				sin[i] = int16(binary.LittleEndian.Uint16(data[k+2:]))
			}
			c.Process(rin, sin, out)
		}
		s := c.Stats()
		for _, v := range []float64{s.ERL, s.ERLE} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("stats %+v", s)
			}
		}
	})
}

// TestDisable: a disabled canceller passes Sin through unchanged, reads
// disabled, and Reset brings it back.
func TestDisable(t *testing.T) {
	c := newCanceller(t, echo.Config{Tail: echo.Tail64})
	p := newPath(t, sim.G168D5, 6, 40)
	converge := simulate(t, c, p, css(2*second, -10, 1), nil)
	if erleDB(converge, second, 2*second) < 10 {
		t.Fatal("the canceller did not converge first")
	}
	c.Disable()
	if !c.Disabled() || c.Stats().State != echo.StateDisabled {
		t.Fatalf("after Disable: disabled %v, state %v", c.Disabled(), c.Stats().State)
	}
	r := simulate(t, c, p, css(second, -10, 2), nil)
	for i := range r.sin {
		if r.out[i] != r.sin[i] {
			t.Fatalf("sample %d: out %d, sin %d", i, r.out[i], r.sin[i])
		}
	}
	c.Reset()
	if c.Disabled() {
		t.Fatal("still disabled after Reset")
	}
	if r := simulate(t, c, p, css(2*second, -10, 3), nil); erleDB(r, second, 2*second) < 10 {
		t.Fatal("no cancelling after Reset")
	}
}
