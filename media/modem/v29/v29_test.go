package v29

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/potsgate/potsgate/media/modem"
)

func TestRates(t *testing.T) {
	for _, rate := range []int{0, 2400, 4800, 12000, 14400} {
		if _, err := NewTransmitter(rate, &bitSource{}); !errors.Is(err, modem.ErrRate) {
			t.Errorf("NewTransmitter(%d): %v, want ErrRate", rate, err)
		}
		if _, err := NewReceiver(rate, &bitSink{}); !errors.Is(err, modem.ErrRate) {
			t.Errorf("NewReceiver(%d): %v, want ErrRate", rate, err)
		}
	}
	tx, err := NewTransmitter(9600, &bitSource{})
	if err != nil {
		t.Fatal(err)
	}
	rx, err := NewReceiver(9600, &bitSink{})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Restart(4800); !errors.Is(err, modem.ErrRate) {
		t.Errorf("Transmitter.Restart(4800): %v", err)
	}
	if err := rx.Restart(4800); !errors.Is(err, modem.ErrRate) {
		t.Errorf("Receiver.Restart(4800): %v", err)
	}
	if err := tx.Restart(7200); err != nil {
		t.Errorf("Transmitter.Restart(7200): %v", err)
	}
	if err := rx.Restart(7200); err != nil {
		t.Errorf("Receiver.Restart(7200): %v", err)
	}
}

// TestScrambler: the descrambler undoes the scrambler from any state
// after 23 bits, and the scrambler whitens a run of ones.
func TestScrambler(t *testing.T) {
	in := randomBits(2000, 5)
	tx, rx := scrambler{reg: 0x12345}, scrambler{reg: 0x7abcd}
	ones := 0
	for i, b := range in {
		s := tx.scramble(b)
		ones += s
		if got := rx.descramble(s); i >= 23 && got != b {
			t.Fatalf("bit %d: %d, want %d", i, got, b)
		}
	}
	tx = scrambler{}
	ones = 0
	for range 10000 {
		ones += tx.scramble(1)
	}
	if ones < 4500 || ones > 5500 {
		t.Errorf("scrambled ones: %d of 10000 are 1", ones)
	}
}

// TestTrainingSequence: 1 + x^-6 + x^-7 is maximal length (period 127)
// and starts with its initial state 0101010.
func TestTrainingSequence(t *testing.T) {
	var seq [seg3Symbols]uint8
	trainingSequence(&seq)
	for i, want := range []uint8{0, 1, 0, 1, 0, 1, 0} {
		if seq[i] != want {
			t.Fatalf("start %v", seq[:7])
		}
	}
	for i := 127; i < seg3Symbols; i++ {
		if seq[i] != seq[i-127] {
			t.Fatalf("period is not 127 at %d", i)
		}
	}
	for p := 1; p < 127; p++ {
		same := true
		for i := range 127 {
			if seq[i] != seq[i+p] {
				same = false
				break
			}
		}
		if same {
			t.Fatalf("period %d", p)
		}
	}
}

// TestLevel: the signal's mean power is that of a sine at the level set.
func TestLevel(t *testing.T) {
	for _, rate := range []int{9600, 7200} {
		for _, level := range []float64{-13, -20, -30} {
			audio := transmit(rate, level, randomBits(48000, 1))
			// the data part only: after 608 symbols of training
			data := audio[2200 : len(audio)-400]
			var p float64
			for _, v := range data {
				p += float64(v) * float64(v)
			}
			p /= float64(len(data))
			got := 10*math.Log10(p/levelPower(level)) + level
			if math.Abs(got-level) > 0.3 {
				t.Errorf("%d bit/s at %g dBm0: measured %.2f dBm0", rate, level, got)
			}
		}
	}
}

// TestTransmitEnds: the transmitter sends training, data and turn-off,
// then returns fewer samples than asked, then none.
func TestTransmitEnds(t *testing.T) {
	tx, err := NewTransmitter(9600, &bitSource{bits: randomBits(960, 2)})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]int16, 80)
	total := 0
	for {
		n := tx.Transmit(buf)
		total += n
		if n < len(buf) {
			break
		}
		if total > 8000*10 {
			t.Fatal("no end")
		}
	}
	// training 608 symbols, 240 of data, the turn-off and the filter tail
	symbols := float64(seg1Symbols+seg2Symbols+seg3Symbols+seg4Symbols+240+turnOffSymbols+txTaps) + 1
	want := int(symbols * samplesPerSymbol)
	if total < want-4 || total > want+4 {
		t.Errorf("%d samples, want about %d", total, want)
	}
	if n := tx.Transmit(buf); n != 0 {
		t.Errorf("after the end: %d samples", n)
	}
	// segment 1 is silent: 48 symbols, 160 samples
	if err := tx.Restart(9600); err != nil {
		t.Fatal(err)
	}
	start := make([]int16, 240)
	tx.Transmit(start)
	for i, v := range start[:155] {
		if v != 0 {
			t.Fatalf("sample %d of segment 1 is %d", i, v)
		}
	}
	if slices.Max(start[160:]) < 1000 {
		t.Errorf("no segment 2 after 160 samples")
	}
}

