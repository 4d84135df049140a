package dtmf

import (
	"bytes"
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

// TestMultimonDecodesGenerator has multimon-ng decode our generator.
func TestMultimonDecodesGenerator(t *testing.T) {
	mm := peer.Require(t, "multimon-ng")
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
	out, err := peer.Run(t, time.Minute, dir, mm, "-q", "-c", "-a", "DTMF", "-t", "wav", path)
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
			if len(samples) < 8000 {
				t.Fatalf("sentence %d: only %d samples", i, len(samples))
			}
			if got := Detect(samples); got != "" {
				t.Errorf("sentence %d voice %s: talk-off, detected %q", i, v, got)
			}
		}
	}
}
