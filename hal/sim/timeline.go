package sim

import (
	"math"
	"time"

	"github.com/potsgate/potsgate/hal"
)

// samples converts a duration to a count of 8 kHz samples.
func samples(d time.Duration) int64 { return int64(d) * hal.SampleRate / int64(time.Second) }

// duration converts a sample count to a duration.
func duration(n int64) time.Duration { return time.Duration(n) * time.Second / hal.SampleRate }

// timedEvent is a signalling change scheduled at a sample time.
type timedEvent struct {
	at   int64
	kind hal.EventKind
}

// segment is audio scheduled to start at a sample time.
type segment struct {
	at   int64
	data []int16
}

// timeline holds what a script scheduled: events and audio, both in time
// order, and where the script currently ends.
type timeline struct {
	now       int64 // start of the next frame
	scriptEnd int64
	events    []timedEvent
	audio     []segment
}

// cursor is where the next scripted action starts.
func (t *timeline) cursor() int64 { return max(t.now, t.scriptEnd) }

func (t *timeline) schedule(at int64, k hal.EventKind) {
	i := len(t.events)
	for i > 0 && t.events[i-1].at > at {
		i--
	}
	t.events = append(t.events, timedEvent{})
	copy(t.events[i+1:], t.events[i:])
	t.events[i] = timedEvent{at: at, kind: k}
}

// take removes the events due before end, calling apply on each (so the
// port's state follows them) and appending to out, with their offset in the
// frame, those that apply reports as a change.
func (t *timeline) take(end int64, out []hal.Event, apply func(hal.EventKind) bool) []hal.Event {
	n := 0
	for n < len(t.events) && t.events[n].at < end {
		e := t.events[n]
		if apply(e.kind) {
			out = append(out, hal.Event{Kind: e.kind, Offset: duration(max(e.at-t.now, 0))})
		}
		n++
	}
	t.events = t.events[n:]
	return out
}

// mix adds the scheduled audio overlapping [now, now+len(in)) into in and
// drops segments that are over.
func (t *timeline) mix(in []int16) {
	end := t.now + int64(len(in))
	keep := t.audio[:0]
	for _, s := range t.audio {
		sEnd := s.at + int64(len(s.data))
		for i := max(s.at, t.now); i < min(sEnd, end); i++ {
			v := int32(in[i-t.now]) + int32(s.data[i-s.at])
			in[i-t.now] = int16(max(min(v, math.MaxInt16), math.MinInt16))
		}
		if sEnd > end {
			keep = append(keep, s)
		}
	}
	clear(t.audio[len(keep):])
	t.audio = keep
}

// dtmfRows and dtmfCols are the keypad's row and column frequencies.
var dtmfRows = [4]float64{697, 770, 852, 941}
var dtmfCols = [4]float64{1209, 1336, 1477, 1633}

const keypad = "123A456B789C*0#D"

// keypadTone synthesises one DTMF digit the way a phone's keypad does
// (low group -9 dBm0, high group -7 dBm0). hal/sim depends on nothing else
// in the SDK, so it has its own small oscillator.
func keypadTone(digit byte, d time.Duration) ([]int16, bool) {
	i := -1
	for j := 0; j < len(keypad); j++ {
		if keypad[j] == digit {
			i = j
		}
	}
	if i < 0 {
		return nil, false
	}
	lo, hi := dtmfRows[i/4], dtmfCols[i%4]
	aLo := 32767 * math.Pow(10, (-9-3.14)/20)
	aHi := 32767 * math.Pow(10, (-7-3.14)/20)
	out := make([]int16, samples(d))
	for n := range out {
		x := float64(n) / hal.SampleRate
		out[n] = int16(aLo*math.Sin(2*math.Pi*lo*x) + aHi*math.Sin(2*math.Pi*hi*x))
	}
	return out, true
}
