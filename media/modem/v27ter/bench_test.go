package v27ter_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/media/modem"
	"github.com/potsgate/potsgate/media/modem/v27ter"
)

const frame = 80 // 10 ms

// discard is a sink that keeps nothing.
type discard struct{ bits int }

func (d *discard) Bit(int)             { d.bits++ }
func (d *discard) Status(modem.Status) {}

// loopSource repeats its bits for ever.
type loopSource struct {
	bits []int
	next int
}

func (s *loopSource) Bit() int {
	b := s.bits[s.next]
	if s.next++; s.next == len(s.bits) {
		s.next = 0
	}
	return b
}

// benchAudio is our transmitter's signal for 10 s of random data, with
// its training and turn-off, at -13 dBm0.
func benchAudio(t testing.TB, rate int) ([]int, []int16) {
	data := randomBits(7, 10*rate)
	tx, err := v27ter.NewTransmitter(rate, &bitSource{bits: data})
	if err != nil {
		t.Fatal(err)
	}
	return data, transmit(t, tx)
}

func writeFile(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// spandspBench is spandsp's ns per 10 ms frame, one pass of its driver's
// bench mode over file.
func spandspBench(b *testing.B, tool, dir string, rate int, file string) float64 {
	b.Helper()
	out, err := peer.Run(b, 5*time.Minute, "", tool, "bench", dir, strconv.Itoa(rate), file)
	if err != nil {
		b.Fatalf("spandspv27ter: %v\n%s", err, out)
	}
	f := strings.Fields(out)
	if len(f) < 4 {
		b.Fatalf("spandspv27ter said %q", out)
	}
	ns, err := strconv.ParseFloat(f[3], 64)
	if err != nil {
		b.Fatal(err)
	}
	return ns
}

// BenchmarkReceive: ns per 10 ms frame of our receiver (ns/op: the mean
// over the frames of a receiver that runs 10 s of data, with its training,
// in a loop), and the ratio to spandsp's v27ter_rx over the same audio in
// the same run: both run the whole signal from a restarted receiver, one
// pass each, alternately, seven times, timed in the thread's CPU time;
// each side's fastest pass counts (best-ns/frame, spandsp-ns/frame;
// x-spandsp is their ratio, below 1 is faster than spandsp).
func BenchmarkReceive(b *testing.B) {
	tool := spandspTool(b)
	for _, rate := range []int{4800, 2400} {
		b.Run(strconv.Itoa(rate), func(b *testing.B) {
			_, audio := benchAudio(b, rate)
			frames := len(audio) / frame
			sink := &discard{}
			rx, err := v27ter.NewReceiver(rate, sink)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				f := i % frames
				if f == 0 {
					_ = rx.Restart(rate)
				}
				rx.Receive(audio[f*frame : (f+1)*frame])
			}
			b.StopTimer()
			if b.N == 1 {
				return // the sizing call
			}
			file := writeFile(b, "audio.pcm", pcmBytes(audio))
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var ours, theirs float64
			for round := range 7 {
				_ = rx.Restart(rate)
				sink.bits = 0
				start := peer.ThreadCPU()
				for f := range frames {
					rx.Receive(audio[f*frame : (f+1)*frame])
				}
				ns := float64((peer.ThreadCPU() - start).Nanoseconds()) / float64(frames)
				if sink.bits < 10*rate {
					b.Fatalf("our receiver gave %d bits of %d", sink.bits, 10*rate)
				}
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

// BenchmarkTransmit: as BenchmarkReceive, for our transmitter against
// spandsp's v27ter_tx making the signal of the same 10 s of data.
func BenchmarkTransmit(b *testing.B) {
	tool := spandspTool(b)
	for _, rate := range []int{4800, 2400} {
		b.Run(strconv.Itoa(rate), func(b *testing.B) {
			data := randomBits(7, 10*rate)
			tx, err := v27ter.NewTransmitter(rate, &loopSource{bits: data})
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
			file := writeFile(b, "bits.txt", bitChars(data))
			src := &bitSource{bits: data}
			tx, err = v27ter.NewTransmitter(rate, src)
			if err != nil {
				b.Fatal(err)
			}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var ours, theirs float64
			for round := range 7 {
				src.next = 0
				_ = tx.Restart(rate)
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
