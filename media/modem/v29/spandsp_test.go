package v29

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/media/modem"
)

func spandspTool(t testing.TB) string {
	t.Helper()
	return peer.BuildC(t, filepath.Join("testdata", "spandspv29.c"), "spandsp")
}

func pcmBytes(a []int16) []byte {
	b := make([]byte, 0, 2*len(a))
	for _, v := range a {
		b = binary.LittleEndian.AppendUint16(b, uint16(v))
	}
	return b
}

func bitText(bits []int) string {
	var s strings.Builder
	for _, b := range bits {
		s.WriteByte(byte('0' + b))
	}
	return s.String()
}

// runTool runs the driver with stdin and returns its stdout.
func runTool(t testing.TB, tool string, stdin []byte, args ...string) []byte {
	t.Helper()
	in := filepath.Join(t.TempDir(), "in")
	if err := os.WriteFile(in, stdin, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out, errb bytes.Buffer
	cmd := execCommand(tool, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = f, &out, &errb
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", tool, args, err, errb.String())
		}
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("%s %v: timed out", tool, args)
	}
	return out.Bytes()
}

// spandspTx is spandsp's V.29 signal for bits.
func spandspTx(t testing.TB, tool string, rate int, bits []int) []int16 {
	out := runTool(t, tool, []byte(bitText(bits)), "tx", strconv.Itoa(rate))
	a := make([]int16, len(out)/2)
	for i := range a {
		a[i] = int16(binary.LittleEndian.Uint16(out[2*i:]))
	}
	return a
}

// spandspRx is what spandsp's V.29 receiver makes of audio: its data
// bits and its status reports, in order.
type rxReport struct {
	bits     string
	statuses []int
}

func spandspRx(t testing.TB, tool string, rate int, audio []int16) rxReport {
	out := runTool(t, tool, pcmBytes(audio), "rx", strconv.Itoa(rate))
	var r rxReport
	var bits strings.Builder
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "B":
			bits.WriteString(f[1])
		case "S":
			code, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatalf("driver said %q", line)
			}
			r.statuses = append(r.statuses, code)
		}
	}
	r.bits = bits.String()
	return r
}

// spandsp's SIG_STATUS_* values (spandsp/async.h).
const (
	sigCarrierDown       = -1
	sigCarrierUp         = -2
	sigTrainingSucceeded = -4
	sigTrainingFailed    = -5
)

func TestOursToSpandsp(t *testing.T) {
	tool := spandspTool(t)
	for _, rate := range []int{9600, 7200} {
		t.Run(strconv.Itoa(rate), func(t *testing.T) {
			bits := randomBits(8000, uint64(rate))
			audio := channel{lead: 400, tail: 800}.apply(transmit(rate, DefaultDBm0, bits))
			r := spandspRx(t, tool, rate, audio)
			t.Logf("spandsp statuses %v, %d bits", r.statuses, len(r.bits))
			if !containsStatus(r.statuses, sigTrainingSucceeded) {
				t.Fatalf("spandsp's training did not succeed: %v", r.statuses)
			}
			want := bitText(bits)
			i := strings.Index(r.bits, want)
			if i < 0 {
				t.Fatalf("our %d bits are not in spandsp's %d: first %.80s", len(want), len(r.bits), r.bits)
			}
			if strings.Trim(r.bits[:i], "1") != "" {
				t.Errorf("before our data spandsp had %q, not only ones", r.bits[:i])
			}
		})
	}
}

func TestSpandspToOurs(t *testing.T) {
	tool := spandspTool(t)
	for _, rate := range []int{9600, 7200} {
		t.Run(strconv.Itoa(rate), func(t *testing.T) {
			bits := randomBits(8000, uint64(rate)+1)
			audio := channel{lead: 333, tail: 800}.apply(spandspTx(t, tool, rate, bits))
			sink := receive(rate, audio)
			t.Logf("statuses %v at %v, %d bits", sink.statuses, sink.at, len(sink.bits))
			checkReceived(t, sink, bits)
		})
	}
}

func containsStatus(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

var _ = fmt.Sprint
var _ = modem.CarrierUp
