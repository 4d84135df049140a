package g729_test

import (
	"fmt"

	"github.com/potsgate/potsgate/media/g729"
)

func ExampleDecoder() {
	dec := g729.NewDecoder()
	pcm := make([]int16, g729.FrameSamples)

	// A 10-byte speech frame as carried in RTP (RFC 3551).
	frame := []byte{0x78, 0x52, 0x80, 0xa0, 0x00, 0xfa, 0xc2, 0x00, 0x07, 0xd6}
	if err := dec.Decode(pcm, frame); err != nil {
		fmt.Println(err)
	}
	// A lost packet: the decoder conceals it.
	dec.DecodeErased(pcm)

	err := dec.Decode(pcm, make([]byte, 7))
	fmt.Println(err)
	// Output: g729: invalid frame size: 7 bytes
}
