package echo

import (
	"math"
	"strconv"
	"sync/atomic"
)

// State is what a canceller is doing, as of its last frame.
type State int

const (
	StateIdle       State = iota // nothing processed since New or Reset
	StateActive                  // in a call, not converged yet
	StateConverged               // the filter removes most of the echo
	StateNLP                     // converged, and the NLP replaces the residual with comfort noise
	StateDoubleTalk              // both ends speak: adaptation frozen
	StateDisabled                // the 2100 Hz tone with phase reversals disabled the canceller
)

var stateNames = [...]string{"idle", "active", "converged", "nlp", "double-talk", "disabled"}

func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Stats are a canceller's counters, for SNMP and the status page. ERL and
// ERLE are in dB, averaged over the frames in which only the far end
// spoke (about the last second of them); 0 until there was one.
type Stats struct {
	State         State
	ERL           float64 // echo return loss: far end (Rin) over echo (Sin)
	ERLE          float64 // enhancement: echo (Sin) over residual, before the NLP
	Frames        uint64  // frames processed
	DisablerTrips uint64  // times the 2100 Hz disabler tripped
}

// Stats returns the counters; it may be called from any goroutine.
func (c *Canceller) Stats() Stats {
	return Stats{
		State:         State(c.stats.state.Load()),
		ERL:           math.Float64frombits(c.stats.erl.Load()),
		ERLE:          math.Float64frombits(c.stats.erle.Load()),
		Frames:        c.stats.frames.Load(),
		DisablerTrips: c.stats.trips.Load(),
	}
}

// statsCell publishes the counters; the averages behind them belong to the
// goroutine that runs Process.
type statsCell struct {
	state         atomic.Int32
	frames, trips atomic.Uint64
	erl, erle     atomic.Uint64 // float64 bits

	rin, sin, res float64 // smoothed frame energies
}

func (s *statsCell) reset() {
	s.state.Store(int32(StateIdle))
	s.erl.Store(0)
	s.erle.Store(0)
	s.rin, s.sin, s.res = 0, 0, 0
}

// observe takes the energies of a frame in which only the far end spoke.
func (s *statsCell) observe(rin, sin, res float64) {
	const a = 1.0 / 32
	if s.rin == 0 {
		s.rin, s.sin, s.res = rin, sin, res
	} else {
		s.rin += a * (rin - s.rin)
		s.sin += a * (sin - s.sin)
		s.res += a * (res - s.res)
	}
	s.erl.Store(math.Float64bits(ratioDB(s.rin, s.sin)))
	s.erle.Store(math.Float64bits(ratioDB(s.sin, s.res)))
}

// ratioDB is 10 log10(a/b), bounded so that silence gives a finite figure.
func ratioDB(a, b float64) float64 {
	const floor = 1e-3
	return 10 * math.Log10((a+floor)/(b+floor))
}
