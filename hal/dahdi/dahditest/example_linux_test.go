package dahditest_test

import (
	"fmt"
	"time"

	"github.com/potsgate/potsgate/hal"
	"github.com/potsgate/potsgate/hal/dahdi"
	"github.com/potsgate/potsgate/hal/dahdi/dahditest"
	"github.com/potsgate/potsgate/hal/sim"
)

// An exchange line on FXO channel 4 rings; the port reports the burst's
// start and end as the DAHDI driver does (ring begin, then RINGOFFHOOK).
func Example() {
	card := dahditest.New(nil)
	line := sim.NewLine()
	card.AddFXO(4, line)
	port, err := dahdi.Open(4, dahdi.FXO, dahdi.Options{Kernel: card})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer port.Close()
	line.Ring(1, 2*time.Second, 4*time.Second)
	out, in := make([]int16, hal.FrameSamples), make([]int16, hal.FrameSamples)
	var events []hal.Event
	for range 300 { // 3 s
		events, _ = port.Exchange(out, in, events)
	}
	for _, e := range events {
		fmt.Println(e.Kind)
	}
	// Output:
	// ring-start
	// ring-stop
}
