package hdlc

import (
	"errors"
	"fmt"

	"github.com/potsgate/potsgate/media/modem"
)

// MaxFrame is the longest frame, without FCS, the transmitter queues and
// the receiver takes by default: T.30's ECM frames carry 256 octets of
// image after 4 of address, control, FCF and frame number; NSF and other
// frames stay below it.
const MaxFrame = 400

// Errors of the transmitter.
var (
	// ErrFull: the transmitter's queue has no room for the frame.
	ErrFull = errors.New("hdlc: transmit queue full")
	// ErrFrame: an empty frame, or one longer than the transmitter takes.
	ErrFrame = errors.New("hdlc: bad frame length")
)

// crcTable is the CRC-16 ITU table, reflected (poly 0x8408).
var crcTable = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i)
		for range 8 {
			if c&1 != 0 {
				c = c>>1 ^ 0x8408
			} else {
				c >>= 1
			}
		}
		t[i] = c
	}
	return t
}()

// CRC continues the CRC-16 ITU crc (start with 0xFFFF) over b.
func CRC(crc uint16, b []byte) uint16 {
	for _, c := range b {
		crc = crc>>8 ^ crcTable[byte(crc)^c]
	}
	return crc
}

// FCS is the frame check sequence of a frame, as sent: its low octet
// first.
func FCS(frame []byte) [2]byte {
	c := ^CRC(0xFFFF, frame)
	return [2]byte{byte(c), byte(c >> 8)}
}

// crcGood is the CRC register after a frame and its correct FCS.
const crcGood = 0xF0B8

// CheckFCS reports whether a frame that ends with its FCS is whole.
func CheckFCS(frameWithFCS []byte) bool {
	return len(frameWithFCS) > 2 && CRC(0xFFFF, frameWithFCS) == crcGood
}

const flag = 0x7E

// Transmitter turns frames into bits. Its zero value is not usable: make
// it with NewTransmitter.
type Transmitter struct {
	ring     []byte // queued frames: 2 octets of length and flags, then the octets
	head     int    // read position in ring
	used     int    // octets in ring
	preamble int    // flags still to send before anything else
	ending   bool

	// the octets being sent
	cur      [MaxFrame + 2]byte
	curLen   int
	curPos   int
	inFlag   bool // sending a flag (no stuffing)
	octet    byte
	bitN     int // bits of octet still to send; 0: take the next octet
	ones     int // ones in a row, for zero insertion
	done     bool
	needFlag bool
	frames   int
}

// NewTransmitter makes a transmitter that sends preamble flags first (at
// least one) and queues up to queue octets of frames (at least one
// frame's worth).
func NewTransmitter(preamble, queue int) *Transmitter {
	if queue < MaxFrame+2 {
		queue = MaxFrame + 2
	}
	t := &Transmitter{ring: make([]byte, queue)}
	t.Restart(preamble)
	return t
}

// Restart empties the queue and starts again with preamble flags.
func (t *Transmitter) Restart(preamble int) {
	if preamble < 1 {
		preamble = 1
	}
	t.head, t.used, t.preamble, t.ending = 0, 0, preamble, false
	t.curLen, t.curPos, t.inFlag, t.bitN, t.ones, t.done, t.needFlag, t.frames = 0, 0, false, 0, 0, false, false, 0
}

// Queue adds a frame (without FCS) to send; it is copied. bad sends it
// with a wrong FCS, as a relay does with a frame that arrived damaged.
func (t *Transmitter) Queue(frame []byte, bad bool) error {
	if len(frame) == 0 || len(frame) > MaxFrame {
		return fmt.Errorf("%w: %d octets", ErrFrame, len(frame))
	}
	if t.used+len(frame)+2 > len(t.ring) {
		return ErrFull
	}
	hdr := uint16(len(frame))
	if bad {
		hdr |= 0x8000
	}
	t.put(byte(hdr >> 8))
	t.put(byte(hdr))
	for _, c := range frame {
		t.put(c)
	}
	t.Continue()
	return nil
}

// Continue cancels End: the transmitter goes on with flags, and starts
// again after a flag if it had ended.
func (t *Transmitter) Continue() {
	if t.done {
		t.done, t.needFlag = false, true
	}
	t.ending = false
}

func (t *Transmitter) put(c byte) {
	t.ring[(t.head+t.used)%len(t.ring)] = c
	t.used++
}

func (t *Transmitter) get() byte {
	c := t.ring[t.head]
	t.head = (t.head + 1) % len(t.ring)
	t.used--
	return c
}

// Queued is the number of octets of frames waiting (their lengths
// included), not counting the frame being sent.
func (t *Transmitter) Queued() int { return t.used }

// Idle reports whether the transmitter has nothing but flags to send.
func (t *Transmitter) Idle() bool { return t.used == 0 && t.curPos >= t.curLen && t.preamble == 0 }

// End lets the transmitter end: once the queued frames and a closing flag
// are sent, Bit returns EndOfData. Queue and Continue cancel it.
func (t *Transmitter) End() { t.ending = true }

// Frames is the number of frames sent whole.
func (t *Transmitter) Frames() int { return t.frames }

// Bit is the next bit to send (modem.Source).
func (t *Transmitter) Bit() int {
	if t.ones == 5 {
		t.ones = 0
		return 0 // the inserted zero
	}
	if t.bitN == 0 && !t.next() {
		return modem.EndOfData
	}
	b := int(t.octet & 1)
	t.octet >>= 1
	t.bitN--
	if !t.inFlag {
		if b == 1 {
			t.ones++
		} else {
			t.ones = 0
		}
		if t.bitN == 0 && t.curPos >= t.curLen {
			t.frames++
			t.curLen, t.curPos, t.needFlag = 0, 0, true
		}
	}
	return b
}

// next loads the next octet to send into octet/bitN; false when the
// transmitter has ended.
func (t *Transmitter) next() bool {
	switch {
	case t.done:
		return false
	case t.preamble > 0:
		t.preamble--
	case t.curPos < t.curLen:
		t.octet, t.bitN, t.inFlag = t.cur[t.curPos], 8, false
		t.curPos++
		return true
	case t.needFlag:
		// The flag that closes a frame opens the next.
		t.needFlag = false
	case t.used > 0:
		t.load()
		t.octet, t.bitN, t.inFlag = t.cur[0], 8, false
		t.curPos = 1
		return true
	case t.ending:
		t.done = true
		return false
	}
	t.octet, t.bitN, t.inFlag, t.ones = flag, 8, true, 0
	return true
}

// load takes the next queued frame into cur with its FCS.
func (t *Transmitter) load() {
	h := uint16(t.get())<<8 | uint16(t.get())
	n, bad := int(h&0x7FFF), h&0x8000 != 0
	for i := range n {
		t.cur[i] = t.get()
	}
	fcs := FCS(t.cur[:n])
	if bad {
		fcs[0] ^= 0xFF
	}
	t.cur[n], t.cur[n+1] = fcs[0], fcs[1]
	t.curLen, t.curPos = n+2, 0
}
