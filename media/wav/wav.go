// Package wav reads and writes the WAV files the examples and tests
// exchange with external decoders: 16-bit linear PCM, mono.
package wav

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ErrFormat is returned for a file that is not 16-bit mono PCM WAV.
var ErrFormat = errors.New("wav: not a 16-bit mono PCM WAV file")

// Write writes samples as a 16-bit mono PCM WAV file at the given rate.
func Write(w io.Writer, rate int, samples []int16) error {
	data := len(samples) * 2
	hdr := make([]byte, 44)
	copy(hdr[0:], "RIFF")
	binary.LittleEndian.PutUint32(hdr[4:], uint32(36+data))
	copy(hdr[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(hdr[16:], 16)
	binary.LittleEndian.PutUint16(hdr[20:], 1) // PCM
	binary.LittleEndian.PutUint16(hdr[22:], 1) // mono
	binary.LittleEndian.PutUint32(hdr[24:], uint32(rate))
	binary.LittleEndian.PutUint32(hdr[28:], uint32(rate*2))
	binary.LittleEndian.PutUint16(hdr[32:], 2)
	binary.LittleEndian.PutUint16(hdr[34:], 16)
	copy(hdr[36:], "data")
	binary.LittleEndian.PutUint32(hdr[40:], uint32(data))
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	buf := make([]byte, data)
	for i, s := range samples {
		binary.LittleEndian.PutUint16(buf[2*i:], uint16(s))
	}
	_, err := w.Write(buf)
	return err
}

// Read reads a 16-bit mono PCM WAV file and returns its rate and samples.
// Chunks other than fmt and data are skipped.
func Read(r io.Reader) (rate int, samples []int16, err error) {
	var riff [12]byte
	if _, err := io.ReadFull(r, riff[:]); err != nil {
		return 0, nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if string(riff[0:4]) != "RIFF" || string(riff[8:12]) != "WAVE" {
		return 0, nil, fmt.Errorf("%w: no RIFF/WAVE header", ErrFormat)
	}
	haveFmt := false
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return 0, nil, fmt.Errorf("%w: no data chunk", ErrFormat)
		}
		size := int64(binary.LittleEndian.Uint32(ch[4:]))
		switch string(ch[0:4]) {
		case "fmt ":
			if size < 16 || size > 1024 {
				return 0, nil, fmt.Errorf("%w: fmt chunk of %d bytes", ErrFormat, size)
			}
			f := make([]byte, size+size%2)
			if _, err := io.ReadFull(r, f); err != nil {
				return 0, nil, fmt.Errorf("%w: %v", ErrFormat, err)
			}
			format, channels := binary.LittleEndian.Uint16(f[0:]), binary.LittleEndian.Uint16(f[2:])
			bits := binary.LittleEndian.Uint16(f[14:])
			if (format != 1 && format != 0xfffe) || channels != 1 || bits != 16 {
				return 0, nil, fmt.Errorf("%w: format %d, %d channels, %d bits", ErrFormat, format, channels, bits)
			}
			rate = int(binary.LittleEndian.Uint32(f[4:]))
			haveFmt = true
		case "data":
			if !haveFmt {
				return 0, nil, fmt.Errorf("%w: data before fmt", ErrFormat)
			}
			// A streaming writer may leave the size at 0 or 0xffffffff: read
			// to the end. Otherwise read what the header says, or less (a
			// truncated file still has usable samples) — never allocating
			// the header's size up front, which a broken file sets to 4 GiB.
			lr := r
			if size != 0 && size != 0xffffffff {
				lr = io.LimitReader(r, size)
			}
			b, err := io.ReadAll(lr)
			if err != nil {
				return 0, nil, err
			}
			samples = make([]int16, len(b)/2)
			for i := range samples {
				samples[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
			}
			return rate, samples, nil
		default:
			if _, err := io.CopyN(io.Discard, r, size+size%2); err != nil {
				return 0, nil, fmt.Errorf("%w: %v", ErrFormat, err)
			}
		}
	}
}
