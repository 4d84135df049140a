package hdlc

// Event is what the receiver reports besides frames.
type Event int

const (
	// Framing: flags back to back, as many as the receiver wants, after
	// a start, an abort or a frame: the line carries HDLC.
	Framing Event = iota + 1
	// Abort: seven ones or more in a row inside a frame; the frame is
	// dropped.
	Abort
)

func (e Event) String() string {
	switch e {
	case Framing:
		return "framing"
	case Abort:
		return "abort"
	}
	return "event(?)"
}

// Handler takes what a Receiver finds, on the goroutine that feeds it.
type Handler interface {
	// Frame is a frame, without its FCS, and whether the FCS was right.
	// frame is valid only during the call.
	Frame(frame []byte, ok bool)
	// Event is a change of framing.
	Event(e Event)
}

// Stats count what a receiver saw.
type Stats struct {
	Frames    int // with a good FCS
	BadFrames int // with a bad FCS, too long, or not a whole number of octets
	Aborts    int
	Flags     int
}

// Receiver finds frames in bits. Make it with NewReceiver.
type Receiver struct {
	h         Handler
	threshold int
	buf       []byte
	n         int  // whole octets in buf
	acc       byte // the octet being filled
	accN      int  // its bits
	ones      int
	flags     int  // flags back to back
	framing   bool // Framing reported
	inFrame   bool // a flag was seen: bits are a frame's
	overflow  bool
	stats     Stats
}

// NewReceiver makes a receiver that reports Framing after threshold
// flags back to back (at least 1) and takes frames up to max octets with
// their FCS (MaxFrame+2 when max <= 0).
func NewReceiver(h Handler, threshold, max int) *Receiver {
	if threshold < 1 {
		threshold = 1
	}
	if max <= 0 {
		max = MaxFrame + 2
	}
	return &Receiver{h: h, threshold: threshold, buf: make([]byte, max)}
}

// Reset forgets the bits seen, as at a new carrier.
func (r *Receiver) Reset() {
	r.n, r.acc, r.accN, r.ones, r.flags, r.framing, r.inFrame, r.overflow = 0, 0, 0, 0, 0, false, false, false
}

// Stats are the counts since the receiver was made.
func (r *Receiver) Stats() Stats { return r.stats }

// FramingSeen reports whether Framing was reported since the last Reset
// or abort.
func (r *Receiver) FramingSeen() bool { return r.framing }

// Bit takes the next bit (0 or 1) of the line.
func (r *Receiver) Bit(b int) {
	if b != 0 {
		r.ones++
		if r.ones == 7 {
			// An abort (or idle ones): drop the frame, wait for a flag.
			if r.inFrame && (r.n > 0 || r.accN > 6) {
				r.stats.Aborts++
				r.h.Event(Abort)
			}
			r.inFrame, r.flags, r.framing = false, 0, false
			r.n, r.accN = 0, 0
			return
		}
		if r.ones > 7 {
			return
		}
		r.push(1)
		return
	}
	switch r.ones {
	case 5:
		r.ones = 0
		return // an inserted zero
	case 6:
		r.ones = 0
		r.flag()
		return
	}
	r.ones = 0
	r.push(0)
}

func (r *Receiver) push(b byte) {
	if !r.inFrame {
		return
	}
	r.acc = r.acc>>1 | b<<7
	if r.accN++; r.accN == 8 {
		r.accN = 0
		if r.n < len(r.buf) {
			r.buf[r.n] = r.acc
			r.n++
		} else {
			r.overflow = true
		}
	}
}

// flag ends what came before it: six ones and the flag's first zero were
// pushed as data, seven bits to take back.
func (r *Receiver) flag() {
	r.stats.Flags++
	if r.inFrame {
		bits := r.n*8 + r.accN - 7
		switch {
		case bits <= 0:
			// Flags back to back.
		case r.overflow || bits%8 != 0 || bits < 3*8:
			// Too long, or not octets: noise between flags at the start
			// of a carrier is common; count only frames after framing.
			if r.framing {
				r.stats.BadFrames++
				r.h.Frame(r.buf[:0], false)
			}
			r.flags = 0
		default:
			n := bits / 8
			ok := CheckFCS(r.buf[:n])
			if ok {
				r.stats.Frames++
			} else {
				r.stats.BadFrames++
			}
			r.flags = 0
			r.h.Frame(r.buf[:n-2], ok)
		}
		if bits <= 0 {
			r.flags++
		} else {
			r.flags = 1
		}
	} else {
		r.flags = 1
	}
	r.inFrame, r.n, r.accN, r.overflow = true, 0, 0, false
	if !r.framing && r.flags >= r.threshold {
		r.framing = true
		r.h.Event(Framing)
	}
}
