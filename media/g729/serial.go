package g729

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// The ITU serial bitstream of the G.729 software package and its test
// vectors: per frame a sync word, a size word, then one 16-bit word per bit,
// all little-endian.
const (
	serialSync = 0x6b21
	// serialBadSync marks a frame as lost (ITU-T G.192's bad-frame
	// indicator); the decoder conceals it whatever its bits are.
	serialBadSync = 0x6b20
	serialZero    = 0x007f
	serialOne     = 0x0081
)

// ErrSerialFormat is wrapped by the errors of SerialReader for input that is
// not an ITU serial bitstream.
var ErrSerialFormat = errors.New("g729: not an ITU serial bitstream")

// SerialReader reads frames of the ITU serial bitstream format.
type SerialReader struct {
	r     io.Reader
	frame int
	words [2 + 80]uint16
	raw   [2 * (2 + 80)]byte
}

// NewSerialReader reads frames from r.
func NewSerialReader(r io.Reader) *SerialReader { return &SerialReader{r: r} }

// Next reads one frame into buf (at least FrameBytes long) and returns the
// payload as the RTP payload format carries it: FrameBytes for speech,
// SIDBytes for a SID frame, empty for a frame not transmitted. erased is
// true for a frame the bitstream marks as lost (the bad-frame sync word, or
// bit words of zero). At the end of the input it returns io.EOF.
func (s *SerialReader) Next(buf []byte) (payload []byte, erased bool, err error) {
	head := s.raw[:4]
	if _, err := io.ReadFull(s.r, head); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, false, fmt.Errorf("%w: frame %d: truncated header", ErrSerialFormat, s.frame)
		}
		return nil, false, err
	}
	sync, size := binary.LittleEndian.Uint16(head), binary.LittleEndian.Uint16(head[2:])
	if sync != serialSync && sync != serialBadSync {
		return nil, false, fmt.Errorf("%w: frame %d: sync word %#04x, want %#04x or %#04x", ErrSerialFormat, s.frame, sync, serialSync, serialBadSync)
	}
	erased = sync == serialBadSync
	var n int
	switch size {
	case 80:
		n = FrameBytes
	case 16:
		n = SIDBytes
	case 0:
		n = 0
	default:
		return nil, false, fmt.Errorf("%w: frame %d: size %d, want 80, 16 or 0", ErrSerialFormat, s.frame, size)
	}
	if len(buf) < n {
		return nil, false, fmt.Errorf("g729: buffer of %d bytes for a %d-byte frame", len(buf), n)
	}
	body := s.raw[4 : 4+2*int(size)]
	if _, err := io.ReadFull(s.r, body); err != nil {
		return nil, false, fmt.Errorf("%w: frame %d: truncated after its header: %v", ErrSerialFormat, s.frame, err)
	}
	s.frame++
	payload = buf[:n]
	clear(payload)
	for i := 0; i < int(size); i++ {
		switch binary.LittleEndian.Uint16(body[2*i:]) {
		case serialOne:
			if i < 8*n {
				payload[i>>3] |= 0x80 >> uint(i&7)
			}
		case serialZero:
		default:
			erased = true
		}
	}
	return payload, erased, nil
}

// SerialWriter writes frames in the ITU serial bitstream format.
type SerialWriter struct {
	w   io.Writer
	raw [2 * (2 + 80)]byte
}

// NewSerialWriter writes frames to w.
func NewSerialWriter(w io.Writer) *SerialWriter { return &SerialWriter{w: w} }

// Write writes one payload: FrameBytes (speech), SIDBytes (SID, 15 bits
// used) or empty (not transmitted).
func (s *SerialWriter) Write(payload []byte) error {
	var size int
	switch len(payload) {
	case FrameBytes:
		size = 80
	case SIDBytes:
		size = 16
	case 0:
	default:
		return fmt.Errorf("g729: a payload of %d bytes is neither a frame, a SID nor empty", len(payload))
	}
	binary.LittleEndian.PutUint16(s.raw[0:], serialSync)
	binary.LittleEndian.PutUint16(s.raw[2:], uint16(size))
	for i := 0; i < size; i++ {
		w := uint16(serialZero)
		if payload[i>>3]&(0x80>>uint(i&7)) != 0 {
			w = serialOne
		}
		binary.LittleEndian.PutUint16(s.raw[4+2*i:], w)
	}
	_, err := s.w.Write(s.raw[:4+2*size])
	return err
}

// WriteErased writes a speech frame marked as lost.
func (s *SerialWriter) WriteErased() error {
	clear(s.raw[:])
	binary.LittleEndian.PutUint16(s.raw[0:], serialSync)
	binary.LittleEndian.PutUint16(s.raw[2:], 80)
	_, err := s.w.Write(s.raw[:4+2*80])
	return err
}
