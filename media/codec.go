package media

// SampleRate is the rate of the gateway's linear PCM: narrowband telephony.
const SampleRate = 8000

// Codec describes one audio coder and makes independent per-channel encoders
// and decoders. A Codec value itself holds no channel state and is safe for
// concurrent use.
type Codec interface {
	// Name is the RTP encoding name as it appears in an SDP rtpmap ("PCMU").
	Name() string
	// PayloadType is the static RTP payload type of RFC 3551.
	PayloadType() uint8
	// ClockRate is the RTP clock rate in Hz.
	ClockRate() int
	// FrameSamples is the number of PCM samples the coder consumes per coded
	// frame: 1 for sample-based coders (G.711), 80 for G.729.
	FrameSamples() int
	NewEncoder() Encoder
	NewDecoder() Decoder
}

// FormatParameterer is implemented by codecs that carry an SDP fmtp line
// (for example "annexb=no" for G.729).
type FormatParameterer interface {
	FormatParameters() string
}

// Encoder turns 8 kHz linear PCM into a codec payload. It keeps the state of
// one channel and is not safe for concurrent use.
type Encoder interface {
	// Encode appends the payload for pcm, whose length is a multiple of the
	// codec's FrameSamples, to dst and returns the extended slice. A coder
	// with discontinuous transmission may append nothing for silent frames.
	Encode(dst []byte, pcm []int16) ([]byte, error)
}

// Decoder turns a codec payload back into 8 kHz linear PCM. It keeps the
// state of one channel and is not safe for concurrent use.
type Decoder interface {
	// Decode appends the PCM for payload to dst and returns the extended slice.
	Decode(dst []int16, payload []byte) ([]int16, error)
	// Conceal appends n samples standing in for a lost payload (packet loss
	// concealment) and returns the extended slice.
	Conceal(dst []int16, n int) []int16
}
