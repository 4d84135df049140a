package sim

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ErrWAV is returned for audio that is not an 8 kHz 16-bit mono PCM WAV
// file, the only form a port carries.
var ErrWAV = errors.New("sim: not an 8 kHz 16-bit mono PCM WAV file")

// SayWAV sends a WAV file into the microphone, like Say.
func (p *Phone) SayWAV(r io.Reader) error {
	pcm, err := readWAV(r)
	if err != nil {
		return err
	}
	p.Say(pcm)
	return nil
}

// PlayWAV sends a WAV file toward the gateway, like Play.
func (l *Line) PlayWAV(r io.Reader) error {
	pcm, err := readWAV(r)
	if err != nil {
		return err
	}
	l.Play(pcm)
	return nil
}

// readWAV reads the samples of an 8 kHz 16-bit mono PCM WAV file. hal
// imports only the standard library, so it reads the one form a port
// carries here rather than through media/wav.
func readWAV(r io.Reader) ([]int16, error) {
	var riff [12]byte
	if _, err := io.ReadFull(r, riff[:]); err != nil || string(riff[0:4]) != "RIFF" || string(riff[8:12]) != "WAVE" {
		return nil, fmt.Errorf("%w: no RIFF/WAVE header", ErrWAV)
	}
	haveFmt := false
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return nil, fmt.Errorf("%w: no data chunk", ErrWAV)
		}
		size := int64(binary.LittleEndian.Uint32(ch[4:]))
		switch string(ch[0:4]) {
		case "fmt ":
			if size < 16 || size > 1024 {
				return nil, fmt.Errorf("%w: fmt chunk of %d bytes", ErrWAV, size)
			}
			f := make([]byte, size+size%2)
			if _, err := io.ReadFull(r, f); err != nil {
				return nil, fmt.Errorf("%w: %v", ErrWAV, err)
			}
			format, channels := binary.LittleEndian.Uint16(f[0:]), binary.LittleEndian.Uint16(f[2:])
			rate, bits := binary.LittleEndian.Uint32(f[4:]), binary.LittleEndian.Uint16(f[14:])
			if format != 1 || channels != 1 || bits != 16 || rate != 8000 {
				return nil, fmt.Errorf("%w: format %d, %d channels, %d bits, %d Hz", ErrWAV, format, channels, bits, rate)
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return nil, fmt.Errorf("%w: data before fmt", ErrWAV)
			}
			b, err := io.ReadAll(io.LimitReader(r, size))
			if err != nil {
				return nil, err
			}
			pcm := make([]int16, len(b)/2)
			for i := range pcm {
				pcm[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
			}
			return pcm, nil
		default:
			if _, err := io.CopyN(io.Discard, r, size+size%2); err != nil {
				return nil, fmt.Errorf("%w: %v", ErrWAV, err)
			}
		}
	}
}
