package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/potsgate/potsgate/media/g729"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("g729", flag.ContinueOnError)
	fs.SetOutput(stderr)
	encode := fs.Bool("encode", false, "code raw PCM (-in) to an ITU serial bitstream (-out)")
	decode := fs.Bool("decode", false, "decode an ITU serial bitstream (-in) to raw PCM (-out)")
	annexB := fs.Bool("annexb", false, "encoder: G.729 Annex B (VAD, DTX, SID frames)")
	in := fs.String("in", "", "input file")
	out := fs.String("out", "", "output file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *encode == *decode || *in == "" || *out == "" || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: g729 -encode|-decode [-annexb] -in FILE -out FILE")
		fs.PrintDefaults()
		return 2
	}
	var (
		frames int
		err    error
	)
	if *encode {
		frames, err = convert(*in, *out, func(r io.Reader, w io.Writer) (int, error) { return encodeFile(r, w, *annexB) })
	} else {
		frames, err = convert(*in, *out, decodeFile)
	}
	if err != nil {
		fmt.Fprintln(stderr, "g729:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: %d frames\n", *out, frames)
	return 0
}

// convert opens in and out and runs f between them.
func convert(in, out string, f func(io.Reader, io.Writer) (int, error)) (int, error) {
	src, err := os.Open(in)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	dst, err := os.Create(out)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriter(dst)
	n, err := f(bufio.NewReader(src), w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// encodeFile codes every whole 80-sample frame of r; a partial last frame
// is dropped, as the ITU coder does.
func encodeFile(r io.Reader, w io.Writer, annexB bool) (int, error) {
	enc := g729.NewEncoder(g729.EncoderOptions{AnnexB: annexB})
	sw := g729.NewSerialWriter(w)
	var (
		raw     [2 * g729.FrameSamples]byte
		pcm     [g729.FrameSamples]int16
		payload = make([]byte, 0, g729.FrameBytes)
	)
	for n := 0; ; n++ {
		if _, err := io.ReadFull(r, raw[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return n, nil
			}
			return n, err
		}
		for i := range pcm {
			pcm[i] = int16(binary.LittleEndian.Uint16(raw[2*i:]))
		}
		payload = enc.Encode(payload[:0], pcm[:])
		if err := sw.Write(payload); err != nil {
			return n, err
		}
	}
}

// decodeFile decodes every frame of the serial bitstream r.
func decodeFile(r io.Reader, w io.Writer) (int, error) {
	dec := g729.NewDecoder()
	sr := g729.NewSerialReader(r)
	var (
		buf [g729.FrameBytes]byte
		pcm [g729.FrameSamples]int16
		raw [2 * g729.FrameSamples]byte
	)
	for n := 0; ; n++ {
		payload, erased, err := sr.Next(buf[:])
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if erased {
			dec.DecodeErased(pcm[:])
		} else if err := dec.Decode(pcm[:], payload); err != nil {
			return n, fmt.Errorf("frame %d: %w", n, err)
		}
		for i, s := range pcm {
			binary.LittleEndian.PutUint16(raw[2*i:], uint16(s))
		}
		if _, err := w.Write(raw[:]); err != nil {
			return n, err
		}
	}
}
