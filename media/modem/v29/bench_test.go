package v29

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
)

// benchBits: 10 s of data at 9600 bit/s.
func benchBits() []int { return randomBits(96000, 42) }

// BenchmarkReceive: ns per 10 ms frame (80 samples) of a receiver taking
// a whole transmission (training, 10 s of data at 9600 or 7.5 s... of
// data, turn-off, silence) in a loop, and the ratio to spandsp's v29_rx
// over the same audio in the same run. For the ratio both sides run the
// whole audio with a new receiver, one pass each, alternately, seven
// times, in the thread's CPU time; each side's fastest pass counts
// (best-ns/frame, spandsp-ns/frame, x-spandsp their ratio: below 1 is
// faster than spandsp).
func BenchmarkReceive(b *testing.B) {
	tool := spandspTool(b)
	for _, rate := range []int{9600, 7200} {
		b.Run(strconv.Itoa(rate), func(b *testing.B) {
			audio := channel{lead: 400, tail: 800, law: "alaw", snrDB: 30, seed: 1}.apply(transmit(rate, -13, benchBits()))
			audio = audio[:len(audio)/80*80]
			frames := len(audio) / 80
			rx, err := NewReceiver(rate, discard{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				off := (i % frames) * 80
				rx.Receive(audio[off : off+80])
			}
			b.StopTimer()
			if b.N == 1 {
				return
			}
			file := filepath.Join(b.TempDir(), "audio.pcm")
			if err := os.WriteFile(file, pcmBytes(audio), 0o600); err != nil {
				b.Fatal(err)
			}
			ours, theirs := compare(b, func() float64 {
				rx, _ := NewReceiver(rate, discard{})
				start := peer.ThreadCPU()
				for off := 0; off < len(audio); off += 80 {
					rx.Receive(audio[off : off+80])
				}
				return float64((peer.ThreadCPU() - start).Nanoseconds()) / float64(frames)
			}, func() float64 { return spandspBench(b, tool, "rx", rate, file) })
			b.ReportMetric(ours, "best-ns/frame")
			b.ReportMetric(theirs, "spandsp-ns/frame")
			b.ReportMetric(ours/theirs, "x-spandsp")
		})
	}
}

// BenchmarkTransmit: as BenchmarkReceive for the transmitter, sending
// the same bits as spandsp's v29_tx.
func BenchmarkTransmit(b *testing.B) {
	tool := spandspTool(b)
	bits := benchBits()
	for _, rate := range []int{9600, 7200} {
		b.Run(strconv.Itoa(rate), func(b *testing.B) {
			src := &bitSource{bits: bits}
			tx, err := NewTransmitter(rate, src)
			if err != nil {
				b.Fatal(err)
			}
			out := make([]int16, 80)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if tx.Transmit(out) < len(out) {
					src.pos = 0
					_ = tx.Restart(rate)
				}
			}
			b.StopTimer()
			if b.N == 1 {
				return
			}
			file := filepath.Join(b.TempDir(), "bits.txt")
			if err := os.WriteFile(file, []byte(bitText(bits)), 0o600); err != nil {
				b.Fatal(err)
			}
			ours, theirs := compare(b, func() float64 {
				tx, _ := NewTransmitter(rate, &bitSource{bits: bits})
				frames := 0
				start := peer.ThreadCPU()
				for {
					frames++
					if tx.Transmit(out) < len(out) {
						break
					}
				}
				return float64((peer.ThreadCPU() - start).Nanoseconds()) / float64(frames)
			}, func() float64 { return spandspBench(b, tool, "tx", rate, file) })
			b.ReportMetric(ours, "best-ns/frame")
			b.ReportMetric(theirs, "spandsp-ns/frame")
			b.ReportMetric(ours/theirs, "x-spandsp")
		})
	}
}

// compare runs ours and theirs alternately seven times on a locked
// thread and returns each one's fastest.
func compare(b *testing.B, ours, theirs func() float64) (float64, float64) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var o, t float64
	for round := range 7 {
		x, y := ours(), theirs()
		if round == 0 || x < o {
			o = x
		}
		if round == 0 || y < t {
			t = y
		}
	}
	return o, t
}

// spandspBench is spandsp's ns per frame for one pass.
func spandspBench(b *testing.B, tool, what string, rate int, file string) float64 {
	b.Helper()
	out, err := peer.Run(b, 5*time.Minute, "", tool, "bench", what, strconv.Itoa(rate), file)
	if err != nil {
		b.Fatalf("spandspv29: %v\n%s", err, out)
	}
	f := strings.Fields(out)
	if len(f) < 2 {
		b.Fatalf("spandspv29 said %q", out)
	}
	ns, err := strconv.ParseFloat(f[1], 64)
	if err != nil {
		b.Fatal(err)
	}
	return ns
}
