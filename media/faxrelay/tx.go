package faxrelay

import (
	"math"
	"math/bits"

	"github.com/potsgate/potsgate/media"
	"github.com/potsgate/potsgate/media/modem"
	"github.com/potsgate/potsgate/media/modem/hdlc"
	"github.com/potsgate/potsgate/media/modem/v21"
	"github.com/potsgate/potsgate/media/t38"
)

// What the transmit side plays, one segment after another.
type segKind uint8

const (
	segTone segKind = iota + 1
	segSilence
	segV21
	segFast
)

// What a high-speed segment carries, known from its first data field.
const (
	modeUnknown = iota
	modeNonECM
	modeHDLC
)

type segment struct {
	kind  segKind
	mod   Modulation
	rate  int
	short bool
	hz    float64
	on    int   // tone: samples on per cadence (0: steady)
	off   int   // tone: samples off per cadence
	left  int   // tone, silence: samples still to play; <0 until closed
	open  bool  // v21, fast: more data may come (no sig-end yet)
	mode  int   // fast
	endAt int64 // fast non-ECM: ring position of its last octet, once closed
}

// Timing of the signals the gateway makes itself.
const (
	gapSamples  = 600   // 75 ms between V.21 and a high-speed signal (T.30 5.3.2.4)
	cedSamples  = 26400 // 3.3 s of answer tone at most
	cngOn       = 4000  // CNG: 0.5 s on,
	cngOff      = 24000 // 3 s off
	toneLevel   = -11   // dBm0
	ringSize    = 1 << 16
	prerollMs   = 100 // non-ECM data held before the modulator takes it: network jitter plus a packet
	maxSegments = 8
)

// txSide turns the IFP packets received into the fax machine's audio.
type txSide struct {
	g    *Gateway
	segs [maxSegments]segment
	hd   int
	n    int
	run  bool // segs[hd] started

	v21  *v21.Transmitter
	v21h *hdlc.Transmitter
	vf   [hdlc.MaxFrame]byte
	vn   int
	vbad bool // the frame overflowed

	fast [4]fastTx
	src  fastSource
	fh   *hdlc.Transmitter
	ff   [hdlc.MaxFrame]byte
	fn   int
	fbad bool
	ring [ringSize]byte // non-ECM octets, first bit in the high bit
	wr   int64
	rd   int64

	bad   bool // the packet being handled could not be acted on in full
	amp   float64
	phase float64
	t     int // samples into the tone
}

// fastSource gives the high-speed modulator its bits.
type fastSource struct {
	t       *txSide
	flowing bool // non-ECM data started
	cur     byte // the octet being sent, its next bit on top
	left    int  // bits of cur still to send
	zeros   int  // zeros in a row sent: T.4 fill is legal after 11
	preroll int
	safe    int64 // bit position (rd*8+...) the data may run to without waiting
	scan    int64 // where the search for the next EOL got to
	scanRun int   // zeros in a row there
}

func (t *txSide) init(g *Gateway) error {
	t.g = g
	t.v21h = hdlc.NewTransmitter(1, 4*(hdlc.MaxFrame+2))
	t.v21 = v21.NewTransmitter(t.v21h)
	t.src.t = t
	t.fh = hdlc.NewTransmitter(1, 64*(hdlc.MaxFrame+2))
	var err error
	t.fast, _, err = newModems(&t.src, nil)
	t.amp = media.SineAmplitude(toneLevel)
	return err
}

func (t *txSide) busy() bool { return t.n > 0 }

// last is the newest segment, nil if none.
func (t *txSide) last() *segment {
	if t.n == 0 {
		return nil
	}
	return &t.segs[(t.hd+t.n-1)%maxSegments]
}

func (t *txSide) push(s segment) *segment {
	if t.n == maxSegments {
		t.bad = true
		return nil
	}
	p := &t.segs[(t.hd+t.n)%maxSegments]
	*p = s
	t.n++
	return p
}

func (t *txSide) pop() {
	t.hd = (t.hd + 1) % maxSegments
	t.n--
	t.run = false
}

// pending finds the newest segment of a kind that is still open.
func (t *txSide) open(k segKind) *segment {
	if l := t.last(); l != nil && l.kind == k && l.open {
		return l
	}
	return nil
}

// has reports a segment of kind k queued or playing.
func (t *txSide) has(k segKind) bool {
	for i := range t.n {
		if t.segs[(t.hd+i)%maxSegments].kind == k {
			return true
		}
	}
	return false
}

