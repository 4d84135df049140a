// Package g729 is a pure-Go ITU-T G.729 Annex A coder with the Annex B
// extensions (voice activity detection, discontinuous transmission and
// comfort noise), written from the recommendation: the reduced-complexity
// CS-ACELP of Annex A at 8 kbit/s, 10 ms frames of 80 samples.
//
// An [Encoder] or [Decoder] holds the state of one channel and is not safe
// for concurrent use; channels share nothing, so any number run in
// parallel. Neither allocates per frame.
//
// Payloads are those of the RTP payload format of RFC 3551 section 4.5.6:
// [FrameBytes] for a speech frame, [SIDBytes] for an Annex B SID frame,
// nothing for a frame the encoder did not transmit. [SerialReader] and
// [SerialWriter] convert to and from the ITU serial bitstream of the
// recommendation's test vectors.
//
// The numeric tables (codebooks, windows, filter coefficients) are the
// constants of the recommendation; they cannot be other values in a
// conformant coder.
package g729

const (
	// FrameSamples is the number of 8 kHz samples in a frame (10 ms).
	FrameSamples = 80
	// FrameBytes is the size of a speech frame (80 bits).
	FrameBytes = 10
	// SIDBytes is the size of an Annex B silence insertion descriptor.
	SIDBytes = 2
)
