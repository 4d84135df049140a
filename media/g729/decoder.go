package g729

import (
	"errors"
	"fmt"
)

// ErrFrameSize is returned for a payload that is neither a speech frame,
// an Annex B SID frame nor empty.
var ErrFrameSize = errors.New("g729: invalid frame size")

// Decoder is the state of one G.729 Annex A decoding channel.
type Decoder struct {
	st decState
}

// decState is filled in by the decoder proper.
type decState struct{}

// NewDecoder returns a decoder in its initial state.
func NewDecoder() *Decoder {
	return &Decoder{}
}

// Decode decodes one payload into pcm[:FrameSamples]: a speech frame of
// FrameBytes, an Annex B SID frame of SIDBytes, or an empty payload for a
// frame the encoder did not transmit.
func (d *Decoder) Decode(pcm []int16, payload []byte) error {
	if len(pcm) < FrameSamples {
		return fmt.Errorf("g729: output of %d samples, need %d", len(pcm), FrameSamples)
	}
	switch len(payload) {
	case FrameBytes:
	default:
		return fmt.Errorf("%w: %d bytes", ErrFrameSize, len(payload))
	}
	clear(pcm[:FrameSamples])
	return nil
}

// DecodeErased conceals a lost frame into pcm[:FrameSamples].
func (d *Decoder) DecodeErased(pcm []int16) {
	clear(pcm[:min(len(pcm), FrameSamples)])
}
