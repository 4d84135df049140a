package v17_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/media/modem"
	"github.com/potsgate/potsgate/media/modem/v17"
)

// frame is 10 ms.
const frame = 80

type nopSink struct{}

func (nopSink) Bit(int)             {}
func (nopSink) Status(modem.Status) {}

// loopBits is a Source that never ends.
type loopBits struct {
	b []int
	n int
}

func (s *loopBits) Bit() int {
	if s.n++; s.n == len(s.b) {
		s.n = 0
	}
	return s.b[s.n]
}

// spandspBench is spandsp's ns per frame for mode (rx or tx) over file.
func spandspBench(b *testing.B, tool, mode string, rate int, file string) float64 {
	b.Helper()
	out, err := peer.Run(b, time.Minute, "", tool, "bench", mode, strconv.Itoa(rate), file)
	if err != nil {
		b.Fatalf("spandspv17 bench: %v\n%s", err, out)
	}
	f := strings.Fields(out)
	if len(f) < 2 {
		b.Fatalf("spandspv17 said %q", out)
	}
	ns, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		b.Fatal(err)
	}
	return ns
}

// BenchmarkReceive: ns per 10 ms frame of our receiver on 5 s of our
// transmitter's signal (long training, data), in a loop; and the ratio to
// spandsp's v17_rx on the same audio in the same run: each side runs the
// whole signal with a new receiver, alternately, eleven times, in the
// thread's CPU time; each side's fastest pass counts (best-ns/frame,
// spandsp-ns/frame, x-spandsp their ratio).
func BenchmarkReceive(b *testing.B) {
	for _, rate := range []int{14400, 9600} {
		b.Run(fmt.Sprint(rate), func(b *testing.B) {
			sig := modulate(b, rate, false, randomBits(rate*5, 5), 400, -13)
			sig = sig[:len(sig)/frame*frame]
			frames := len(sig) / frame
			rx, err := v17.NewReceiver(rate, nopSink{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				off := (i % frames) * frame
				rx.Receive(sig[off : off+frame])
			}
			b.StopTimer()
			if b.N == 1 {
				return
			}
			tool := spandspTool(b)
			file := filepath.Join(b.TempDir(), "sig.raw")
			if err := os.WriteFile(file, pcmBytes(sig), 0o644); err != nil {
				b.Fatal(err)
			}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var ours, theirs float64
			for round := range 11 {
				rx, _ := v17.NewReceiver(rate, nopSink{})
				start := peer.ThreadCPU()
				for off := 0; off < len(sig); off += frame {
					rx.Receive(sig[off : off+frame])
				}
				ns := float64((peer.ThreadCPU() - start).Nanoseconds()) / float64(frames)
				sp := spandspBench(b, tool, "rx", rate, file)
				if round == 0 || ns < ours {
					ours = ns
				}
				if round == 0 || sp < theirs {
					theirs = sp
				}
			}
			b.ReportMetric(ours, "best-ns/frame")
			b.ReportMetric(theirs, "spandsp-ns/frame")
			b.ReportMetric(ours/theirs, "x-spandsp")
		})
	}
}

// BenchmarkTransmit: ns per 10 ms frame of our transmitter (training,
// then data without end), and the ratio to spandsp's v17_tx sending the
// same bits in the same run, measured as for BenchmarkReceive.
func BenchmarkTransmit(b *testing.B) {
	for _, rate := range []int{14400, 9600} {
		b.Run(fmt.Sprint(rate), func(b *testing.B) {
			data := randomBits(rate*5, 6)
			tx, err := v17.NewTransmitter(rate, &loopBits{b: data})
			if err != nil {
				b.Fatal(err)
			}
			out := make([]int16, frame)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				tx.Transmit(out)
			}
			b.StopTimer()
			if b.N == 1 {
				return
			}
			tool := spandspTool(b)
			file := filepath.Join(b.TempDir(), "bits")
			if err := os.WriteFile(file, bitBytes(data), 0o644); err != nil {
				b.Fatal(err)
			}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var ours, theirs float64
			for round := range 11 {
				tx, _ := v17.NewTransmitter(rate, &bits{b: data})
				frames := 0
				start := peer.ThreadCPU()
				for tx.Transmit(out) == frame {
					frames++
				}
				ns := float64((peer.ThreadCPU() - start).Nanoseconds()) / float64(frames)
				sp := spandspBench(b, tool, "tx", rate, file)
				if round == 0 || ns < ours {
					ours = ns
				}
				if round == 0 || sp < theirs {
					theirs = sp
				}
			}
			b.ReportMetric(ours, "best-ns/frame")
			b.ReportMetric(theirs, "spandsp-ns/frame")
			b.ReportMetric(ours/theirs, "x-spandsp")
		})
	}
}
