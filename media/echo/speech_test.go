package echo_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/media/wav"
)

// speech returns a few sentences of synthetic speech (espeak-ng,
// resampled to 8 kHz by sox), its active part scaled to level dBm0.
func speech(t testing.TB, level float64, sentences ...string) []int16 {
	t.Helper()
	espeak := peer.Require(t, "espeak-ng")
	sox := peer.Require(t, "sox")
	dir := t.TempDir()
	var all []float64
	for _, s := range sentences {
		raw, s8 := filepath.Join(dir, "s.wav"), filepath.Join(dir, "s8k.wav")
		if out, err := peer.Run(t, time.Minute, dir, espeak, "-v", "en", "-w", raw, s); err != nil {
			t.Fatalf("espeak-ng: %v\n%s", err, out)
		}
		if out, err := peer.Run(t, time.Minute, dir, sox, raw, "-r", "8000", "-b", "16", "-c", "1", s8); err != nil {
			t.Fatalf("sox: %v\n%s", err, out)
		}
		f, err := os.Open(s8)
		if err != nil {
			t.Fatal(err)
		}
		_, pcm, err := wav.Read(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range pcm {
			all = append(all, float64(v))
		}
	}
	return scaleTo(all, level)
}

var sentences = []string{
	"Hello, you have reached the potsgate analog gateway. Please hold while we connect your call.",
	"The quick brown fox jumps over the lazy dog, and then she sells sea shells by the sea shore.",
	"Good morning! How are you today? I am calling about the invoice from last Tuesday.",
}
