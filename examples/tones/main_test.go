package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/potsgate/potsgate/media/wav"
)

func TestBusyWAV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "busy.wav")
	var out, errb bytes.Buffer
	if code := run([]string{"-country", "us", "-tone", "busy", "-seconds", "4", "-out", path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "busy cadence 480+620 Hz") {
		t.Errorf("stdout %q", out.String())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rate, s, err := wav.Read(f)
	if err != nil || rate != 8000 || len(s) != 32000 {
		t.Fatalf("wav: rate %d, %d samples, %v", rate, len(s), err)
	}
	// 0.5 s on, 0.5 s off: silent from 4000 to 8000.
	for i := 4000; i < 8000; i++ {
		if s[i] != 0 {
			t.Fatalf("sample %d = %d, want silence", i, s[i])
		}
	}
	if s[1000] == 0 && s[1001] == 0 {
		t.Error("no tone in the first on period")
	}
}

func TestCPTFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rb.wav")
	var out, errb bytes.Buffer
	code := run([]string{"-cpt", "../../media/tone/testdata/usa_tones.ini", "-tone", "ringback", "-seconds", "1", "-out", path}, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "ringback cadence 440+480 Hz") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}

func TestErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x.wav")
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "usage"},
		{[]string{"-country", "zz", "-out", out}, 1, "no presets for country"},
		{[]string{"-tone", "beep", "-out", out}, 1, "unknown tone type"},
		{[]string{"-seconds", "0", "-out", out}, 2, "usage"},
		{[]string{"-cpt", "missing.ini", "-out", out}, 1, "no such file"},
	} {
		var o, e bytes.Buffer
		if code := run(c.args, &o, &e); code != c.code || !strings.Contains(e.String(), c.msg) {
			t.Errorf("run(%q) = %d, %q; want %d and %q", c.args, code, e.String(), c.code, c.msg)
		}
	}
}
