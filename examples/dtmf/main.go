package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/potsgate/potsgate/media/dtmf"
	"github.com/potsgate/potsgate/media/wav"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dtmf", flag.ContinueOnError)
	fs.SetOutput(stderr)
	digits := fs.String("digits", "", "digits to generate (0-9 * # A-D)")
	out := fs.String("out", "", "WAV file to write with -digits")
	detect := fs.String("detect", "", "WAV file (8 kHz, 16-bit mono) to detect digits in")
	toneMs := fs.Int("tone", 70, "tone duration in ms")
	pauseMs := fs.Int("pause", 70, "pause duration in ms")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var err error
	switch {
	case *detect != "" && *digits == "":
		err = detectFile(*detect, stdout)
	case *digits != "" && *out != "" && *detect == "":
		err = generateFile(*digits, *out, *toneMs, *pauseMs)
	default:
		fmt.Fprintln(stderr, "usage: dtmf -digits D -out FILE | dtmf -detect FILE")
		fs.PrintDefaults()
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "dtmf:", err)
		return 1
	}
	return 0
}

func generateFile(digits, path string, toneMs, pauseMs int) error {
	cfg := dtmf.DefaultGeneratorConfig()
	cfg.ToneDuration = time.Duration(toneMs) * time.Millisecond
	cfg.PauseDuration = time.Duration(pauseMs) * time.Millisecond
	g, err := dtmf.NewGenerator(cfg)
	if err != nil {
		return err
	}
	if err := g.Play(digits); err != nil {
		return err
	}
	samples := make([]int16, 800) // 100 ms of silence first
	frame := make([]int16, 80)
	for g.Busy() {
		samples = append(samples, g.Generate(frame)...)
	}
	samples = append(samples, make([]int16, 800)...)
	var buf bytes.Buffer
	if err := wav.Write(&buf, dtmf.SampleRate, samples); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

func detectFile(path string, stdout io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	rate, samples, err := wav.Read(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if rate != dtmf.SampleRate {
		return fmt.Errorf("%s: %w", path, errors.New("sample rate must be 8000 Hz (sox in.wav -r 8000 out.wav)"))
	}
	_, err = fmt.Fprintln(stdout, dtmf.Detect(samples))
	return err
}
