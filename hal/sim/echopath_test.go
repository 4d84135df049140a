package sim

import (
	"math"
	"testing"
	"time"

	"github.com/potsgate/potsgate/hal"
)

func TestG168ModelsScaledToERL(t *testing.T) {
	if n := len(G168Models()); n != 8 {
		t.Fatalf("%d models, want the eight of Annex D", n)
	}
	for _, m := range G168Models() {
		for _, erl := range []float64{6, 20} {
			h := m.Response(erl)
			var e float64
			for _, v := range h {
				e += v * v
			}
			if got := -10 * math.Log10(e); math.Abs(got-erl) > 1e-9 {
				t.Errorf("%v: ERL %.3f dB, want %v", m, got, erl)
			}
		}
		if len(m.Response(6)) < 64 {
			t.Errorf("%v: %d taps", m, len(m.Response(6)))
		}
	}
	if G168Model(1).Response(6) != nil || G168Model(10).Response(6) != nil {
		t.Error("a model outside D.2-D.9 has a response")
	}
}

// An impulse comes back after the delay, shaped by the response, across
// frame boundaries.
func TestEchoPathImpulse(t *testing.T) {
	p, err := NewEchoPath(Hybrid{Response: []float64{0.5, -0.25}, Delay: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int16, hal.FrameSamples)
	in := make([]int16, hal.FrameSamples)
	out[79] = 1000
	var got []int16
	for range 3 {
		clear(in)
		p.Add(out, in)
		got = append(got, in...)
		clear(out)
	}
	for i, v := range got {
		want := int16(0)
		switch i {
		case 79 + 80:
			want = 500
		case 80 + 80:
			want = -250
		}
		if v != want {
			t.Fatalf("sample %d = %d, want %d", i, v, want)
		}
	}
}

func TestEchoPathRejects(t *testing.T) {
	for _, h := range []Hybrid{{}, {Response: []float64{1}, Delay: -time.Millisecond}, {Response: make([]float64, 9000)}} {
		if _, err := NewEchoPath(h); err == nil {
			t.Errorf("%+v accepted", h)
		}
	}
}

// A line with a hybrid returns the gateway's audio at the ERL while
// seized, and nothing on hook.
func TestLineEcho(t *testing.T) {
	l := NewLine()
	p, err := NewEchoPath(Hybrid{Response: G168D3.Response(0), ERL: 6})
	if err != nil {
		t.Fatal(err)
	}
	l.SetEcho(p)
	out := make([]int16, hal.FrameSamples)
	in := make([]int16, hal.FrameSamples)
	r := uint32(1)
	var sent, back float64
	for frame := range 200 {
		if frame == 100 {
			if err := l.SetHook(true); err != nil {
				t.Fatal(err)
			}
		}
		for i := range out {
			r = r*1664525 + 1013904223
			out[i] = int16(r>>20) - 2048
		}
		if _, err := l.Exchange(out, in, nil); err != nil {
			t.Fatal(err)
		}
		for i := range in {
			if frame < 100 && in[i] != 0 {
				t.Fatalf("frame %d: echo on hook", frame)
			}
			if frame >= 110 {
				sent += float64(out[i]) * float64(out[i])
				back += float64(in[i]) * float64(in[i])
			}
		}
	}
	if erl := 10 * math.Log10(sent/back); math.Abs(erl-6) > 0.5 {
		t.Errorf("ERL %.2f dB, want 6", erl)
	}
}

func TestPhoneHybrid(t *testing.T) {
	ph := NewPhone()
	p, err := NewEchoPath(Hybrid{Response: []float64{0.5}})
	if err != nil {
		t.Fatal(err)
	}
	ph.SetHybrid(p)
	ph.PickUp()
	out := make([]int16, hal.FrameSamples)
	for i := range out {
		out[i] = 1000
	}
	in := make([]int16, hal.FrameSamples)
	for range 2 {
		if _, err := ph.Exchange(out, in, nil); err != nil {
			t.Fatal(err)
		}
	}
	if in[40] != 500 {
		t.Fatalf("the phone's hybrid returned %d, want 500", in[40])
	}
}
