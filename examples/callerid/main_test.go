package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/media/callerid"
	"github.com/potsgate/potsgate/media/wav"
)

func runOK(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("run %v = %d: %s", args, code, stderr.String())
	}
	return stdout.String()
}

// decode reads the WAV and runs the package's own FSK receiver on it.
func decode(t *testing.T, std callerid.Standard, path string) []callerid.Message {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rate, s, err := wav.Read(bytes.NewReader(b))
	if err != nil || rate != 8000 {
		t.Fatalf("wav: %d %v", rate, err)
	}
	r, err := callerid.NewReceiver(std, callerid.ReceiverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r.Process(s)
	var out []callerid.Message
	for m, ok := r.Next(); ok; m, ok = r.Next() {
		out = append(out, m)
	}
	return out
}

func TestRunFSK(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		std  callerid.Standard
		args []string
		want callerid.Message
	}{
		{callerid.Bellcore, []string{"-type", "bellcore", "-number", "5551234567", "-name", "JOHN DOE"},
			callerid.Message{Number: "5551234567", Name: "JOHN DOE"}},
		{callerid.Bellcore, []string{"-type", "bellcore", "-sdmf", "-number", "5551234567"},
			callerid.Message{Format: callerid.SDMF, Number: "5551234567"}},
		{callerid.ETSI, []string{"-type", "etsi", "-number", "0612345678", "-name", "ALICE", "-level", "-30"},
			callerid.Message{Number: "0612345678", Name: "ALICE"}},
		{callerid.Bellcore, []string{"-type", "bellcore", "-absent", "private", "-type2"},
			callerid.Message{NumberAbsence: callerid.Private, NameAbsence: callerid.Private}},
		{callerid.Bellcore, []string{"-type", "bellcore", "-mwi", "on"},
			callerid.Message{Kind: callerid.MessageWaiting, Waiting: true}},
	} {
		f := filepath.Join(dir, "x.wav")
		out := runOK(t, append(c.args, "-date", "11241530", "-out", f)...)
		if !strings.HasPrefix(out, f+": "+c.std.String()) {
			t.Errorf("%v: stdout %q", c.args, out)
		}
		got := decode(t, c.std, f)
		if len(got) != 1 {
			t.Fatalf("%v: decoded %+v", c.args, got)
		}
		g := got[0]
		g.Time = time.Time{}
		if g != c.want {
			t.Errorf("%v: decoded %+v, want %+v", c.args, g, c.want)
		}
		if c.want.Kind == callerid.CallSetup && got[0].Time.Format("01021504") != "11241530" {
			t.Errorf("%v: time %v", c.args, got[0].Time)
		}
	}
}

func TestRunPeers(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "b.wav")
	runOK(t, "-type", "bellcore", "-number", "5551234567", "-name", "JOHN DOE", "-date", "11241530", "-out", f)
	out, err := peer.Run(t, 30*time.Second, dir, "minimodem", "--rx", "-q", "-f", f, "callerid")
	if err != nil || !strings.Contains(out, "Phone: 555-123-4567\n") || !strings.Contains(out, "Name:  JOHN DOE\n") {
		t.Errorf("minimodem: %v\n%s", err, out)
	}
	f = filepath.Join(dir, "e.wav")
	runOK(t, "-type", "etsi", "-number", "0612345678", "-name", "ALICE", "-date", "11241530", "-out", f)
	out, err = peer.Multimon(t, f, "CLIPFSK")
	if err != nil || !strings.Contains(out, "CID=0612345678 ") || !strings.Contains(out, "CNT=ALICE\n") {
		t.Errorf("multimon-ng CLIPFSK: %v\n%s", err, out)
	}
	f = filepath.Join(dir, "d.wav")
	runOK(t, "-type", "dtmf", "-number", "0612345678", "-out", f)
	out, err = peer.Multimon(t, f, "DTMF")
	var digits strings.Builder
	for _, l := range strings.Split(out, "\n") {
		if d, ok := strings.CutPrefix(strings.TrimSpace(l), "DTMF: "); ok {
			digits.WriteString(d)
		}
	}
	if err != nil || digits.String() != "A0612345678C" {
		t.Errorf("multimon-ng DTMF: %q %v\n%s", digits.String(), err, out)
	}
}

func TestRunErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-type", "ntt"},
		{"-absent", "maybe"},
		{"-mwi", "blink"},
		{"-number", "12-34"},
		{"-type", "dtmf", "-mwi", "on"},
		{"-date", "tomorrow"},
		{"-nosuchflag"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(append(args, "-out", filepath.Join(t.TempDir(), "x.wav")), &stdout, &stderr); code == 0 || stderr.Len() == 0 {
			t.Errorf("run %v = %d, stderr %q", args, code, stderr.String())
		}
	}
}

func Example() {
	f := filepath.Join(os.TempDir(), "callerid-example.wav")
	defer os.Remove(f)
	var out bytes.Buffer
	run([]string{"-type", "dtmf", "-number", "123", "-out", f}, &out, os.Stderr)
	fmt.Print(strings.TrimPrefix(out.String(), f+": "))
	// Output: dtmf digits A123C, 1.10 s
}
