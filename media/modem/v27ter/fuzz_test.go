package v27ter_test

import (
	"encoding/binary"
	"testing"

	"github.com/potsgate/potsgate/media/modem"
	"github.com/potsgate/potsgate/media/modem/v27ter"
)

// statusOrder is a sink that fails the test on a status out of order or
// a bit outside trained data.
type statusOrder struct {
	t       *testing.T
	up      bool
	trained bool
}

func (s *statusOrder) Bit(b int) {
	if !s.trained || b&^1 != 0 {
		s.t.Fatalf("bit %d, trained %v", b, s.trained)
	}
}

func (s *statusOrder) Status(st modem.Status) {
	switch st {
	case modem.CarrierUp:
		if s.up {
			s.t.Fatal("carrier-up twice")
		}
		s.up = true
	case modem.TrainingSucceeded, modem.TrainingFailed:
		if !s.up || s.trained {
			s.t.Fatalf("%v with carrier %v, trained %v", st, s.up, s.trained)
		}
		s.trained = st == modem.TrainingSucceeded
	case modem.CarrierDown:
		if !s.up {
			s.t.Fatal("carrier-down without carrier-up")
		}
		s.up, s.trained = false, false
	default:
		s.t.Fatalf("status %v", st)
	}
}

// FuzzReceive: any audio off the network, in frames of any length, at
// either rate, gives statuses in order and bits only after training,
// without a panic.
func FuzzReceive(f *testing.F) {
	tx, err := v27ter.NewTransmitter(4800, &bitSource{bits: randomBits(1, 600)})
	if err != nil {
		f.Fatal(err)
	}
	sig := transmit(f, tx)
	// Small seeds: the fuzzer minimises what it finds interesting, slowly
	// for long audio.
	f.Add(false, uint8(80), pcmBytes(sig[:1500]))
	f.Add(false, uint8(37), pcmBytes(sig[1500:3000]))
	f.Add(true, uint8(160), pcmBytes(sig[200:1200]))
	f.Add(true, uint8(1), []byte{0x7f, 0xff, 0x80, 0x00, 0, 0})
	f.Fuzz(func(t *testing.T, slow bool, frame uint8, b []byte) {
		rate := 4800
		if slow {
			rate = 2400
		}
		rx, err := v27ter.NewReceiver(rate, &statusOrder{t: t})
		if err != nil {
			t.Fatal(err)
		}
		audio := make([]int16, len(b)/2)
		for i := range audio {
			audio[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
		}
		receive(rx, audio, max(1, int(frame)))
	})
}
