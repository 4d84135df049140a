package sim_test

import (
	"fmt"
	"time"

	"github.com/potsgate/potsgate/hal"
	"github.com/potsgate/potsgate/hal/sim"
)

// A phone is picked up and dials 3 on a rotary dial; the gateway side sees
// the hook changes frame by frame.
func Example() {
	phone := sim.NewPhone()
	phone.PickUp()
	phone.Wait(500 * time.Millisecond)
	phone.DialPulse("3")

	var port hal.FXSPort = phone
	out, in := make([]int16, hal.FrameSamples), make([]int16, hal.FrameSamples)
	breaks := 0
	for range 200 {
		events, _ := port.Exchange(out, in, nil)
		for _, e := range events {
			if e.Kind == hal.OnHook {
				breaks++
			}
		}
	}
	fmt.Println("loop breaks:", breaks)
	// Output: loop breaks: 3
}
