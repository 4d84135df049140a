package dtmf

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/media/wav"
)

func readWAV(t *testing.T, path string) []int16 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rate, samples, err := wav.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	if rate != SampleRate {
		t.Fatalf("%s: rate %d", path, rate)
	}
	return samples
}

// TestSoxDigits detects a digit string synthesised by sox (through the
// shared mk_dtmf.sh recipe).
func TestSoxDigits(t *testing.T) {
	peer.Require(t, "sox")
	script := filepath.Join(peer.SharedDir(t), "peers", "dtmf", "mk_dtmf.sh")
	peer.RequireFile(t, script)
	dir := t.TempDir()
	for _, c := range []struct{ digits, tone, gap string }{
		{"0123456789ABCD*#", "80", "80"},
		{"1199#", "45", "45"},
	} {
		out := filepath.Join(dir, "d.wav")
		if o, err := peer.Run(t, time.Minute, dir, "bash", script, c.digits, out, c.tone, c.gap); err != nil {
			t.Fatalf("mk_dtmf.sh: %v\n%s", err, o)
		}
		if got := Detect(readWAV(t, out)); got != c.digits {
			t.Errorf("sox %s ms/%s ms: detected %q, want %q", c.tone, c.gap, got, c.digits)
		}
	}
}

// TestSoxDigitsAtMinimumLevel detects all 16 digits made by sox at the
// weakest level Q.24 asks for (-25 dBm0 for the weaker tone) with 4 dB of
// twist either way.
func TestSoxDigitsAtMinimumLevel(t *testing.T) {
	sox := peer.Require(t, "sox")
	dir := t.TempDir()
	low := map[byte]string{'1': "697", '2': "697", '3': "697", 'A': "697", '4': "770", '5': "770", '6': "770", 'B': "770",
		'7': "852", '8': "852", '9': "852", 'C': "852", '*': "941", '0': "941", '#': "941", 'D': "941"}
	high := map[byte]string{'1': "1209", '4': "1209", '7': "1209", '*': "1209", '2': "1336", '5': "1336", '8': "1336", '0': "1336",
		'3': "1477", '6': "1477", '9': "1477", '#': "1477", 'A': "1633", 'B': "1633", 'C': "1633", 'D': "1633"}
	// sox's sine peaks at full scale; scale it to a level in dBm0.
	vol := func(dBm0 float64) string { return fmt.Sprintf("%.5f", math.Pow(10, (dBm0-3.14)/20)) }
	const digits = "0123456789*#ABCD"
	for _, tw := range []struct {
		name   string
		lo, hi float64
	}{{"forward twist 4 dB", -25, -21}, {"reverse twist 4 dB", -21, -25}} {
		var all []int16
		for i := 0; i < len(digits); i++ {
			d := digits[i]
			lo, hi, mix := filepath.Join(dir, "lo.wav"), filepath.Join(dir, "hi.wav"), filepath.Join(dir, "d.wav")
			for _, c := range [][]string{
				{"-n", "-r", "8000", "-b", "16", "-c", "1", lo, "synth", "0.06", "sine", low[d], "vol", vol(tw.lo)},
				{"-n", "-r", "8000", "-b", "16", "-c", "1", hi, "synth", "0.06", "sine", high[d], "vol", vol(tw.hi)},
				{"-m", "-v", "1", lo, "-v", "1", hi, mix},
			} {
				if out, err := peer.Run(t, time.Minute, dir, sox, c...); err != nil {
					t.Fatalf("sox %v: %v\n%s", c, err, out)
				}
			}
			all = append(all, readWAV(t, mix)...)
			all = append(all, make([]int16, 480)...) // 60 ms pause
		}
		if got := Detect(all); got != digits {
			t.Errorf("%s (low %v, high %v dBm0): detected %q, want %q", tw.name, tw.lo, tw.hi, got, digits)
		}
	}
}

// TestMultimonDecodesGenerator has multimon-ng decode our generator.
func TestMultimonDecodesGenerator(t *testing.T) {
	peer.Require(t, "multimon-ng")
	g, err := NewGenerator(DefaultGeneratorConfig())
	if err != nil {
		t.Fatal(err)
	}
	want := "0123456789*#ABCD"
	if err := g.Play(want); err != nil {
		t.Fatal(err)
	}
	samples := make([]int16, 800) // lead-in silence
	frame := make([]int16, 80)
	for g.Busy() {
		samples = append(samples, g.Generate(frame)...)
	}
	samples = append(samples, make([]int16, 1600)...)
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := wav.Write(&buf, SampleRate, samples); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "gen.wav")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := peer.Multimon(t, path, "DTMF")
	if err != nil {
		t.Fatalf("multimon-ng: %v\n%s", err, out)
	}
	var got strings.Builder
	for _, line := range strings.Split(out, "\n") {
		if d, ok := strings.CutPrefix(strings.TrimSpace(line), "DTMF: "); ok {
			got.WriteString(d)
		}
	}
	if got.String() != want {
		t.Errorf("multimon-ng decoded %q, want %q\n%s", got.String(), want, out)
	}
}

// TestTalkOff feeds synthetic speech (espeak-ng, resampled to 8 kHz by sox)
// to the detector: no digit may be reported.
func TestTalkOff(t *testing.T) {
	espeak := peer.Require(t, "espeak-ng")
	sox := peer.Require(t, "sox")
	dir := t.TempDir()
	sentences := []string{
		"Hello, you have reached the potsgate analog gateway. Please hold while we connect your call.",
		"The quick brown fox jumps over the lazy dog, and then she sells sea shells by the sea shore.",
		"One two three four five six seven eight nine zero, star, pound.",
		"Good morning! How are you today? I am calling about the invoice from last Tuesday.",
		"Peter Piper picked a peck of pickled peppers. Eee, ooh, aah, mmm, weee, whistle.",
	}
	voices := []string{"en", "en+f3", "en-us+m3", "de", "fr"}
	total := 0
	defer func() {
		// The issue asks for at least 60 s of speech without a false digit.
		if !t.Failed() && total < 60*SampleRate {
			t.Errorf("only %.1f s of speech tested, want at least 60 s", float64(total)/SampleRate)
		}
		t.Logf("%.1f s of speech, no digit", float64(total)/SampleRate)
	}()
	for i, s := range sentences {
		for _, v := range voices {
			raw := filepath.Join(dir, "s.wav")
			s8 := filepath.Join(dir, "s8k.wav")
			if out, err := peer.Run(t, time.Minute, dir, espeak, "-v", v, "-w", raw, s); err != nil {
				t.Fatalf("espeak-ng: %v\n%s", err, out)
			}
			if out, err := peer.Run(t, time.Minute, dir, sox, raw, "-r", "8000", "-b", "16", "-c", "1", s8); err != nil {
				t.Fatalf("sox: %v\n%s", err, out)
			}
			samples := readWAV(t, s8)
			total += len(samples)
			if len(samples) < 8000 {
				t.Fatalf("sentence %d: only %d samples", i, len(samples))
			}
			if got := Detect(samples); got != "" {
				t.Errorf("sentence %d voice %s: talk-off, detected %q", i, v, got)
			}
		}
	}
}
