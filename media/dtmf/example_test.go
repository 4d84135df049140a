package dtmf_test

import (
	"fmt"

	"github.com/potsgate/potsgate/media/dtmf"
)

func Example() {
	g, _ := dtmf.NewGenerator(dtmf.DefaultGeneratorConfig())
	d, _ := dtmf.NewDetector(dtmf.DefaultDetectorConfig())
	_ = g.Play("42#")
	frame := make([]int16, 80) // 10 ms
	for range 50 {
		for _, e := range d.Process(g.Generate(frame)) {
			fmt.Println(e)
		}
	}
	// Output:
	// start 4 at 6.375ms
	// end 4 at 6.375ms for 63.75ms
	// start 2 at 140.25ms
	// end 2 at 140.25ms for 70.125ms
	// start # at 280.5ms
	// end # at 280.5ms for 70.125ms
}

func ExampleGenerator_Start() {
	g, _ := dtmf.NewGenerator(dtmf.DefaultGeneratorConfig())
	frame := make([]int16, 80)
	var out []int16
	_ = g.Start('5') // RFC 4733 event 5 began
	for range 10 {
		out = append(out, g.Generate(frame)...)
	}
	g.Stop() // the event ended
	out = append(out, g.Generate(frame)...)
	out = append(out, make([]int16, 400)...)
	fmt.Println(dtmf.Detect(out))
	// Output: 5
}
