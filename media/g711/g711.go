package g711

import (
	"fmt"

	"github.com/zaf/g711"

	"github.com/potsgate/potsgate/media"
)

// Law is one G.711 companding law. Its value is the static RTP payload type
// of RFC 3551, and it implements [media.Codec].
type Law uint8

const (
	// PCMU is µ-law, RTP payload type 0 (North America, Japan).
	PCMU Law = 0
	// PCMA is A-law, RTP payload type 8 (Europe and most of the world).
	PCMA Law = 8
)

var _ media.Codec = PCMU

// String returns the RTP encoding name.
func (l Law) String() string {
	switch l {
	case PCMU:
		return "PCMU"
	case PCMA:
		return "PCMA"
	}
	return fmt.Sprintf("Law(%d)", uint8(l))
}

// Name is the RTP encoding name ("PCMU" or "PCMA").
func (l Law) Name() string { return l.String() }

// PayloadType is the static RTP payload type: 0 or 8.
func (l Law) PayloadType() uint8 { return uint8(l) }

// ClockRate is 8000 Hz.
func (l Law) ClockRate() int { return media.SampleRate }

// FrameSamples is 1: G.711 codes each sample to one byte.
func (l Law) FrameSamples() int { return 1 }

// NewEncoder returns an encoder for one channel.
func (l Law) NewEncoder() media.Encoder { return &Encoder{law: l} }

// NewDecoder returns a decoder with loss concealment for one channel.
func (l Law) NewDecoder() media.Decoder { return &Decoder{law: l} }

// Encoder codes linear PCM to G.711. It has no state beyond its law.
type Encoder struct{ law Law }

// Encode appends one byte per sample of pcm to dst.
func (e *Encoder) Encode(dst []byte, pcm []int16) ([]byte, error) {
	dst = grow(dst, len(pcm))
	out := dst[len(dst) : len(dst)+len(pcm)]
	if e.law == PCMA {
		for i, s := range pcm {
			out[i] = g711.EncodeAlawFrame(s)
		}
	} else {
		for i, s := range pcm {
			out[i] = g711.EncodeUlawFrame(s)
		}
	}
	return dst[:len(dst)+len(pcm)], nil
}

func grow[T any](s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	return append(s[:cap(s)], make([]T, len(s)+n-cap(s))...)[:len(s)]
}
