package dahdi_test

import (
	"fmt"

	"github.com/potsgate/potsgate/hal"
	"github.com/potsgate/potsgate/hal/dahdi"
	"github.com/potsgate/potsgate/hal/dahdi/dahditest"
	"github.com/potsgate/potsgate/hal/sim"
)

// Open a channel and run frames on it. On a card, leave Options.Kernel
// nil; here a fake card has a phone on channel 1.
func ExampleOpen() {
	card := dahditest.New(nil)
	phone := sim.NewPhone()
	card.AddFXS(1, phone)

	port, err := dahdi.Open(1, dahdi.AnyKind, dahdi.Options{Kernel: card})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer port.Close()
	fmt.Println("channel", port.Channel(), "is an", port.Kind(), "port")

	phone.PickUp()
	out, in := make([]int16, hal.FrameSamples), make([]int16, hal.FrameSamples)
	var events []hal.Event
	for range 3 {
		events, err = port.Exchange(out, in, events)
		if err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println(events)
	// Output:
	// channel 1 is an FXS port
	// [{off-hook 0s 0}]
}