// TestRestartBursts: two transmissions back to back in one stream, the
// second at the other rate after a Restart of both ends, each trained and
// delivered whole.
func TestRestartBursts(t *testing.T) {
	first, second := randomBits(5000, 7), randomBits(7000, 8)
	src := &bitSource{bits: first}
	tx, err := NewTransmitter(9600, src)
	if err != nil {
		t.Fatal(err)
	}
	var audio []int16
	buf := make([]int16, 80)
	run := func() {
		for {
			n := tx.Transmit(buf)
			audio = append(audio, buf[:n]...)
			if n < len(buf) {
				break
			}
		}
		audio = append(audio, make([]int16, 1600)...)
	}
	run()
	mark := len(audio)
	src.bits, src.pos = second, 0
	if err := tx.Restart(7200); err != nil {
		t.Fatal(err)
	}
	run()

	sink := &bitSink{}
	rx, err := NewReceiver(9600, sink)
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; off < mark; off += 80 {
		rx.Receive(audio[off:min(off+80, mark)])
	}
	checkReceived(t, sink, first)
	sink2 := &bitSink{}
	rx.sink = sink2
	if err := rx.Restart(7200); err != nil {
		t.Fatal(err)
	}
	for off := mark; off < len(audio); off += 80 {
		rx.Receive(audio[off:min(off+80, len(audio))])
	}
	checkReceived(t, sink2, second)
}

// TestTrainingFailed: a carrier that is not this rate's V.29 training
// raises the carrier but fails training, gives no bits, and goes down.
func TestTrainingFailed(t *testing.T) {
	tone := make([]int16, 8000)
	amp := 5000.0
	for i := range tone {
		tone[i] = int16(amp * math.Sin(2*math.Pi*1700*float64(i)/SampleRate))
	}
	noise := make([]int16, 8000)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range noise { // white noise at about -20 dBm0
		noise[i] = int16(r.NormFloat64() * 2000)
	}
	cases := []struct {
		name  string
		rate  int
		audio []int16
	}{
		{"7200 signal to a 9600 receiver", 9600, transmit(7200, -13, randomBits(4000, 1))},
		{"9600 signal to a 7200 receiver", 7200, transmit(9600, -13, randomBits(4000, 1))},
		{"1700 Hz tone", 9600, tone},
		{"noise", 9600, noise},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			audio := channel{lead: 800, tail: 800}.apply(c.audio)
			sink := receive(c.rate, audio)
			if !sink.has(modem.CarrierUp) || !sink.has(modem.TrainingFailed) || !sink.has(modem.CarrierDown) {
				t.Errorf("statuses %v, want carrier-up training-failed carrier-down", sink.statuses)
			}
			if sink.has(modem.TrainingSucceeded) || len(sink.bits) > 0 {
				t.Errorf("training succeeded (%v) with %d bits", sink.statuses, len(sink.bits))
			}
		})
	}
}

// TestCarrierThreshold: a signal at -50 dBm0 is not a carrier; at -43 it
// is (TestChannel trains there).
func TestCarrierThreshold(t *testing.T) {
	audio := channel{lead: 800, tail: 800}.apply(transmit(9600, -50, randomBits(4000, 1)))
	if sink := receive(9600, audio); len(sink.statuses) > 0 {
		t.Errorf("-50 dBm0: statuses %v", sink.statuses)
	}
}

