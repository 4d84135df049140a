package g711_test

import (
	"fmt"

	"github.com/potsgate/potsgate/media/g711"
)

func Example() {
	codec := g711.PCMA
	enc, dec := codec.NewEncoder(), codec.NewDecoder()
	pcm := []int16{0, 1000, -1000, 8000}
	payload, _ := enc.Encode(nil, pcm)
	back, _ := dec.Decode(nil, payload)
	fmt.Println(codec.Name(), codec.PayloadType(), len(payload))
	fmt.Println(back)
	// A lost 10 ms frame is concealed; decoding then resumes.
	back = dec.Conceal(back[:0], 80)
	fmt.Println(len(back))
	// Output:
	// PCMA 8 4
	// [8 1008 -1008 8064]
	// 80
}
