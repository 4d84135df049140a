package callerid

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/media"
	"github.com/potsgate/potsgate/media/wav"
)

func TestEncodeBytes(t *testing.T) {
	cases := []struct {
		name string
		std  Standard
		m    Message
		want []byte
	}{
		{"sdmf", Bellcore, Message{Format: SDMF, Time: testTime, Number: "5551234"},
			append([]byte{0x04, 15}, "112415305551234"...)},
		{"sdmf private", Bellcore, Message{Format: SDMF, Time: testTime, NumberAbsence: Private},
			append([]byte{0x04, 9}, "11241530P"...)},
		{"mdmf", Bellcore, Message{Time: testTime, Number: "123", Name: "AB"},
			append(append(append([]byte{0x80, 19, 0x01, 8}, "11241530"...), 0x02, 3, '1', '2', '3', 0x07, 2), "AB"...)},
		{"mdmf absent", ETSI, Message{NumberAbsence: Unavailable, NameAbsence: Private},
			[]byte{0x80, 6, 0x04, 1, 'O', 0x08, 1, 'P'}},
		{"mdmf vmwi on", Bellcore, Message{Kind: MessageWaiting, Waiting: true}, []byte{0x82, 3, 0x0B, 1, 0xFF}},
		{"mdmf vmwi off", ETSI, Message{Kind: MessageWaiting}, []byte{0x82, 3, 0x0B, 1, 0x00}},
		{"sdmf vmwi on", Bellcore, Message{Kind: MessageWaiting, Format: SDMF, Waiting: true}, []byte{0x06, 3, 0x42, 0x42, 0x42}},
		{"sdmf vmwi off", Bellcore, Message{Kind: MessageWaiting, Format: SDMF}, []byte{0x06, 3, 0x6F, 0x6F, 0x6F}},
		{"dtmf", ETSIDTMF, Message{Number: "0612345678"}, []byte("A0612345678C")},
		{"dtmf private", ETSIDTMF, Message{NumberAbsence: Private}, []byte("B00C")},
		{"dtmf unavailable", ETSIDTMF, Message{NumberAbsence: Unavailable}, []byte("B10C")},
	}
	for _, c := range cases {
		got, err := Encode(c.std, c.m)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want := c.want
		if c.std != ETSIDTMF {
			var sum byte
			for _, b := range want {
				sum += b
			}
			want = append(want, -sum)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: Encode = % x, want % x", c.name, got, want)
		}
	}
	// The SDMF example of GR-30 style: checksum of 04 12 "01011200" "9195551212"... sums to 0.
	b, _ := Encode(Bellcore, Message{Format: SDMF, Time: time.Date(0, 1, 1, 12, 0, 0, 0, time.UTC), Number: "9195551212"})
	var sum byte
	for _, c := range b {
		sum += c
	}
	if sum != 0 || b[1] != 18 {
		t.Errorf("SDMF % x: sum %d", b, sum)
	}
}