func TestNoAllocations(t *testing.T) {
	for _, rate := range []int{9600, 7200} {
		bits := randomBits(100000, 1)
		tx, err := NewTransmitter(rate, &bitSource{bits: bits})
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]int16, 80)
		if a := testing.AllocsPerRun(500, func() { tx.Transmit(buf) }); a != 0 {
			t.Errorf("%d Transmit: %v allocations", rate, a)
		}
		audio := transmit(rate, -13, bits[:20000])
		rx, err := NewReceiver(rate, discard{})
		if err != nil {
			t.Fatal(err)
		}
		off := 0
		if a := testing.AllocsPerRun(500, func() {
			rx.Receive(audio[off : off+80])
			off = (off + 80) % (len(audio) - 80)
		}); a != 0 {
			t.Errorf("%d Receive: %v allocations", rate, a)
		}
	}
}

type discard struct{}

func (discard) Bit(int)             {}
func (discard) Status(modem.Status) {}

// TestJoinMidTransmission: a receiver that starts listening in the middle
// of a transmission's data fails that training, gives no bits, and trains
// on the next transmission.
func TestJoinMidTransmission(t *testing.T) {
	first := transmit(9600, -13, randomBits(20000, 1))
	second := randomBits(6000, 2)
	audio := append(append([]int16{}, first[len(first)/2:]...), make([]int16, 800)...)
	audio = append(audio, transmit(9600, -13, second)...)
	audio = append(audio, make([]int16, 800)...)
	sink := receive(9600, audio)
	want := []modem.Status{modem.CarrierUp, modem.TrainingFailed, modem.CarrierDown, modem.CarrierUp, modem.TrainingSucceeded, modem.CarrierDown}
	if !slices.Equal(sink.statuses, want) {
		t.Fatalf("statuses %v, want %v", sink.statuses, want)
	}
	if sink.at[4] != 0 {
		t.Errorf("%d bits before the second training", sink.at[4])
	}
	checkReceived(t, sink, second)
}

// TestCarrierHysteresis: a carrier that trained at -30 dBm0 and falls to
// -45.5 dBm0 (under the on threshold, over the off one) stays up; one
// that falls to -51 dBm0 goes down.
func TestCarrierHysteresis(t *testing.T) {
	for _, c := range []struct {
		drop     float64
		wantDown bool
	}{{-15.5, false}, {-21, true}} {
		audio := transmit(9600, -30, randomBits(24000, 3))
		// the level falls once the data has run for a while, and stays
		// down to the end of the signal
		from := 8000
		g := math.Pow(10, c.drop/20)
		for i := from; i < len(audio); i++ {
			audio[i] = int16(float64(audio[i]) * g)
		}
		sink := &bitSink{}
		rx, err := NewReceiver(9600, sink)
		if err != nil {
			t.Fatal(err)
		}
		end := len(audio) - 400 // before the turn-off ends
		for off := 0; off+80 <= end; off += 80 {
			rx.Receive(audio[off : off+80])
		}
		if !sink.has(modem.TrainingSucceeded) {
			t.Fatalf("drop %g dB: no training: %v", c.drop, sink.statuses)
		}
		if got := sink.has(modem.CarrierDown); got != c.wantDown {
			t.Errorf("drop %g dB to %g dBm0: carrier down %v, want %v (%v)", c.drop, -30+c.drop, got, c.wantDown, sink.statuses)
		}
	}
}

// FuzzReceive: any audio, at either rate: no panic, and statuses in a
// sensible order (up before anything else, down only when up).
func FuzzReceive(f *testing.F) {
	f.Add(pcmBytes(transmit(9600, -13, randomBits(2000, 1))[:3000]), true)
	f.Add(pcmBytes(transmit(7200, -40, randomBits(2000, 1))[:3000]), false)
	f.Fuzz(func(t *testing.T, data []byte, fast bool) {
		rate := 7200
		if fast {
			rate = 9600
		}
		sink := &bitSink{}
		rx, err := NewReceiver(rate, sink)
		if err != nil {
			t.Fatal(err)
		}
		pcm := make([]int16, len(data)/2)
		for i := range pcm {
			pcm[i] = int16(uint16(data[2*i]) | uint16(data[2*i+1])<<8)
		}
		for off := 0; off < len(pcm); off += 80 {
			rx.Receive(pcm[off:min(off+80, len(pcm))])
		}
		up := false
		for _, s := range sink.statuses {
			switch s {
			case modem.CarrierUp:
				if up {
					t.Fatalf("carrier up twice: %v", sink.statuses)
				}
				up = true
			case modem.CarrierDown:
				if !up {
					t.Fatalf("carrier down while down: %v", sink.statuses)
				}
				up = false
			default:
				if !up {
					t.Fatalf("%v without carrier: %v", s, sink.statuses)
				}
			}
		}
	})
}
