package fax_test

import (
	"fmt"

	"github.com/potsgate/potsgate/media/fax"
)

// A calling fax's first CNG burst, in 20 ms frames as RTP brings them.
func Example() {
	d := fax.New(fax.Config{})
	x := pcm(cng(1, 0, -10, 500, 500))
	for off := 0; off < len(x); off += 160 {
		if s := d.Process(x[off : off+160]); s != 0 {
			fmt.Printf("%v at %d ms\n", s, (off+160)/8)
		}
	}
	// Output:
	// CNG at 540 ms
}
