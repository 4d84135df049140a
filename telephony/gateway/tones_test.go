package gateway

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/potsgate/potsgate/media/tone"
)

const dialTone600 = `[NUMBER OF CALL PROGRESS TONES]
Number of Call Progress Tones=1
[CALL PROGRESS TONE #0]
Tone Type=1
Low Freq [Hz]=600
Low Freq Level [-dBm]=10
First Signal On Time [10msec]=300
`

// TestTones: the file named by CallProgressTonesFilename, else the one
// installed from CptFileUrl, goes in front of the country's preset, which
// keeps the tones the file does not define; a bad file is an error.
func TestTones(t *testing.T) {
	dir := t.TempDir()
	named, installed := filepath.Join(dir, "named.cpt"), filepath.Join(dir, "installed.cpt")
	if err := os.WriteFile(named, []byte(dialTone600), 0o600); err != nil {
		t.Fatal(err)
	}
	dialTone700 := strings.Replace(dialTone600, "=600", "=700", 1)
	if err := os.WriteFile(installed, []byte(dialTone700), 0o600); err != nil {
		t.Fatal(err)
	}
	reg, _ := NewRegistry()
	defaults := reg.Defaults()
	dial := func(s tone.Set) float64 { d, _ := s.Tone(tone.Dial); return d.Low }

	set, err := Tones(defaults, "us", "")
	if err != nil || dial(set) != 350 {
		t.Fatalf("preset: %v, dial %v Hz", err, dial(set))
	}
	if set, err = Tones(defaults, "us", installed); err != nil || dial(set) != 700 {
		t.Fatalf("installed: %v, dial %v Hz", err, dial(set))
	}
	if busy, ok := set.Tone(tone.Busy); !ok || busy.Low != 480 {
		t.Fatalf("the preset's busy tone is gone: %+v", busy)
	}
	cfg := applyIni(t, defaults, "CallProgressTonesFilename = '"+named+"'\n")
	if set, err = Tones(cfg, "us", installed); err != nil || dial(set) != 600 {
		t.Fatalf("named: %v, dial %v Hz", err, dial(set))
	}
	if _, err := Tones(defaults, "us", filepath.Join(dir, "absent")); err != nil {
		t.Fatalf("an absent installed file is not an error: %v", err)
	}
	bad := filepath.Join(dir, "bad.cpt")
	_ = os.WriteFile(bad, []byte("[CALL PROGRESS TONE #0]\nTone Type=1\nLow Freq [Hz]=lots\n"), 0o600)
	if _, err := Tones(applyIni(t, defaults, "CallProgressTonesFilename = '"+bad+"'\n"), "us", ""); !errors.Is(err, tone.ErrCPT) {
		t.Fatalf("bad file: %v", err)
	}
	if _, err := ParseTones([]byte("; nothing\n")); !errors.Is(err, tone.ErrCPT) {
		t.Fatalf("empty file: %v", err)
	}
}
