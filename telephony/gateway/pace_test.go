package gateway

import (
	"runtime"
	"testing"
)

func TestPaceShards(t *testing.T) {
	for _, c := range []struct{ ports, procs, want int }{
		{1, 8, 1}, {4, 8, 1}, {64, 8, 1}, {65, 8, 2}, {1000, 2, 2}, {1000, 8, 8}, {1000, 64, 16}, {300, 1, 1},
	} {
		if got := paceShards(c.ports, c.procs); got != c.want {
			t.Errorf("paceShards(%d ports, %d procs) = %d, want %d", c.ports, c.procs, got, c.want)
		}
	}
}

// TestLocalCallAcrossPaceShards: with more ports than one goroutine steps,
// ports 101 and 102 are stepped by different goroutines (ports go round
// robin); a call between them still carries audio both ways.
func TestLocalCallAcrossPaceShards(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one goroutine steps every port with GOMAXPROCS 1")
	}
	r := newRig(t, "DigitMapping = '1xx'\n", 2*portsPerPaceShard+2, noMedia{})
	r.localCall(t, 1, 2, "102")
	heard := talk(t, r.phones[:2], []float64{1000, 700})
	heardTones(t, "101 talking with 102", heard[0], []float64{700}, []float64{1000})
	heardTones(t, "102 talking with 101", heard[1], []float64{1000}, []float64{700})
}
