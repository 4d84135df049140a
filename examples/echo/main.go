package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/media/echo"
	"github.com/potsgate/potsgate/media/wav"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("echo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "", "8 kHz mono 16-bit WAV of the far end's voice (default: a built-in voice-like signal)")
	toneHz := fs.Float64("tone", 0, "use a sine of this frequency (Hz) at -10 dBm0 instead")
	seconds := fs.Float64("seconds", 6, "length of the built-in signal or tone, seconds")
	model := fs.String("model", "D.5", "G.168 Annex D hybrid model, D.2 to D.9")
	erl := fs.Float64("erl", 6, "echo return loss of the hybrid, dB")
	delay := fs.Duration("delay", 5*time.Millisecond, "flat delay of the line before the hybrid")
	tail := fs.Duration("tail", echo.Tail64, "canceller tail: 32ms, 64ms or 128ms")
	nlp := fs.Bool("nlp", true, "run the non-linear processor (comfort noise in place of the residual)")
	out := fs.String("out", "", "directory for before.wav and after.wav")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" || fs.NArg() != 0 || !(*seconds > 0 && *seconds <= 600) {
		fmt.Fprintln(stderr, "usage: echo [-in FILE | -tone HZ] [-model D.N] [-erl DB] [-delay D] [-tail D] [-nlp=false] -out DIR")
		fs.PrintDefaults()
		return 2
	}
	if err := hear(stdout, *in, *toneHz, *seconds, *model, *erl, *delay, *tail, *nlp, *out); err != nil {
		fmt.Fprintln(stderr, "echo:", err)
		return 1
	}
	return 0
}

func hear(stdout io.Writer, in string, toneHz, seconds float64, model string, erl float64, delay, tail time.Duration, nlp bool, dir string) error {
	m, err := parseModel(model)
	if err != nil {
		return err
	}
	far, err := farEnd(in, toneHz, seconds)
	if err != nil {
		return err
	}
	c, err := echo.New(echo.Config{Tail: tail, NoNLP: !nlp})
	if err != nil {
		return err
	}
	hybrid, err := sim.NewEchoPath(sim.Hybrid{Response: m.Response(erl), Delay: delay})
	if err != nil {
		return err
	}
	n := len(far) / echo.FrameSamples * echo.FrameSamples
	before, after := make([]int16, n), make([]int16, n)
	for off := 0; off < n; off += echo.FrameSamples {
		rin := far[off : off+echo.FrameSamples]
		sin := before[off : off+echo.FrameSamples]
		hybrid.Add(rin, sin) // what the line sends back: the echo
		c.Process(rin, sin, after[off:off+echo.FrameSamples])
	}
	for name, pcm := range map[string][]int16{"before.wav": before, "after.wav": after} {
		var b bytes.Buffer
		if err := wav.Write(&b, 8000, pcm); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	// The reduction after the first second, while the canceller learns.
	from := min(8000, n)
	s := c.Stats()
	fmt.Fprintf(stdout, "%s: hybrid %v at %.1f dB ERL, %v delay; canceller %v tail\n", dir, m, erl, delay, tail)
	fmt.Fprintf(stdout, "echo %.1f dB lower after 1 s; canceller %v, ERL %.1f dB, ERLE %.1f dB\n",
		ratioDB(before[from:], after[from:]), s.State, s.ERL, s.ERLE)
	return nil
}

func parseModel(s string) (sim.G168Model, error) {
	for _, m := range sim.G168Models() {
		if strings.EqualFold(s, m.String()) || strings.EqualFold("D."+s, m.String()) || strings.EqualFold(strings.Replace(s, "D", "D.", 1), m.String()) {
			return m, nil
		}
	}
	return 0, fmt.Errorf("no G.168 model %q (D.2 to D.9)", s)
}

// farEnd is the far end's voice: a WAV file, a tone, or the built-in
// signal (voiced bursts, noise and pauses, like G.168's composite source).
func farEnd(in string, toneHz, seconds float64) ([]int16, error) {
	n := int(seconds * 8000)
	switch {
	case in != "":
		f, err := os.Open(in)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		rate, pcm, err := wav.Read(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", in, err)
		}
		if rate != 8000 {
			return nil, fmt.Errorf("%s: %d Hz, want 8000 (sox %s -r 8000 -c 1 -b 16 out.wav)", in, rate, in)
		}
		return pcm, nil
	case toneHz > 0:
		if toneHz >= 4000 {
			return nil, fmt.Errorf("tone %g Hz is above 4 kHz", toneHz)
		}
		out := make([]int16, n)
		for i := range out {
			out[i] = int16(6500 * math.Sin(2*math.Pi*toneHz*float64(i)/8000))
		}
		return out, nil
	}
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]int16, n)
	var lp, r1, r2 float64
	for i := range out {
		var v float64
		switch t := i % 2800; {
		case t < 400: // voiced: a 150 Hz pulse train through a 700 Hz formant
			if t%53 == 0 {
				v = 6
			}
			y := v + 1.8*math.Cos(2*math.Pi*700/8000)*r1 - 0.81*r2
			r2, r1 = r1, y
			v = 900 * y
		case t < 2000: // unvoiced: noise falling with frequency
			lp = 0.6*lp + r.NormFloat64()
			v = 2500 * lp
		}
		out[i] = int16(max(min(v, 32767), -32768))
	}
	return out, nil
}

func ratioDB(a, b []int16) float64 {
	var ea, eb float64
	for i := range a {
		ea += float64(a[i]) * float64(a[i])
		eb += float64(b[i]) * float64(b[i])
	}
	return 10 * math.Log10((ea+1)/(eb+1))
}
