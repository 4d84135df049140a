package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/media/g729"
)

// vectors is the folder of the ITU G.729 vectors (G729_VECTORS, else
// ../shared/g729).
func vectors(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("G729_VECTORS")
	if dir == "" {
		dir = filepath.Join(peer.SharedDir(t), "g729")
	}
	return peer.RequireFile(t, dir)
}

func runOK(t *testing.T, args ...string) {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(args, &out, &errb); code != 0 {
		t.Fatalf("g729 %v: exit %d: %s", args, code, errb.String())
	}
	if !strings.Contains(out.String(), " frames") {
		t.Errorf("stdout %q", out.String())
	}
}

// serialFrames reads a serial bitstream's payloads (erased frames as nil).
func serialFrames(t *testing.T, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := g729.NewSerialReader(f)
	var frames [][]byte
	for {
		var buf [g729.FrameBytes]byte
		p, erased, err := r.Next(buf[:])
		if errors.Is(err, io.EOF) {
			return frames
		}
		if err != nil {
			t.Fatal(err)
		}
		if erased {
			p = nil
		}
		frames = append(frames, append([]byte{}, p...))
	}
}

func pcmOf(t *testing.T, path string) []int16 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := make([]int16, len(b)/2)
	for i := range s {
		s[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return s
}

// codecDelay is G.729's 5 ms from input to output; SNRs of a coded signal
// against its input are taken with the output advanced by it.
const codecDelay = 40

func snr(ref, got []int16) float64 {
	var sig, noise float64
	for i := range min(len(ref), len(got)) {
		d := float64(ref[i]) - float64(got[i])
		sig += float64(ref[i]) * float64(ref[i])
		noise += d * d
	}
	if noise == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(sig/noise)
}

// TestEncodeVector codes SPEECH.IN and compares the bitstream with
// SPEECH.BIT frame by frame; the decoded result must be as good as the
// reference decoder's output of the reference bitstream (issue 5: within
// 0.5 dB).
func TestEncodeVector(t *testing.T) {
	dir := vectors(t)
	tmp := t.TempDir()
	bit := filepath.Join(tmp, "speech.bit")
	runOK(t, "-encode", "-in", filepath.Join(dir, "annexA", "SPEECH.IN"), "-out", bit)
	ref, got := serialFrames(t, filepath.Join(dir, "annexA", "SPEECH.BIT")), serialFrames(t, bit)
	if len(got) != len(ref) {
		t.Fatalf("%d frames, reference %d", len(got), len(ref))
	}
	exact := 0
	for i := range ref {
		if bytes.Equal(ref[i], got[i]) {
			exact++
		}
	}
	pst := filepath.Join(tmp, "speech.pst")
	runOK(t, "-decode", "-in", bit, "-out", pst)
	in := pcmOf(t, filepath.Join(dir, "annexA", "SPEECH.IN"))
	ours := snr(in, pcmOf(t, pst)[codecDelay:])
	theirs := snr(in, pcmOf(t, filepath.Join(dir, "annexA", "SPEECH.PST"))[codecDelay:])
	t.Logf("SPEECH.IN -> .BIT: %d/%d frames exact; decoded SNR %.2f dB, SPEECH.PST %.2f dB (against SPEECH.IN, 5 ms codec delay taken out)", exact, len(ref), ours, theirs)
	if ours < theirs-0.5 {
		t.Errorf("our bitstream decodes to %.2f dB, more than 0.5 dB under the reference's %.2f dB", ours, theirs)
	}
}

// TestDecodeVector decodes SPEECH.BIT and ERASURE.BIT and compares with
// the reference outputs (issue 5: at least 30 dB).
func TestDecodeVector(t *testing.T) {
	dir := vectors(t)
	for _, name := range []string{"SPEECH", "ERASURE"} {
		out := filepath.Join(t.TempDir(), name+".pst")
		runOK(t, "-decode", "-in", filepath.Join(dir, "annexA", name+".BIT"), "-out", out)
		ref, got := pcmOf(t, filepath.Join(dir, "annexA", name+".PST")), pcmOf(t, out)
		if len(got) != len(ref) {
			t.Fatalf("%s: %d samples, reference %d", name, len(got), len(ref))
		}
		exact := 0
		for i := 0; i+80 <= len(ref); i += 80 {
			if slicesEqual(ref[i:i+80], got[i:i+80]) {
				exact++
			}
		}
		s := snr(ref, got)
		t.Logf("%s.BIT -> .PST: %d/%d frames exact, SNR %.2f dB", name, exact, len(ref)/80, s)
		if s < 30 {
			t.Errorf("%s: SNR %.2f dB against the reference output, want >= 30", name, s)
		}
	}
}

// TestEncodeAnnexB codes tstseq1.bin with -annexb: every frame must have
// the reference's type (speech, SID, not transmitted).
func TestEncodeAnnexB(t *testing.T) {
	dir := vectors(t)
	bit := filepath.Join(t.TempDir(), "tstseq1a.bit")
	runOK(t, "-encode", "-annexb", "-in", filepath.Join(dir, "annexB", "tstseq1.bin"), "-out", bit)
	ref, got := serialFrames(t, filepath.Join(dir, "annexB", "tstseq1a.bit")), serialFrames(t, bit)
	if len(got) != len(ref) {
		t.Fatalf("%d frames, reference %d", len(got), len(ref))
	}
	exact, typed := 0, 0
	for i := range ref {
		if bytes.Equal(ref[i], got[i]) {
			exact++
		}
		if len(ref[i]) == len(got[i]) {
			typed++
		}
	}
	t.Logf("tstseq1.bin -> tstseq1a.bit: %d/%d frames exact, %d/%d of the right type", exact, len(ref), typed, len(ref))
	if typed != len(ref) {
		t.Errorf("%d of %d frames of the wrong type", len(ref)-typed, len(ref))
	}
}

func slicesEqual(a, b []int16) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-encode", "-decode", "-in", "a", "-out", "b"},
		{"-encode", "-in", "a"},
		{"-decode", "-out", "b"},
		{"-encode", "-in", "a", "-out", "b", "extra"},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"-decode", "-in", filepath.Join(t.TempDir(), "missing"), "-out", filepath.Join(t.TempDir(), "x")}, &out, &errb); code != 1 {
		t.Errorf("missing input: exit %d, want 1", code)
	}
	// A file that is not a serial bitstream is an error, not a crash.
	bad := filepath.Join(t.TempDir(), "bad.bit")
	if err := os.WriteFile(bad, []byte("not a bitstream at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code := run([]string{"-decode", "-in", bad, "-out", filepath.Join(t.TempDir(), "x")}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "serial") {
		t.Errorf("bad input: exit %d, stderr %q", code, errb.String())
	}
}
