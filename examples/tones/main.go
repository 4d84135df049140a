package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/potsgate/potsgate/media/tone"
	"github.com/potsgate/potsgate/media/wav"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tones", flag.ContinueOnError)
	fs.SetOutput(stderr)
	country := fs.String("country", "us", "ISO 3166 country code ("+strings.Join(tone.Countries(), ", ")+")")
	cpt := fs.String("cpt", "", "call progress tones .ini file to take the tone from instead of -country")
	name := fs.String("tone", "dial", "tone: dial, ringback, busy, congestion, warning, reorder, confirmation, call-waiting, stutter-dial, howler, hold")
	seconds := fs.Float64("seconds", 4, "length in seconds")
	out := fs.String("out", "", "WAV file to write")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" || fs.NArg() != 0 || !(*seconds > 0 && *seconds <= 600) {
		fmt.Fprintln(stderr, "usage: tones [-country CC | -cpt FILE] -tone NAME -seconds S -out FILE")
		fs.PrintDefaults()
		return 2
	}
	def, err := lookup(*country, *cpt, *name)
	if err == nil {
		err = write(def, *seconds, *out)
	}
	if err != nil {
		fmt.Fprintln(stderr, "tones:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: %v %v %g+%g Hz, %g/%g dBm0, cadence %v\n", *out, def.Type, def.Form,
		def.Low, def.High, def.LowLevel, def.HighLevel, def.Cadence[:def.Steps()])
	return 0
}

func lookup(country, cpt, name string) (tone.Definition, error) {
	typ, err := tone.ParseType(strings.ToLower(name))
	if err != nil {
		return tone.Definition{}, err
	}
	var set tone.Set
	if cpt != "" {
		f, err := os.Open(cpt)
		if err != nil {
			return tone.Definition{}, err
		}
		defer f.Close()
		defs, err := tone.ParseCPT(f)
		if err != nil {
			return tone.Definition{}, fmt.Errorf("%s: %w", cpt, err)
		}
		set = tone.Set{Country: cpt, Tones: defs}
	} else if set, err = tone.Country(country); err != nil {
		return tone.Definition{}, err
	}
	def, ok := set.Tone(typ)
	if !ok {
		return tone.Definition{}, fmt.Errorf("%s has no %v tone", set.Country, typ)
	}
	return def, nil
}

func write(def tone.Definition, seconds float64, path string) error {
	g, err := tone.NewGenerator(def)
	if err != nil {
		return err
	}
	samples := make([]int16, int(seconds*tone.SampleRate))
	frame := samples
	for len(frame) > 0 { // 10 ms frames, as a channel would
		n := min(80, len(frame))
		g.Generate(frame[:n])
		frame = frame[n:]
	}
	var buf bytes.Buffer
	if err := wav.Write(&buf, tone.SampleRate, samples); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
