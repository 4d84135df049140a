package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/potsgate/potsgate/media/callerid"
	"github.com/potsgate/potsgate/media/wav"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole program; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("callerid", flag.ContinueOnError)
	fs.SetOutput(stderr)
	typ := fs.String("type", "bellcore", "signalling: bellcore, etsi or dtmf")
	number := fs.String("number", "", "calling number (digits)")
	name := fs.String("name", "", "calling name (FSK only)")
	out := fs.String("out", "callerid.wav", "output WAV file")
	sdmf := fs.Bool("sdmf", false, "Bellcore single data message format")
	absent := fs.String("absent", "", "absence reason when no number/name: private or unavailable")
	mwi := fs.String("mwi", "", "send a message waiting indicator instead: on or off")
	type2 := fs.Bool("type2", false, "off-hook (call waiting) form: CAS, then FSK without channel seizure")
	level := fs.Float64("level", 0, "level in dBm0 (0 = standard default)")
	date := fs.String("date", "", "date and time MMDDHHMM (default: now; FSK only)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	std, err := callerid.ParseStandard(*typ)
	if err != nil {
		fmt.Fprintln(stderr, "callerid:", err)
		return 2
	}
	m := callerid.Message{Number: *number, Name: *name}
	if *sdmf {
		m.Format = callerid.SDMF
	}
	if std != callerid.ETSIDTMF {
		m.Time = time.Now()
		if *date != "" {
			t, err := time.Parse("01021504", *date)
			if err != nil {
				fmt.Fprintln(stderr, "callerid: -date wants MMDDHHMM:", err)
				return 2
			}
			m.Time = t
		}
	}
	switch *absent {
	case "":
	case "private":
		m.NumberAbsence, m.NameAbsence = callerid.Private, callerid.Private
	case "unavailable":
		m.NumberAbsence, m.NameAbsence = callerid.Unavailable, callerid.Unavailable
	default:
		fmt.Fprintf(stderr, "callerid: -absent %q: want private or unavailable\n", *absent)
		return 2
	}
	switch *mwi {
	case "":
	case "on", "off":
		m = callerid.Message{Kind: callerid.MessageWaiting, Format: m.Format, Waiting: *mwi == "on"}
	default:
		fmt.Fprintf(stderr, "callerid: -mwi %q: want on or off\n", *mwi)
		return 2
	}
	tx, err := callerid.NewTransmitter(std, m, callerid.Options{Level: *level, Type2: *type2})
	if err != nil {
		fmt.Fprintln(stderr, "callerid:", err)
		return 1
	}
	silence := make([]int16, callerid.SampleRate/5) // 200 ms
	samples := append([]int16(nil), silence...)
	if *type2 {
		cas := callerid.NewAlertSignal(0, 0)
		buf := make([]int16, cas.Len())
		cas.Generate(buf)
		samples = append(append(samples, buf...), silence...)
	}
	sig := make([]int16, tx.Len())
	tx.Generate(sig)
	samples = append(append(samples, sig...), silence...)

	var b bytes.Buffer
	if err := wav.Write(&b, callerid.SampleRate, samples); err != nil {
		fmt.Fprintln(stderr, "callerid:", err)
		return 1
	}
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		fmt.Fprintln(stderr, "callerid:", err)
		return 1
	}
	data := tx.Data()
	if std == callerid.ETSIDTMF {
		fmt.Fprintf(stdout, "%s: %v digits %s, %.2f s\n", *out, std, data, float64(len(samples))/callerid.SampleRate)
	} else {
		fmt.Fprintf(stdout, "%s: %v message % x, %.2f s\n", *out, std, data, float64(len(samples))/callerid.SampleRate)
	}
	return 0
}
