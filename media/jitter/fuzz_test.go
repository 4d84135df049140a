package jitter

import (
	"encoding/binary"
	"testing"
	"time"
)

// FuzzBuffer drives a buffer with arbitrary packets and reads: each 8-byte
// record is one event (seq, timestamp step, time step, flags). Invariants:
// no panic, frames have a sane length, audio frames carry a pushed payload,
// and the count of waiting packets stays within the ring.
func FuzzBuffer(f *testing.F) {
	f.Add([]byte{0, 1, 0, 160, 20, 0, 0, 0, 0, 2, 0, 160, 20, 1, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := New(Config{})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Unix(0, 0)
		var ts uint32
		for len(data) >= 8 {
			rec := data[:8]
			data = data[8:]
			seq := binary.BigEndian.Uint16(rec)
			ts += uint32(binary.BigEndian.Uint16(rec[2:]))
			now = now.Add(time.Duration(rec[4]) * time.Millisecond)
			flags := rec[5]
			if flags&0x80 != 0 {
				f := b.Next(now)
				if f.Samples <= 0 || f.Samples > 8000 {
					t.Fatalf("frame of %d samples", f.Samples)
				}
				if f.Kind == FrameAudio && (len(f.Payload) == 0 || f.Payload[0] != 0xAB) {
					t.Fatalf("audio frame with payload %v", f.Payload)
				}
				continue
			}
			payload := []byte{0xAB, rec[6], rec[7]}[:1+int(rec[6]%3)]
			b.Push(now, Packet{SSRC: uint32(flags & 3), Seq: seq, Timestamp: ts, Marker: flags&4 != 0, Payload: payload, Samples: int(rec[7]) * 8})
			if b.Len() < 0 || b.Len() > slots {
				t.Fatalf("Len %d", b.Len())
			}
		}
		st := b.Stats()
		if st.Target < DefaultMinDelay || st.Target > DefaultMaxDelay {
			t.Fatalf("target %v out of bounds", st.Target)
		}
	})
}
