package v17_test

import (
	"encoding/binary"
	"testing"

	"github.com/potsgate/potsgate/media/modem/v17"
)

// FuzzReceive: any audio, cut into any frames, at any rate and training,
// demodulates without panic and gives only bits 0 and 1 after
// TrainingSucceeded.
func FuzzReceive(f *testing.F) {
	sig := modulate(f, 14400, false, randomBits(2000, 1), 10, -13)
	f.Add(pcmBytes(sig[:6000]), uint8(0), uint8(80))
	f.Add(pcmBytes(sig[12000:]), uint8(1), uint8(7))
	f.Add([]byte{0xff, 0x7f, 0x00, 0x80}, uint8(5), uint8(1))
	f.Fuzz(func(t *testing.T, audio []byte, mode, chunk uint8) {
		rates := []int{14400, 12000, 9600, 7200}
		s := &sink{}
		rx, err := v17.NewReceiver(rates[mode%4], s)
		if err != nil {
			t.Fatal(err)
		}
		if mode&4 != 0 {
			if err := rx.Restart(rates[mode%4], true); err != nil {
				t.Fatal(err)
			}
		}
		pcm := make([]int16, len(audio)/2)
		for i := range pcm {
			pcm[i] = int16(binary.LittleEndian.Uint16(audio[2*i:]))
		}
		n := max(1, int(chunk))
		for off := 0; off < len(pcm); off += n {
			rx.Receive(pcm[off:min(off+n, len(pcm))])
		}
		for _, b := range s.bits {
			if b != 0 && b != 1 {
				t.Fatalf("bit %d", b)
			}
		}
		if len(s.bits) > 0 && len(s.status) < 2 {
			t.Fatalf("bits before training: statuses %v", s.status)
		}
	})
}
