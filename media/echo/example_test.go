package echo_test

import (
	"fmt"
	"math"

	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/media/echo"
)

// A canceller on a line whose hybrid is G.168 model D.4 at 6 dB ERL: after
// two seconds of far-end speech the echo is more than 30 dB down.
func Example() {
	c, err := echo.New(echo.Config{Tail: echo.Tail64, NoNLP: true})
	if err != nil {
		panic(err)
	}
	hybrid, err := sim.NewEchoPath(sim.Hybrid{Response: sim.G168D4.Response(6)})
	if err != nil {
		panic(err)
	}
	rin := css(3*8000, -10, 1) // the far end's voice, toward the line
	sin := make([]int16, echo.FrameSamples)
	out := make([]int16, echo.FrameSamples)
	var echoEnergy, residual float64
	for off := 0; off+echo.FrameSamples <= len(rin); off += echo.FrameSamples {
		frame := rin[off : off+echo.FrameSamples]
		clear(sin)
		hybrid.Add(frame, sin) // what the line sends back: the echo
		c.Process(frame, sin, out)
		if off >= 2*8000 {
			for i := range sin {
				echoEnergy += float64(sin[i]) * float64(sin[i])
				residual += float64(out[i]) * float64(out[i])
			}
		}
	}
	reduction := 10 * math.Log10(echoEnergy/residual)
	fmt.Println("echo reduced by 30 dB or more:", reduction >= 30, "state:", c.Stats().State)
	// Output: echo reduced by 30 dB or more: true state: converged
}
