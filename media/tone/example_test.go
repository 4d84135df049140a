package tone_test

import (
	"fmt"
	"strings"

	"github.com/potsgate/potsgate/media/tone"
)

func Example() {
	us, _ := tone.Country("us")
	busy, _ := us.Tone(tone.Busy)
	fmt.Println(busy.Type, busy.Form, busy.Low, busy.High, busy.LowLevel, busy.Cadence[0].On, busy.Cadence[0].Off)

	g, _ := tone.NewGenerator(busy)
	frame := make([]int16, 80) // 10 ms
	on := 0
	for range 100 { // one second
		for _, s := range g.Generate(frame) {
			if s != 0 {
				on++
				break
			}
		}
	}
	fmt.Println("frames with tone:", on)
	// Output:
	// busy cadence 480 620 -24 500ms 500ms
	// frames with tone: 50
}

func ExampleParseCPT() {
	src := `[NUMBER OF CALL PROGRESS TONES]
Number of Call Progress Tones=1

[CALL PROGRESS TONE #0]
Tone Type=2
Tone Form=2
Low Freq [Hz]=400
High Freq [Hz]=450
Low Freq Level [-dBm]=19
High Freq Level [-dBm]=19
First Signal On Time [10msec]=40
First Signal Off Time [10msec]=20
Second Signal On Time [10msec]=40
Second Signal Off Time [10msec]=200
`
	defs, err := tone.ParseCPT(strings.NewReader(src))
	if err != nil {
		fmt.Println(err)
		return
	}
	d := defs[0]
	fmt.Println(d.Type, d.Form, d.Low, d.High, d.LowLevel, d.Cadence[:d.Steps()])

	_, err = tone.ParseCPT(strings.NewReader("[NUMBER OF CALL PROGRESS TONES]\nNumber of Call Progress Tones=x\n"))
	fmt.Println(err)
	// Output:
	// ringback cadence 400 450 -19 [{400ms 200ms} {400ms 2s}]
	// tone: cpt line 2: bad number of tones "x"
}
