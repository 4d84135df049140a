package peer

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Speech is sentences spoken by espeak-ng with voice ("en" when empty),
// resampled by sox to 8 kHz 16-bit mono: speech-like test audio at
// espeak-ng's own level, for the caller to scale.
func Speech(t testing.TB, voice string, sentences ...string) []int16 {
	t.Helper()
	espeak := Require(t, "espeak-ng")
	sox := Require(t, "sox")
	if voice == "" {
		voice = "en"
	}
	dir := t.TempDir()
	var all []int16
	for _, s := range sentences {
		wav, raw := filepath.Join(dir, "s.wav"), filepath.Join(dir, "s8k.raw")
		if out, err := Run(t, time.Minute, dir, espeak, "-v", voice, "-w", wav, s); err != nil {
			t.Fatalf("espeak-ng: %v\n%s", err, out)
		}
		if out, err := Run(t, time.Minute, dir, sox, wav, "-r", "8000", "-b", "16", "-c", "1", "-e", "signed-integer", "-L", "-t", "raw", raw); err != nil {
			t.Fatalf("sox: %v\n%s", err, out)
		}
		b, err := os.ReadFile(raw)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(b); i += 2 {
			all = append(all, int16(binary.LittleEndian.Uint16(b[i:])))
		}
	}
	return all
}