// closeTones ends a tone still playing: a new signal is announced.
func (t *txSide) closeTones() {
	for i := range t.n {
		s := &t.segs[(t.hd+i)%maxSegments]
		if s.kind == segTone && s.left < 0 {
			s.left = 0
		}
	}
}

// closeAll ends the open modem signals: no-signal was announced.
func (t *txSide) closeAll() {
	if s := t.open(segV21); s != nil {
		s.open = false
		t.v21h.End()
	}
	if s := t.open(segFast); s != nil {
		t.closeFast(s)
	}
}

func (t *txSide) closeFast(s *segment) {
	s.open = false
	s.endAt = t.wr
	if s.mode == modeHDLC {
		t.fh.End()
	}
}

func (t *txSide) gap() {
	if l := t.last(); l != nil && l.kind != segSilence && l.kind != segTone {
		t.push(segment{kind: segSilence, left: gapSamples})
	}
}

func (t *txSide) startV21() *segment {
	if s := t.open(segV21); s != nil {
		return s
	}
	if !t.has(segV21) {
		// T.30's preamble is 1 s of flags, 15 % less at least (32 flags);
		// those sent while the first frame is on its way count.
		t.v21h.Restart(32)
		t.vn, t.vbad = 0, false
	} else {
		t.v21h.Continue()
	}
	t.gap()
	return t.push(segment{kind: segV21, open: true})
}

func (t *txSide) startFast(m Modulation, rate int, short bool) *segment {
	if t.fast[m] == nil {
		t.bad = true
		return nil
	}
	if s := t.open(segFast); s != nil {
		t.closeFast(s)
	}
	if !t.has(segFast) {
		// 200 ms of flags before the first ECM frame, however soon it
		// is here: a T.30 receiver wants several flags (framing) first.
		t.fh.Restart(rate / 8 / 5)
		t.fn, t.fbad = 0, false
	}
	t.gap()
	// ECM pages (not TCF) are HDLC from their start: flags until the
	// first frame comes, as a T.30 receiver expects after training.
	mode := modeUnknown
	if t.g.ecm && !t.g.tcf {
		mode = modeHDLC
	}
	return t.push(segment{kind: segFast, mod: m, rate: rate, short: short, open: true, endAt: -1, mode: mode})
}

// packet acts on one packet from the network; one it could not act on
// in full counts once in BadPackets.
func (t *txSide) packet(p *inPacket) {
	t.bad = false
	t.act(p)
	if t.bad {
		t.g.st.BadPackets++
	}
}

func (t *txSide) act(p *inPacket) {
	if !p.isData {
		t.closeTones()
		switch p.ind {
		case t38.NoSignal:
			t.closeAll()
		case t38.CNG:
			t.closeAll()
			t.push(segment{kind: segTone, hz: 1100, on: cngOn, off: cngOff, left: -1})
		case t38.CED:
			t.closeAll()
			t.push(segment{kind: segTone, hz: 2100, left: -1})
		case t38.V21Preamble:
			t.startV21()
		default:
			if m, rate, short, ok := trainingOf(p.ind); ok {
				t.startFast(m, rate, short)
			} else {
				t.bad = true // V.8, V.34, V.33: not relayed
			}
		}
		return
	}
	if p.dt == t38.V21 {
		s := t.open(segV21)
		if s == nil {
			t.bad = true // data without its indicator: start the signal anyway
			t.closeTones()
			s = t.startV21()
			if s == nil {
				return
			}
		}
		for i := range p.n {
			t.v21Field(s, p.ft[i], p.field(i))
		}
		return
	}
	m, rate := modOf(p.dt)
	s := t.open(segFast)
	if s == nil || s.mod != m {
		t.bad = true
		t.closeTones()
		if s = t.startFast(m, rate, false); s == nil {
			return
		}
	}
	for i := range p.n {
		t.fastField(s, p.ft[i], p.field(i))
	}
}

func (t *txSide) v21Field(s *segment, ft t38.FieldType, b []byte) {
	switch ft {
	case t38.HDLCData:
		t.addV21(b)
	case t38.HDLCFCSOK, t38.HDLCFCSBad, t38.HDLCFCSOKSigEnd, t38.HDLCFCSBadSigEnd:
		t.addV21(b)
		if t.vn > 0 && !t.vbad {
			ok := ft == t38.HDLCFCSOK || ft == t38.HDLCFCSOKSigEnd
			if ok {
				t.g.control(t.vf[:t.vn], false)
			}
			if t.v21h.Queue(t.vf[:t.vn], !ok) != nil {
				t.bad = true
			}
		}
		t.vn, t.vbad = 0, false
		if ft == t38.HDLCFCSOKSigEnd || ft == t38.HDLCFCSBadSigEnd {
			s.open = false
			t.v21h.End()
		}
	case t38.HDLCSigEnd:
		t.vn, t.vbad = 0, false
		s.open = false
		t.v21h.End()
	default:
		t.bad = true
	}
}

