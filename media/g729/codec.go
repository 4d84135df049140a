package g729

import (
	"fmt"

	"github.com/potsgate/potsgate/media"
)

// PayloadType is the static RTP payload type of G.729 (RFC 3551).
const PayloadType = 18

// Codec is G.729 as a [media.Codec]: encoding name "G729", static payload
// type 18, 8000 Hz, 80-sample frames. Its zero value is Annex A without
// Annex B ("annexb=no" in SDP, RFC 4856); AnnexB turns on voice activity
// detection, discontinuous transmission and comfort noise ("annexb=yes").
//
// The decoders of both variants accept SID frames and missing frames, so
// AnnexB only changes what the encoder sends and what SDP announces.
type Codec struct {
	AnnexB bool
}

var (
	_ media.Codec             = Codec{}
	_ media.FormatParameterer = Codec{}
)

// Name is the RTP encoding name, "G729".
func (Codec) Name() string { return "G729" }

// PayloadType is 18.
func (Codec) PayloadType() uint8 { return PayloadType }

// ClockRate is 8000 Hz.
func (Codec) ClockRate() int { return media.SampleRate }

// FrameSamples is 80: one 10 ms frame.
func (Codec) FrameSamples() int { return FrameSamples }

// FormatParameters is the SDP fmtp value of RFC 4856: "annexb=yes" or
// "annexb=no".
func (c Codec) FormatParameters() string {
	if c.AnnexB {
		return "annexb=yes"
	}
	return "annexb=no"
}

// String is the encoding name with its Annex B parameter.
func (c Codec) String() string { return c.Name() + " " + c.FormatParameters() }

// PayloadSamples is the audio a received RTP payload carries, in samples:
// 80 per 10-byte speech frame and 80 for a trailing 2-byte SID frame
// (RFC 3551 section 4.5.6). It is 0 for a payload of any other size.
func (Codec) PayloadSamples(payload []byte) int {
	frames, sid, ok := splitPayload(len(payload))
	if !ok || frames == 0 && !sid {
		return 0
	}
	if sid {
		frames++
	}
	return frames * FrameSamples
}

// FrameEndsPacket reports whether a frame the encoder coded to n bytes
// must be the last of its RTP packet: a SID frame (RFC 3551 section 4.5.6
// allows it only at the end) and a frame not transmitted (the next packet
// starts at the next transmitted frame, with its own timestamp).
func (Codec) FrameEndsPacket(n int) bool { return n != FrameBytes }

// splitPayload tells how a payload of n bytes divides into speech frames
// and a trailing SID frame.
func splitPayload(n int) (frames int, sid, ok bool) {
	switch n % FrameBytes {
	case 0:
		return n / FrameBytes, false, true
	case SIDBytes:
		return n / FrameBytes, true, true
	}
	return 0, false, false
}

// NewEncoder returns an encoder for one channel.
func (c Codec) NewEncoder() media.Encoder {
	return &codecEncoder{enc: NewEncoder(EncoderOptions{AnnexB: c.AnnexB})}
}

// NewDecoder returns a decoder for one channel.
func (c Codec) NewDecoder() media.Decoder {
	return &codecDecoder{dec: NewDecoder()}
}

// codecEncoder adapts Encoder to media.Encoder.
type codecEncoder struct{ enc *Encoder }

// Encode codes pcm, a whole number of 80-sample frames, and appends the
// frames' payloads one after the other. With Annex B a frame may code to a
// SID or to nothing; a caller that builds RTP packets then encodes one
// frame at a time, so that it can end a packet after a SID and give the
// packet after a frame not transmitted its own timestamp (as rtpsession
// does).
func (e *codecEncoder) Encode(dst []byte, pcm []int16) ([]byte, error) {
	if len(pcm)%FrameSamples != 0 {
		return dst, fmt.Errorf("g729: %d samples are not a whole number of %d-sample frames", len(pcm), FrameSamples)
	}
	for off := 0; off < len(pcm); off += FrameSamples {
		dst = e.enc.Encode(dst, pcm[off:off+FrameSamples])
	}
	return dst, nil
}

// codecDecoder adapts Decoder to media.Decoder.
type codecDecoder struct {
	dec  *Decoder
	tail [FrameSamples]int16 // a concealed frame of which only part was asked for
}

// Decode appends the PCM of an RTP payload: a sequence of 10-byte speech
// frames optionally ended by one 2-byte SID frame. An empty payload is one
// frame not transmitted (comfort noise goes on). A payload of another size
// is refused as a whole, before anything is decoded.
func (d *codecDecoder) Decode(dst []int16, payload []byte) ([]int16, error) {
	frames, sid, ok := splitPayload(len(payload))
	if !ok {
		return dst, fmt.Errorf("%w: a %d-byte payload is neither 10-byte frames nor frames and a 2-byte SID", ErrFrameSize, len(payload))
	}
	n := frames
	if sid || frames == 0 {
		n++
	}
	dst = extendCap(dst, n*FrameSamples)
	for i := 0; i < n; i++ {
		var p []byte
		switch {
		case i < frames:
			p = payload[i*FrameBytes : (i+1)*FrameBytes]
		case sid:
			p = payload[frames*FrameBytes:]
		}
		out := dst[len(dst) : len(dst)+FrameSamples]
		if err := d.dec.Decode(out, p); err != nil {
			return dst, err
		}
		dst = dst[:len(dst)+FrameSamples]
	}
	return dst, nil
}

// Conceal appends n samples for lost audio through the decoder's frame
// erasure concealment (or comfort noise, after a SID). The decoder works
// in whole frames: when n is not a multiple of 80 the rest of the last
// frame is dropped.
func (d *codecDecoder) Conceal(dst []int16, n int) []int16 {
	if n <= 0 {
		return dst
	}
	dst = extendCap(dst, n)
	for n >= FrameSamples {
		d.dec.DecodeErased(dst[len(dst) : len(dst)+FrameSamples])
		dst = dst[:len(dst)+FrameSamples]
		n -= FrameSamples
	}
	if n > 0 {
		d.dec.DecodeErased(d.tail[:])
		dst = append(dst, d.tail[:n]...)
	}
	return dst
}

// extendCap makes room for n more elements after len(s), keeping its contents.
func extendCap[T any](s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	return append(s[:cap(s)], make([]T, len(s)+n-cap(s))...)[:len(s)]
}
