package faxrelay_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/faxpeer"
	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/media/faxrelay"
	"github.com/potsgate/potsgate/media/t38"
)

// recordCall runs a one-page fax through a gateway with spandsp's peers
// (dir "receive": the fax machine on the port sends, the gateway
// demodulates; "send": a T.38 terminal sends, the gateway modulates) and
// returns its frames.
func recordCall(b *testing.B, tool, img, modems, dir string) []frameRec {
	rx := filepath.Join(b.TempDir(), "rx.tif")
	o := faxpeer.Options{Modems: modems, Timeout: 200e9}
	col := &collect{t: b}
	g, err := faxrelay.New(faxrelay.Config{}, col)
	if err != nil {
		b.Fatal(err)
	}
	var rec []frameRec
	var rf, rt faxpeer.Result
	if dir == "receive" {
		rf, rt = recordGateway(b, faxpeer.Send(b, tool, img, o), faxpeer.T38Receive(b, tool, rx, o), g, col, &rec, nil, 0)
	} else {
		rf, rt = recordGateway(b, faxpeer.Receive(b, tool, rx, o), faxpeer.T38Send(b, tool, img, o), g, col, &rec, nil, 0)
	}
	if !rf.OK() || !rt.OK() {
		b.Fatalf("recording the call: %v; %v", rf, rt)
	}
	return rec
}

// dataFrames is the span of the page: from the last training indicator
// (either way) to the data's sig-end after it.
func dataFrames(b *testing.B, rec []frameRec) (from, to int) {
	from, to = -1, -1
	for i, f := range rec {
		for _, pk := range append(append([][]byte{}, f.recv...), f.sent...) {
			var p t38.IFP
			if p.Unmarshal(pk) != nil {
				continue
			}
			if !p.IsData && p.Indicator >= t38.V27ter2400Training && p.Indicator <= t38.V17_14400LongTraining {
				from = i
			}
			if p.IsData && p.DataType != t38.V21 && len(p.Fields) > 0 && p.Fields[len(p.Fields)-1].Type == t38.T4NonECMSigEnd {
				to = i + 1
			}
		}
	}
	if from < 0 || to <= from {
		b.Fatalf("no page in the recording (%d-%d)", from, to)
	}
	return from, to
}

// BenchmarkAudio: the gateway's cost per 10 ms frame while a page passes
// (ns/op: the mean over the page's frames, Audio and ReceiveIFP of the
// packets decoded beforehand), and the ratio to spandsp's T.38 gateway
// (t38_gateway_rx, t38_gateway_tx and t38_core_rx_ifp_packet) on the same
// frames in the same run: both run the whole call, the page's frames
// timed on the thread's CPU clock, alternately five times, each side's
// fastest pass counts (best-ns/frame, spandsp-ns/frame, x-spandsp).
func BenchmarkAudio(b *testing.B) {
	tool := faxpeer.Tool(b)
	img := faxpeer.Image(b, tool, 1)
	for _, m := range []string{"v27ter", "v29", "v17"} {
		for _, dir := range []string{"receive", "send"} {
			b.Run(m+"/"+dir, func(b *testing.B) {
				rec := recordCall(b, tool, img, m, dir)
				from, to := dataFrames(b, rec)
				if os.Getenv("FAXRELAY_BENCHINFO") != "" {
					peak := 0
					for _, f := range rec[from:to] {
						for _, v := range f.in {
							peak = max(peak, int(v), -int(v))
						}
					}
					b.Logf("page frames %d-%d, input peak %d", from, to, peak)
				}
				ifp := make([][]*t38.IFP, len(rec))
				var file bytes.Buffer
				for i, f := range rec {
					_ = binary.Write(&file, binary.LittleEndian, f.in)
					for _, pk := range f.recv {
						p := new(t38.IFP)
						if err := p.Unmarshal(pk); err != nil {
							b.Fatal(err)
						}
						ifp[i] = append(ifp[i], p)
						_ = binary.Write(&file, binary.LittleEndian, uint16(len(pk)))
						file.Write(pk)
					}
					_ = binary.Write(&file, binary.LittleEndian, uint16(0))
				}
				path := filepath.Join(b.TempDir(), "call.bin")
				if err := os.WriteFile(path, file.Bytes(), 0o644); err != nil {
					b.Fatal(err)
				}
				out := make([]int16, 80)
				newGW := func() *faxrelay.Gateway {
					g, err := faxrelay.New(faxrelay.Config{}, &count{})
					if err != nil {
						b.Fatal(err)
					}
					return g
				}
				frame := func(g *faxrelay.Gateway, i int) {
					for _, p := range ifp[i] {
						g.ReceiveIFP(p)
					}
					g.Audio(rec[i].in[:], out)
				}
				// ns/op: the page's frames, the gateway brought to them
				// untimed.
				g := newGW()
				for i := range from {
					frame(g, i)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for n := range b.N {
					i := from + n%(to-from)
					if i == from && n > 0 {
						b.StopTimer()
						g = newGW()
						for j := range from {
							frame(g, j)
						}
						b.StartTimer()
					}
					frame(g, i)
				}
				b.StopTimer()
				if b.N == 1 {
					return
				}
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				var ours, theirs float64
				for round := range 5 {
					g := newGW()
					for i := range from {
						frame(g, i)
					}
					// One clock reading each side of the page: a reading
					// per frame would cost more than a tenth of a frame.
					t0 := peer.ThreadCPU()
					for i := from; i < to; i++ {
						frame(g, i)
					}
					spent := peer.ThreadCPU() - t0
					ns := float64(spent.Nanoseconds()) / float64(to-from)
					sp := spandspBench(b, tool, path, from, to)
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
}

var benchLine = regexp.MustCompile(`frames (\d+) ns-per-frame ([0-9.]+)`)

func spandspBench(b *testing.B, tool, path string, from, to int) float64 {
	b.Helper()
	out, err := peer.Run(b, 5*time.Minute, "", tool, "bench", path, strconv.Itoa(from), strconv.Itoa(to))
	m := benchLine.FindStringSubmatch(out)
	if err != nil || m == nil {
		b.Fatalf("spandspfax bench: %v\n%s", err, out)
	}
	if n, _ := strconv.Atoi(m[1]); n != to-from {
		b.Fatalf("spandsp timed %d frames, want %d", n, to-from)
	}
	v, _ := strconv.ParseFloat(m[2], 64)
	return v
}