// addV21 adds octets of the V.21 frame coming in (some senders put the
// last ones in the FCS field).
func (t *txSide) addV21(b []byte) {
	for _, c := range b {
		if t.vn == len(t.vf) {
			t.vbad = true
			return
		}
		t.vf[t.vn] = rev[c]
		t.vn++
	}
}

func (t *txSide) fastField(s *segment, ft t38.FieldType, b []byte) {
	switch ft {
	case t38.T4NonECMData, t38.T4NonECMSigEnd:
		if s.mode == modeUnknown {
			s.mode = modeNonECM
		}
		for _, c := range b {
			if t.wr-t.rd == ringSize {
				t.bad = true
				break
			}
			t.ring[t.wr%ringSize] = c
			t.wr++
		}
		if ft == t38.T4NonECMSigEnd {
			t.closeFast(s)
		}
	case t38.HDLCData:
		if s.mode == modeUnknown {
			s.mode = modeHDLC
		}
		for _, c := range b {
			if t.fn == len(t.ff) {
				t.fbad = true
				break
			}
			t.ff[t.fn] = rev[c]
			t.fn++
		}
	case t38.HDLCFCSOK, t38.HDLCFCSBad, t38.HDLCFCSOKSigEnd, t38.HDLCFCSBadSigEnd:
		if s.mode == modeUnknown {
			s.mode = modeHDLC
		}
		if t.fn > 0 && !t.fbad {
			ok := ft == t38.HDLCFCSOK || ft == t38.HDLCFCSOKSigEnd
			if t.fh.Queue(t.ff[:t.fn], !ok) != nil {
				t.bad = true
			}
		}
		t.fn, t.fbad = 0, false
		if ft == t38.HDLCFCSOKSigEnd || ft == t38.HDLCFCSBadSigEnd {
			t.closeFast(s)
		}
	case t38.HDLCSigEnd:
		if s.mode == modeUnknown {
			s.mode = modeHDLC
		}
		t.fn, t.fbad = 0, false
		t.closeFast(s)
	default:
		t.bad = true
	}
}

func modOf(dt t38.DataType) (Modulation, int) {
	switch dt {
	case t38.V27ter2400:
		return V27ter, 2400
	case t38.V27ter4800:
		return V27ter, 4800
	case t38.V29_7200:
		return V29, 7200
	case t38.V29_9600:
		return V29, 9600
	case t38.V17_7200:
		return V17, 7200
	case t38.V17_9600:
		return V17, 9600
	case t38.V17_12000:
		return V17, 12000
	}
	return V17, 14400
}

// audio writes the fax machine's next samples.
func (t *txSide) audio(out []int16) {
	f := 0
	for f < len(out) && t.n > 0 {
		s := &t.segs[t.hd]
		if !t.run {
			if !t.start(s) {
				t.pop()
				continue
			}
			t.run = true
		}
		var n int
		done := false
		switch s.kind {
		case segSilence, segTone:
			n = len(out) - f
			if s.left >= 0 && s.left < n {
				n = s.left
			}
			if s.kind == segTone {
				t.tone(s, out[f:f+n])
			} else {
				clear(out[f : f+n])
			}
			if s.left >= 0 {
				s.left -= n
				done = s.left == 0
			}
			if s.kind == segTone && s.on == 0 && t.t >= cedSamples {
				done = true
			}
		case segV21:
			n = t.v21.Transmit(out[f:])
			done = f+n < len(out)
		case segFast:
			n = t.fast[s.mod].Transmit(out[f:])
			done = f+n < len(out)
		}
		f += n
		if done {
			t.pop()
		}
	}
	clear(out[f:])
}

func (t *txSide) start(s *segment) bool {
	switch s.kind {
	case segTone:
		t.phase, t.t = 0, 0
	case segV21:
		t.v21.Restart()
	case segFast:
		if err := t.fast[s.mod].restart(s.rate, s.short); err != nil {
			t.g.log.Warn("faxrelay: high-speed transmitter", "err", err)
			return false
		}
		t.src.flowing, t.src.cur, t.src.left, t.src.zeros = false, 0, 0, 0
		t.src.safe, t.src.scan, t.src.scanRun = 0, 0, 0
		t.src.preroll = max(s.rate*prerollMs/1000/8, 1)
	}
	return true
}

