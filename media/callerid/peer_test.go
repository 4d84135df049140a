package callerid

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

var testTime = time.Date(2024, 11, 24, 15, 30, 0, 0, time.UTC)

// writeWAV writes samples framed by 200 ms of silence to dir/name.
func writeWAV(t *testing.T, dir, name string, samples []int16) string {
	t.Helper()
	pad := make([]int16, 1600)
	all := append(append(append([]int16{}, pad...), samples...), pad...)
	var buf bytes.Buffer
	if err := wav.Write(&buf, SampleRate, all); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustSamples(t *testing.T, std Standard, m Message, opts Options) []int16 {
	t.Helper()
	s, err := Samples(std, m, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// findMessage scans raw received bytes for an SDMF/MDMF message with a
// valid checksum, like shared/peers/fsk/check_cid.py.
func findMessage(raw []byte) (Message, bool) {
	for i, c := range raw {
		switch c {
		case typeSDMFCallSetup, typeSDMFMWI, typeMDMFCallSetup, typeMDMFMWI:
			if m, err := Decode(raw[i:]); err == nil {
				return m, true
			}
		}
	}
	return Message{}, false
}

func TestMinimodemCallerID(t *testing.T) {
	peer.Require(t, "minimodem")
	dir := t.TempDir()
	cases := []struct {
		name string
		m    Message
		want []string
	}{
		{"sdmf", Message{Format: SDMF, Time: testTime, Number: "5551234567"},
			[]string{"Phone: 555-123-4567\n", "Time:  11/24 15:30\n"}},
		{"mdmf", Message{Time: testTime, Number: "5551234567", Name: "JOHN DOE"},
			[]string{"Phone: 555-123-4567\n", "Name:  JOHN DOE\n", "Time:  11/24 15:30\n"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := writeWAV(t, dir, c.name+".wav", mustSamples(t, Bellcore, c.m, Options{}))
			out, err := peer.Run(t, 30*time.Second, dir, "minimodem", "--rx", "-q", "-R", "8000", "-f", f, "callerid")
			if err != nil {
				t.Fatalf("minimodem: %v\n%s", err, out)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("minimodem callerid output lacks %q:\n%s", w, out)
				}
			}
			raw, err := peer.Run(t, 30*time.Second, dir, "minimodem", "--rx", "1200", "-q", "-R", "8000", "-f", f)
			if err != nil {
				t.Fatalf("minimodem 1200: %v", err)
			}
			got, ok := findMessage([]byte(raw))
			if !ok {
				t.Fatalf("no message with a valid checksum in minimodem's bytes %q", raw)
			}
			if got.Number != c.m.Number || got.Name != c.m.Name || got.Format != c.m.Format {
				t.Errorf("minimodem bytes decode to %+v, want %+v", got, c.m)
			}
		})
	}
}

func TestMultimonCLIPFSK(t *testing.T) {
	peer.Require(t, "multimon-ng")
	dir := t.TempDir()
	m := Message{Time: testTime, Number: "5551234567", Name: "JOHN DOE"}
	for _, std := range []Standard{Bellcore, ETSI} {
		t.Run(std.String(), func(t *testing.T) {
			f := writeWAV(t, dir, std.String()+".wav", mustSamples(t, std, m, Options{}))
			out, err := peer.Multimon(t, f, "CLIPFSK")
			if err != nil {
				t.Fatalf("multimon-ng: %v\n%s", err, out)
			}
			for _, w := range []string{"DATE=11241530 ", "CID=5551234567 ", "CNT=JOHN DOE\n"} {
				if !strings.Contains(out, w) {
					t.Errorf("multimon-ng output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestMultimonDTMF(t *testing.T) {
	peer.Require(t, "multimon-ng")
	dir := t.TempDir()
	for _, c := range []struct {
		m    Message
		want string
	}{
		{Message{Number: "0612345678"}, "A0612345678C"},
		{Message{NumberAbsence: Private}, "B00C"},
		{Message{NumberAbsence: Unavailable}, "B10C"},
	} {
		t.Run(c.want, func(t *testing.T) {
			f := writeWAV(t, dir, c.want+".wav", mustSamples(t, ETSIDTMF, c.m, Options{}))
			out, err := peer.Multimon(t, f, "DTMF")
			if err != nil {
				t.Fatalf("multimon-ng: %v\n%s", err, out)
			}
			var got strings.Builder
			for _, line := range strings.Split(out, "\n") {
				if d, ok := strings.CutPrefix(strings.TrimSpace(line), "DTMF: "); ok {
					got.WriteString(d)
				}
			}
			if got.String() != c.want {
				t.Errorf("multimon-ng decoded %q, want %q\n%s", got.String(), c.want, out)
			}
		})
	}
}

func TestMultimonVMWIAndType2(t *testing.T) {
	peer.Require(t, "multimon-ng")
	dir := t.TempDir()
	run := func(name string, s []int16) string {
		f := writeWAV(t, dir, name+".wav", s)
		out, err := peer.Multimon(t, f, "CLIPFSK")
		if err != nil {
			t.Fatalf("multimon-ng: %v\n%s", err, out)
		}
		return out
	}
	for _, std := range []Standard{Bellcore, ETSI} {
		if out := run("on", mustSamples(t, std, Message{Kind: MessageWaiting, Waiting: true}, Options{})); !strings.Contains(out, "MWI VI=. Activation") {
			t.Errorf("%v VMWI on: %q", std, out)
		}
		if out := run("off", mustSamples(t, std, Message{Kind: MessageWaiting}, Options{})); !strings.Contains(out, "MWI VI=. Deactivation") {
			t.Errorf("%v VMWI off: %q", std, out)
		}
	}
	// Type 2: CAS, 100 ms pause, then marks and the message (no seizure).
	m := Message{Time: testTime, Number: "5551234", Name: "BOB"}
	cas := NewAlertSignal(0, 0)
	s := make([]int16, cas.Len()+800)
	cas.Generate(s)
	s = append(s, mustSamples(t, Bellcore, m, Options{Type2: true})...)
	if out := run("type2", s); !strings.Contains(out, "CID=5551234 ") || !strings.Contains(out, "CNT=BOB\n") {
		t.Errorf("type 2: %q", out)
	}
	mm, err := peer.Run(t, 30*time.Second, dir, "minimodem", "--rx", "-q", "-R", "8000", "-f", filepath.Join(dir, "type2.wav"), "callerid")
	if err != nil || !strings.Contains(mm, "Phone: 5551234\n") || !strings.Contains(mm, "Name:  BOB\n") {
		t.Errorf("minimodem type 2: %v %q", err, mm)
	}
}
