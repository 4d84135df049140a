package hal_test

import (
	"fmt"
	"time"

	"github.com/potsgate/potsgate/hal"
)

func ExampleEvent() {
	e := hal.Event{Kind: hal.OffHook, Offset: 3 * time.Millisecond}
	fmt.Println(e.Kind, "at", e.Offset, "into the frame;", hal.FrameSamples, "samples per", hal.FrameDuration)
	// Output: off-hook at 3ms into the frame; 80 samples per 10ms
}