func (t *txSide) tone(s *segment, out []int16) {
	w := 2 * math.Pi * s.hz / 8000
	for i := range out {
		on := true
		if s.on > 0 {
			on = t.t%(s.on+s.off) < s.on
		}
		if on {
			out[i] = int16(t.amp * math.Sin(t.phase))
		} else {
			out[i] = 0
		}
		if t.phase += w; t.phase > 2*math.Pi {
			t.phase -= 2 * math.Pi
		}
		t.t++
	}
}

// Bit gives the high-speed modulator its next bit: ECM frames from the
// HDLC transmitter (flags while none is ready), or non-ECM octets. A
// non-ECM signal starts once prerollMs of it are held, against network
// jitter; ones are sent before it. A new T.4 line starts only once it is
// held whole, up to the next EOL: while it is not, T.4 fill (zeros before
// the EOL) is sent, which loses nothing (Stats.FillBits). Only a line
// longer than what the buffer gets in time can run dry: then ones are
// sent (Stats.Underflows; that line may be damaged, the page goes on).
func (s *fastSource) Bit() int {
	if s.left > 0 && s.zeros < 11 {
		// Non-ECM, inside an octet already taken, not at an EOL: the
		// common case.
		b := int(s.cur >> 7)
		s.cur <<= 1
		s.left--
		if b == 0 {
			s.zeros++
		} else {
			s.zeros = 0
		}
		return b
	}
	t := s.t
	seg := &t.segs[t.hd]
	if seg.mode == modeHDLC {
		return t.fh.Bit()
	}
	limit := t.wr
	if !seg.open && seg.endAt >= 0 && seg.endAt < limit {
		limit = seg.endAt
	}
	avail := limit - t.rd
	if !s.flowing {
		if avail <= 0 && !seg.open && s.left == 0 {
			return modem.EndOfData
		}
		if avail < int64(s.preroll) && seg.open {
			return 1
		}
		s.flowing = true
	}
	if s.zeros >= 11 && seg.open && !s.lineHeld(limit) {
		s.zeros++
		t.g.st.FillBits++
		return 0
	}
	if avail > 0 || s.left > 0 {
		return s.take()
	}
	if !seg.open {
		return modem.EndOfData
	}
	t.g.st.Underflows++
	s.zeros = 0
	return 1
}

// lineHeld reports whether the data up to the next EOL's zeros is in
// the buffer: the line that follows the present EOL can be sent whole.
// The search resumes where it stopped, so each bit is looked at once.
func (s *fastSource) lineHeld(limit int64) bool {
	t := s.t
	pos := t.rd*8 - int64(s.left)
	if pos < s.safe {
		return true
	}
	if s.scan < pos+1 {
		s.scan, s.scanRun = pos+1, 0
	}
	end := limit * 8
	// Bit by bit to an octet boundary, then an octet at a time: a run of
	// zeros inside an octet is at most six long, so only one that joins
	// its leading zeros to the run before can make eleven.
	for s.scan < end && s.scan&7 != 0 {
		if s.bitAt(s.scan) != 0 {
			s.scanRun = 0
		} else if s.scanRun++; s.scanRun == 11 {
			s.scan++
			s.safe = s.scan
			return true
		}
		s.scan++
	}
	for s.scan < end {
		c := t.ring[(s.scan>>3)%ringSize]
		if lz := bits.LeadingZeros8(c); s.scanRun+lz >= 11 {
			s.scan += int64(11 - s.scanRun)
			s.scanRun = 11
			s.safe = s.scan
			return true
		}
		if c == 0 {
			s.scanRun += 8
		} else {
			s.scanRun = bits.TrailingZeros8(c)
		}
		s.scan += 8
	}
	return false
}

// bitAt is bit i (counted from the ring's start, first bit sent first).
func (s *fastSource) bitAt(i int64) byte {
	return s.t.ring[(i>>3)%ringSize] >> (7 - i&7) & 1
}

// take sends the next bit of ring[rd].
func (s *fastSource) take() int {
	t := s.t
	if s.left == 0 {
		s.cur, s.left = t.ring[t.rd%ringSize], 8
		t.rd++
	}
	b := int(s.cur >> 7)
	s.cur <<= 1
	s.left--
	if b == 0 {
		s.zeros++
	} else {
		s.zeros = 0
	}
	return b
}