func TestEncodeErrors(t *testing.T) {
	cases := []struct {
		std  Standard
		m    Message
		want error
	}{
		{Bellcore, Message{Number: "555-1234"}, ErrInvalidMessage},
		{Bellcore, Message{Number: "123456789012345678901"}, ErrInvalidMessage},
		{Bellcore, Message{Name: "caf\xc3\xa9"}, ErrInvalidMessage},
		{Bellcore, Message{Format: SDMF, Number: "123"}, ErrInvalidMessage},
		{ETSI, Message{Format: SDMF, Time: testTime, Number: "123"}, ErrUnsupported},
		{ETSIDTMF, Message{Kind: MessageWaiting}, ErrUnsupported},
		{ETSIDTMF, Message{Number: "12*"}, ErrInvalidMessage},
		{ETSIDTMF, Message{}, ErrInvalidMessage},
		{Standard(9), Message{}, ErrUnsupported},
	}
	for i, c := range cases {
		if _, err := Encode(c.std, c.m); !errors.Is(err, c.want) {
			t.Errorf("case %d: err = %v, want %v", i, err, c.want)
		}
	}
	for _, std := range []Standard{Bellcore, ETSIDTMF} {
		if _, err := NewTransmitter(std, Message{Number: "1"}, Options{Level: 6}); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("%v at +6 dBm0: err = %v", std, err)
		}
	}
	if _, err := NewReceiver(ETSIDTMF, ReceiverOptions{}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("DTMF receiver: err = %v", err)
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	msgs := []Message{
		{Time: testTime, Number: "5551234567", Name: "JOHN DOE"},
		{Format: SDMF, Time: testTime, Number: "5551234567"},
		{Format: SDMF, Time: testTime, NumberAbsence: Unavailable},
		{Time: testTime, NumberAbsence: Private, NameAbsence: Private},
		{Kind: MessageWaiting, Waiting: true},
		{Kind: MessageWaiting, Format: SDMF, Waiting: true},
		{Kind: MessageWaiting, Format: SDMF},
	}
	for _, m := range msgs {
		b, err := Encode(Bellcore, m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(b)
		if err != nil {
			t.Fatalf("Decode(% x): %v", b, err)
		}
		assertMessage(t, got, m)
		b[len(b)-1]++
		if _, err := Decode(b); !errors.Is(err, ErrChecksum) {
			t.Errorf("corrupted: err = %v", err)
		}
		if _, err := Decode(b[:len(b)-2]); !errors.Is(err, ErrTruncated) {
			t.Errorf("truncated: err = %v", err)
		}
	}
	if _, err := Decode([]byte{0x99, 0, 0x67}); !errors.Is(err, ErrUnknownType) {
		t.Errorf("unknown type: err = %v", err)
	}
	for s, want := range map[string]Message{
		"A0612345678C": {Number: "0612345678"},
		"B00C":         {NumberAbsence: Private},
		"B10C":         {NumberAbsence: Unavailable},
		"D123#":        {Number: "123"},
	} {
		got, err := DecodeDTMF(s)
		if err != nil || got != want {
			t.Errorf("DecodeDTMF(%q) = %+v, %v", s, got, err)
		}
	}
	if _, err := DecodeDTMF("A12"); !errors.Is(err, ErrTruncated) {
		t.Errorf("DecodeDTMF(A12): %v", err)
	}
}

// assertMessage compares the fields a message carries on the line (the
// year of Time is not sent).
func assertMessage(t *testing.T, got, want Message) {
	t.Helper()
	if got.Kind != want.Kind || got.Format != want.Format || got.Number != want.Number ||
		got.Name != want.Name || got.NumberAbsence != want.NumberAbsence ||
		got.NameAbsence != want.NameAbsence || got.Waiting != want.Waiting {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if !want.Time.IsZero() {
		gt, wt := got.Time, want.Time
		if gt.Month() != wt.Month() || gt.Day() != wt.Day() || gt.Hour() != wt.Hour() || gt.Minute() != wt.Minute() {
			t.Errorf("time %v, want %v", gt, wt)
		}
	}
}

// receive feeds samples to a new receiver in 10 ms frames and returns the
// messages it decoded.
func receive(t *testing.T, std Standard, samples []int16) ([]Message, ReceiverStats) {
	t.Helper()
	r, err := NewReceiver(std, ReceiverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []Message
	for i := 0; i < len(samples); i += 80 {
		if r.Process(samples[i:min(i+80, len(samples))]) {
			for m, ok := r.Next(); ok; m, ok = r.Next() {
				out = append(out, m)
			}
		}
	}
	return out, r.Stats()
}

func pad(s []int16) []int16 {
	z := make([]int16, 800)
	return append(append(append([]int16{}, z...), s...), z...)
}

func addNoise(s []int16, sigma float64, seed uint64) []int16 {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]int16, len(s))
	for i, v := range s {
		out[i] = int16(max(-32768, min(32767, math.Round(float64(v)+sigma*rng.NormFloat64()))))
	}
	return out
}

func TestReceiverOwnSignal(t *testing.T) {
	msgs := []Message{
		{Time: testTime, Number: "5551234567", Name: "JOHN DOE"},
		{Format: SDMF, Time: testTime, Number: "5551234567"},
		{Time: testTime, NumberAbsence: Unavailable, NameAbsence: Private},
		{Kind: MessageWaiting, Waiting: true},
		{Kind: MessageWaiting, Format: SDMF, Waiting: false},
	}
	for _, std := range []Standard{Bellcore, ETSI} {
		for _, level := range []float64{-13.5, -30, -40, -3} {
			for _, snr := range []float64{math.Inf(1), 20} {
				for _, m := range msgs {
					if std == ETSI && m.Format == SDMF {
						continue
					}
					s := pad(mustSamples(t, std, m, Options{Level: level}))
					if !math.IsInf(snr, 1) {
						p := media.SineAmplitude(level)
						s = addNoise(s, math.Sqrt(p*p/2/math.Pow(10, snr/10)), uint64(len(s)))
					}
					got, st := receive(t, std, s)
					if len(got) != 1 {
						t.Errorf("%v %v dBm0 SNR %v %+v: got %d messages %+v (stats %+v)", std, level, snr, m, len(got), got, st)
						continue
					}
					assertMessage(t, got[0], m)
				}
			}
		}
	}
}

func TestReceiverLevelStepAndType2(t *testing.T) {
	m := Message{Time: testTime, Number: "0612345678", Name: "ALICE"}
	// 12 dB level step in the middle of the message, with 20 dB SNR noise.
	s := mustSamples(t, ETSI, m, Options{Level: -18})
	for i := len(s) / 2; i < len(s); i++ {
		s[i] = int16(float64(s[i]) / 4)
	}
	got, st := receive(t, ETSI, addNoise(pad(s), 40, 7))
	if len(got) != 1 {
		t.Fatalf("level step: %d messages (stats %+v)", len(got), st)
	}
	assertMessage(t, got[0], m)

	// Type 2: CAS, pause, then marks + message only.
	a := NewAlertSignal(0, 0)
	cas := make([]int16, a.Len())
	if n, done := a.Generate(cas); n != 640 || !done {
		t.Fatalf("CAS generated %d samples, done %v", n, done)
	}
	fsk := mustSamples(t, Bellcore, m, Options{Type2: true})
	if want := ((80+10*len(mustEncode(t, Bellcore, m))+trailingMarkBits)*20 + 2) / 3; len(fsk) != want {
		t.Errorf("type 2 has %d samples, want %d (no seizure)", len(fsk), want)
	}
	line := append(append(pad(cas), make([]int16, 800)...), pad(fsk)...)
	got, st = receive(t, Bellcore, line)
	if len(got) != 1 {
		t.Fatalf("type 2: %d messages (stats %+v)", len(got), st)
	}
	assertMessage(t, got[0], m)

	// Two messages back to back (MWI then call) and a corrupted one.
	bad := mustSamples(t, Bellcore, m, Options{})
	for i := len(bad) - 200; i < len(bad)-100; i++ {
		bad[i] = 0 // wipes the end of the message: carrier drop
	}
	two := append(append(pad(mustSamples(t, Bellcore, Message{Kind: MessageWaiting, Waiting: true}, Options{})), pad(bad)...),
		pad(mustSamples(t, Bellcore, m, Options{}))...)
	got, _ = receive(t, Bellcore, two)
	if len(got) != 2 || got[0].Kind != MessageWaiting || !got[0].Waiting || got[1].Name != "ALICE" {
		t.Fatalf("sequence: got %+v", got)
	}
}

func mustEncode(t *testing.T, std Standard, m Message) []byte {
	t.Helper()
	b, err := Encode(std, m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReceiverWrongStandardAndSilence(t *testing.T) {
	got, _ := receive(t, Bellcore, addNoise(make([]int16, 16000), 30, 3))
	if len(got) != 0 {
		t.Errorf("noise decoded as %+v", got)
	}
	got, _ = receive(t, Bellcore, addNoise(make([]int16, 16000), 3000, 4))
	if len(got) != 0 {
		t.Errorf("loud noise decoded as %+v", got)
	}
}

func TestReceiverMinimodemSignal(t *testing.T) {
	mm := peer.Require(t, "minimodem")
	m := Message{Time: testTime, Number: "5551234567", Name: "JOHN DOE"}
	data := mustEncode(t, Bellcore, m)
	f := t.TempDir() + "/mm.wav"
	cmd := exec.Command(mm, "--tx", "-R", "8000", "-f", f, "1200")
	cmd.Stdin = bytes.NewReader(data)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("minimodem --tx: %v\n%s", err, out)
	}
	samples := readWAV(t, f)
	got, st := receive(t, Bellcore, pad(samples))
	if len(got) != 1 {
		t.Fatalf("minimodem signal: %d messages (stats %+v)", len(got), st)
	}
	assertMessage(t, got[0], m)
}

func readWAV(t *testing.T, path string) []int16 {
	t.Helper()
	b, err := readFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rate, s, err := wav.Read(bytes.NewReader(b))
	if err != nil || rate != SampleRate {
		t.Fatalf("%s: rate %d, %v", path, rate, err)
	}
	return s
}

func TestGenerateLevelsAndLength(t *testing.T) {
	m := Message{Time: testTime, Number: "5551234567", Name: "JOHN DOE"}
	s := mustSamples(t, Bellcore, m, Options{Level: -20})
	bits := 300 + 180 + 10*len(mustEncode(t, Bellcore, m)) + trailingMarkBits
	if want := (bits*20 + 2) / 3; len(s) != want {
		t.Errorf("length %d, want %d", len(s), want)
	}
	var peak int16
	for _, v := range s {
		peak = max(peak, v)
	}
	if got := media.SineLevel(float64(peak)); math.Abs(got+20) > 0.1 {
		t.Errorf("FSK peak level %.2f dBm0, want -20", got)
	}
	d := mustSamples(t, ETSIDTMF, Message{Number: "12"}, Options{})
	if len(d) != 4*1120 {
		t.Errorf("DTMF length %d, want %d", len(d), 4*1120)
	}
	for i := 560; i < 1120; i++ {
		if d[i] != 0 {
			t.Fatalf("DTMF pause sample %d = %d", i, d[i])
		}
	}
}

func TestNoAllocs(t *testing.T) {
	m := Message{Time: testTime, Number: "5551234567", Name: "JOHN DOE"}
	frame := make([]int16, 80)
	for _, std := range []Standard{Bellcore, ETSI, ETSIDTMF} {
		tx, err := NewTransmitter(std, m, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if a := testing.AllocsPerRun(100, func() {
			if _, done := tx.Generate(frame); done {
				tx.Reset()
			}
		}); a != 0 {
			t.Errorf("%v Generate: %v allocs per frame", std, a)
		}
	}
	cas := NewAlertSignal(0, 0)
	if a := testing.AllocsPerRun(100, func() { cas.Generate(frame) }); a != 0 {
		t.Errorf("AlertSignal.Generate: %v allocs", a)
	}
	// The receiver on a live signal (carrier, UART and message assembly
	// active), stopping short of the checksum so no message is completed.
	sig := mustSamples(t, Bellcore, m, Options{})
	r, _ := NewReceiver(Bellcore, ReceiverOptions{})
	i := 0
	if a := testing.AllocsPerRun(50, func() {
		if i+80 > len(sig)-400 {
			i = 0
		}
		r.Process(sig[i : i+80])
		i += 80
	}); a != 0 {
		t.Errorf("Receiver.Process: %v allocs per frame", a)
	}
}

var readFile = os.ReadFile
