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

// spandspTx is spandsp's V.29 signal for bits at level dBm0.
func spandspTx(t testing.TB, tool string, rate int, level float64, bits []int, tep bool) []int16 {
	flag := "0"
	if tep {
		flag = "1"
	}
	out := runTool(t, tool, []byte(bitText(bits)), "tx", strconv.Itoa(rate), strconv.FormatFloat(level, 'f', -1, 64), flag)
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

// interopCases: the paths between the two modems in the interop tests:
// clean; G.711 with noise 25 dB down and a clock offset, at a level each
// receiver must take (spandsp's carrier detector is at -26 dBm0 by
// default, so ours sends it no weaker than -24); a telephone line's band
// edges with a 5 Hz carrier offset.
type interopCase struct {
	name  string
	level float64 // of the sender
	ch    channel
}

func interopCases(weakest float64) []interopCase {
	return []interopCase{
		{"clean", -13, channel{lead: 333, tail: 800}},
		{"ulaw/snr25/+100ppm", -13, channel{lead: 1234, frac: 0.4, tail: 800, law: "ulaw", snrDB: 25, ppm: 100, seed: 1}},
		{"alaw/snr25/-100ppm", weakest, channel{lead: 777, frac: 0.8, tail: 800, law: "alaw", snrDB: 25, ppm: -100, seed: 2}},
		{"line/+5Hz/alaw/snr25", -20, channel{lead: 555, frac: 0.5, tail: 800, law: "alaw", snrDB: 25, seed: 3, shift: 5, line: true}},
	}
}

// TestOursToSpandsp: spandsp's v29_rx trains on our transmitter and
// gives exactly our bits (after at most ones, from segment 4).
func TestOursToSpandsp(t *testing.T) {
	tool := spandspTool(t)
	for _, rate := range []int{9600, 7200} {
		for _, c := range interopCases(-24) {
			t.Run(fmt.Sprintf("%d/%s/%gdBm0", rate, c.name, c.level), func(t *testing.T) {
				bits := randomBits(20000, uint64(rate))
				audio := c.ch.apply(transmit(rate, c.level, bits))
				r := spandspRx(t, tool, rate, audio)
				if !containsStatus(r.statuses, sigTrainingSucceeded) || containsStatus(r.statuses, sigTrainingFailed) {
					t.Fatalf("spandsp's statuses: %v", r.statuses)
				}
				want := bitText(bits)
				i := strings.Index(r.bits, want)
				if i < 0 {
					t.Fatalf("our %d bits are not in spandsp's %d: first %.80s", len(want), len(r.bits), r.bits)
				}
				if strings.Trim(r.bits[:i], "1") != "" {
					t.Errorf("before our data spandsp had %q, not only ones", r.bits[:i])
				}
				if !containsStatus(r.statuses, sigCarrierDown) {
					t.Errorf("spandsp saw no carrier down: %v", r.statuses)
				}
			})
		}
	}
}

// TestSpandspToOurs: our receiver trains on spandsp's v29_tx and gives
// exactly its bits from the first data bit on.
func TestSpandspToOurs(t *testing.T) {
	tool := spandspTool(t)
	for _, rate := range []int{9600, 7200} {
		for _, c := range interopCases(-43) {
			t.Run(fmt.Sprintf("%d/%s/%gdBm0", rate, c.name, c.level), func(t *testing.T) {
				bits := randomBits(20000, uint64(rate)+1)
				sink := receive(rate, c.ch.apply(spandspTx(t, tool, rate, c.level, bits, false)))
				checkReceived(t, sink, bits)
			})
		}
	}
}

// TestSpandspTEP: spandsp's transmitter with the talker echo protection
// tone (1800 Hz, about 200 ms, and 20 ms of silence) before the training:
// ours trains on the training and gives every bit, and does not report a
// failed training for the tone.
func TestSpandspTEP(t *testing.T) {
	tool := spandspTool(t)
	for _, rate := range []int{9600, 7200} {
		t.Run(strconv.Itoa(rate), func(t *testing.T) {
			bits := randomBits(8000, 5)
			sink := receive(rate, channel{lead: 444, tail: 800, law: "ulaw"}.apply(spandspTx(t, tool, rate, -13, bits, true)))
			t.Logf("statuses %v", sink.statuses)
			if sink.has(modem.TrainingFailed) {
				t.Errorf("training failed on the tone: %v", sink.statuses)
			}
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

// TestNoiseVersusSpandsp: our transmitter's signal with white noise at
// 20, 18 and 16 dB SNR (-20 dBm0, linear), into our receiver and
// spandsp's. Ours must train wherever spandsp's does (at 18 dB and more)
// and make no more bit errors than spandsp's.
func TestNoiseVersusSpandsp(t *testing.T) {
	tool := spandspTool(t)
	var table strings.Builder
	table.WriteString("\n| rate | SNR | ours trained | ours bit errors | spandsp trained | spandsp bit errors |\n|---|---|---|---|---|---|\n")
	for _, rate := range []int{9600, 7200} {
		for _, snr := range []float64{20, 18, 16} {
			var ours, theirs, oursTrained, theirsTrained int
			const runs = 4
			for seed := uint64(1); seed <= runs; seed++ {
				bits := randomBits(20000, seed)
				ch := channel{lead: 500 + int(seed)*37, frac: 0.2 * float64(seed), tail: 800, snrDB: snr, seed: seed}
				audio := ch.apply(transmit(rate, -20, bits))
				sink := receive(rate, audio)
				trained := sink.has(modem.TrainingSucceeded) && len(sink.bits) >= len(bits)
				if trained {
					oursTrained++
					for i, b := range bits {
						if sink.bits[i] != b {
							ours++
						}
					}
				} else {
					ours += len(bits) / 2
				}
				r := spandspRx(t, tool, rate, audio)
				want := bitText(bits)
				i := strings.Index(r.bits, want[:64])
				spTrained := containsStatus(r.statuses, sigTrainingSucceeded) && i >= 0 && len(r.bits) >= i+len(want)
				if spTrained {
					theirsTrained++
					for k := range want {
						if r.bits[i+k] != want[k] {
							theirs++
						}
					}
				} else {
					theirs += len(bits) / 2
				}
				if spTrained && !trained && snr >= 18 {
					t.Errorf("%d at %g dB, seed %d: spandsp trained, ours did not (%v)", rate, snr, seed, sink.statuses)
				}
			}
			fmt.Fprintf(&table, "| %d | %g dB | %d/%d | %d | %d/%d | %d |\n", rate, snr, oursTrained, runs, ours, theirsTrained, runs, theirs)
			if ours > theirs {
				t.Errorf("%d at %g dB: %d bit errors, spandsp %d", rate, snr, ours, theirs)
			}
		}
	}
	t.Log("80,000 bits per row; a run not trained counts half its bits as errors:" + table.String())
}
