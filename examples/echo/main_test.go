package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/potsgate/potsgate/media/wav"
)

func readWAV(t *testing.T, path string) []int16 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rate, s, err := wav.Read(f)
	if err != nil || rate != 8000 {
		t.Fatalf("%s: rate %d, %v", path, rate, err)
	}
	return s
}

func energy(x []int16) float64 {
	var e float64
	for _, v := range x {
		e += float64(v) * float64(v)
	}
	return e
}

// The built-in voice and a tone through model D.8: after.wav carries the
// echo more than 30 dB down from before.wav, as the example says.
func TestBeforeAfterWAVs(t *testing.T) {
	for _, args := range [][]string{{"-model", "D.8"}, {"-tone", "1000", "-seconds", "3", "-tail", "128ms"}, {"-nlp=false", "-model", "2"}} {
		dir := t.TempDir()
		var out, errb bytes.Buffer
		if code := run(append(args, "-out", dir), &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		before, after := readWAV(t, filepath.Join(dir, "before.wav")), readWAV(t, filepath.Join(dir, "after.wav"))
		if len(before) != len(after) || len(before) < 8000*2 {
			t.Fatalf("%v: %d and %d samples", args, len(before), len(after))
		}
		got := 10 * math.Log10(energy(before[8000:])/(energy(after[8000:])+1))
		if got < 30 {
			t.Errorf("%v: echo %.1f dB lower in after.wav, want >= 30", args, got)
		}
		m := regexp.MustCompile(`echo ([0-9.]+) dB lower`).FindStringSubmatch(out.String())
		if m == nil {
			t.Fatalf("%v: stdout %q", args, out.String())
		}
		if said, _ := strconv.ParseFloat(m[1], 64); said < got-0.2 || said > got+0.2 {
			t.Errorf("%v: says %s dB, the files differ by %.1f dB", args, m[1], got)
		}
	}
}

func TestWAVInput(t *testing.T) {
	dir := t.TempDir()
	voice := make([]int16, 3*8000)
	for i := range voice {
		voice[i] = int16((i*7919)%6000 - 3000)
	}
	var b bytes.Buffer
	if err := wav.Write(&b, 8000, voice); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "in.wav")
	if err := os.WriteFile(in, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"-in", in, "-out", dir}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if len(readWAV(t, filepath.Join(dir, "after.wav"))) != len(voice) {
		t.Error("after.wav is not as long as the input")
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "usage"},
		{[]string{"-model", "D.1", "-out", dir}, 1, "no G.168 model"},
		{[]string{"-tail", "50ms", "-out", dir}, 1, "tail must be"},
		{[]string{"-tone", "5000", "-out", dir}, 1, "above 4 kHz"},
		{[]string{"-in", filepath.Join(dir, "missing.wav"), "-out", dir}, 1, "no such file"},
	} {
		var out, errb bytes.Buffer
		if code := run(c.args, &out, &errb); code != c.code || !strings.Contains(errb.String(), c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errb.String(), c.code, c.msg)
		}
	}
}
