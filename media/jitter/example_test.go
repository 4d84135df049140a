package jitter_test

import (
	"fmt"
	"time"

	"github.com/potsgate/potsgate/media/jitter"
)

func Example() {
	b, _ := jitter.New(jitter.Config{}) // 8 kHz, 40 ms to start
	t0 := time.Unix(0, 0)
	payload := make([]byte, 160) // 20 ms of G.711
	// Packets 0, 1 and 3 arrive (2 is lost); the line asks every 20 ms.
	for _, seq := range []uint16{0, 1, 3} {
		at := t0.Add(time.Duration(seq) * 20 * time.Millisecond)
		b.Push(at, jitter.Packet{SSRC: 7, Seq: seq, Timestamp: uint32(seq) * 160, Payload: payload, Samples: 160})
	}
	for i := range 6 {
		f := b.Next(t0.Add(time.Duration(60+i*20) * time.Millisecond))
		fmt.Println(f.Kind, f.Samples, f.Seq)
	}
	// Output:
	// empty 160 0
	// empty 160 0
	// audio 160 0
	// audio 160 1
	// lost 160 0
	// audio 160 3
}
