package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenerateThenDetect(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.wav")
	var out, errb bytes.Buffer
	if code := run([]string{"-digits", "0123456789*#ABCD", "-out", path}, &out, &errb); code != 0 {
		t.Fatalf("generate: exit %d: %s", code, errb.String())
	}
	out.Reset()
	if code := run([]string{"-detect", path}, &out, &errb); code != 0 {
		t.Fatalf("detect: exit %d: %s", code, errb.String())
	}
	if got := out.String(); got != "0123456789*#ABCD\n" {
		t.Errorf("detected %q", got)
	}
	// Short tones and pauses still at the Q.24 minimum.
	if code := run([]string{"-digits", "1133", "-tone", "40", "-pause", "40", "-out", path}, &out, &errb); code != 0 {
		t.Fatalf("generate: exit %d: %s", code, errb.String())
	}
	out.Reset()
	run([]string{"-detect", path}, &out, &errb)
	if got := out.String(); got != "1133\n" {
		t.Errorf("detected %q, want 1133", got)
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
		{[]string{"-digits", "12x", "-out", filepath.Join(dir, "x.wav")}, 1, "not a DTMF digit"},
		{[]string{"-detect", filepath.Join(dir, "missing.wav")}, 1, "no such file"},
		{[]string{"-bogus"}, 2, "flag provided but not defined"},
	} {
		var out, errb bytes.Buffer
		if code := run(c.args, &out, &errb); code != c.code || !strings.Contains(errb.String(), c.msg) {
			t.Errorf("run(%q) = %d, %q; want %d and %q", c.args, code, errb.String(), c.code, c.msg)
		}
	}
}
