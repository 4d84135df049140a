package faxrelay

import (
	"github.com/potsgate/potsgate/media/fax"
	"github.com/potsgate/potsgate/media/modem"
	"github.com/potsgate/potsgate/media/modem/hdlc"
	"github.com/potsgate/potsgate/media/modem/v21"
	"github.com/potsgate/potsgate/media/t38"
)

// rxSide turns the fax machine's audio into IFP packets.
type rxSide struct {
	g   *Gateway
	det *fax.Detector // CNG and CED

	v21      *v21.Receiver
	v21h     *hdlc.Receiver
	v21s     v21Sink
	preamble bool // v21-preamble sent for the present carrier

	fast    [4]fastRx
	fs      fastSink
	fh      *hdlc.Receiver // ECM frames at high speed
	armed   bool           // the fax machine will send at high speed
	cur     Modulation
	rate    int
	trained bool // training succeeded, carrier still there
	hdlc    bool // the present high-speed signal is ECM frames
	// non-ECM octets, the first bit received in the high bit
	nb    [256]byte
	nn    int
	acc   byte
	accN  int
	chunk int
}

type v21Sink struct{ r *rxSide }
type v21Frames struct{ r *rxSide }
type fastSink struct{ r *rxSide }
type fastFrames struct{ r *rxSide }

func (r *rxSide) init(g *Gateway) error {
	r.g = g
	r.det = fax.New(fax.Config{NoV21: true})
	r.v21s = v21Sink{r}
	r.v21 = v21.NewReceiver(r.v21s)
	// T.30 sends a second of flags; three make framing.
	r.v21h = hdlc.NewReceiver(v21Frames{r}, 3, 0)
	r.fs = fastSink{r}
	r.fh = hdlc.NewReceiver(fastFrames{r}, 1, 0)
	var err error
	_, r.fast, err = newModems(nil, r.fs)
	return err
}

// busy: the fax machine is sending a modem signal.
func (r *rxSide) busy() bool { return r.v21.Carrier() || r.trained }

// expect arms (or disarms) the high-speed receiver for the modulation of
// the last DCS.
func (r *rxSide) expect(on bool) {
	r.armed = on
	if on && !r.trained {
		r.rearm()
	}
}

// rearm restarts the high-speed receiver for the next signal.
func (r *rxSide) rearm() {
	g := r.g
	r.cur, r.rate = g.mod, g.rate
	if !r.armed || r.fast[r.cur] == nil {
		r.armed = false
		return
	}
	if err := r.fast[r.cur].restart(r.rate, g.short); err != nil {
		g.log.Warn("faxrelay: high-speed receiver", "err", err)
		r.armed = false
	}
}

func (r *rxSide) audio(in []int16) {
	if r.trained {
		// A trained high-speed carrier: the machine sends nothing else
		// (half duplex), V.21 and the tones wait for its end, as
		// spandsp's gateway does.
		r.fast[r.cur].Receive(in)
		r.flush(false)
		return
	}
	if !r.g.phaseB {
		// CNG and CED only come before T.30's first frame.
		s := r.det.Process(in)
		if s.Has(fax.SignalCNG) {
			r.g.indicator(t38.CNG)
		}
		if s.Has(fax.SignalCED) {
			r.g.indicator(t38.CED)
		}
	}
	r.v21.Receive(in)
	if r.armed {
		r.fast[r.cur].Receive(in)
		r.flush(false)
	}
}

func (s v21Sink) Bit(b int) { s.r.v21h.Bit(b) }

func (s v21Sink) Status(st modem.Status) {
	r := s.r
	switch st {
	case modem.CarrierUp:
		r.v21h.Reset()
	case modem.CarrierDown:
		if r.preamble {
			r.g.data(t38.V21, t38.HDLCSigEnd, nil, -1)
			r.g.indicator(t38.NoSignal)
			r.preamble = false
		}
		r.v21h.Reset()
	}
}

func (f v21Frames) Event(e hdlc.Event) {
	r := f.r
	if e == hdlc.Framing && !r.preamble {
		r.preamble = true
		r.g.indicator(t38.V21Preamble)
	}
}

func (f v21Frames) Frame(b []byte, ok bool) {
	r := f.r
	if !ok {
		r.g.st.BadFrames++
	}
	if len(b) == 0 {
		return
	}
	if !r.preamble {
		r.preamble = true
		r.g.indicator(t38.V21Preamble)
	}
	r.g.relayFrame(t38.V21, b, ok, true)
}

// relayFrame sends an HDLC frame the fax machine sent, after looking at
// it (and editing a DIS) when its FCS was right.
func (g *Gateway) relayFrame(dt t38.DataType, b []byte, ok, control bool) {
	n := copy(g.ob[:], b)
	f := g.ob[:n]
	if ok && control {
		g.control(f, true)
	}
	for i, c := range f {
		f[i] = rev[c]
	}
	end := t38.HDLCFCSOK
	if !ok {
		end = t38.HDLCFCSBad
	}
	g.data(dt, t38.HDLCData, f, int(end))
}

func (s fastSink) Bit(b int) {
	r := s.r
	if !r.trained {
		return
	}
	if r.hdlc {
		r.fh.Bit(b)
		return
	}
	r.acc = r.acc<<1 | byte(b&1)
	if r.accN++; r.accN == 8 {
		r.nb[r.nn] = r.acc
		r.nn++
		r.accN = 0
		if r.nn == len(r.nb) {
			r.flush(true)
		}
	}
}

// flush sends the non-ECM octets gathered, when there are a packet's
// worth (20 ms) or always.
func (r *rxSide) flush(always bool) {
	if r.nn == 0 || (!always && r.nn < r.chunk) {
		return
	}
	r.g.data(dataTypeOf(r.cur, r.rate), t38.T4NonECMData, r.nb[:r.nn], -1)
	r.nn = 0
}

func (s fastSink) Status(st modem.Status) {
	r := s.r
	g := r.g
	switch st {
	case modem.TrainingSucceeded:
		r.trained = true
		r.hdlc = g.ecm && !g.tcf
		r.nn, r.accN = 0, 0
		r.chunk = max(r.rate/8/50, 1)
		r.fh.Reset()
		g.indicator(trainingIndicator(r.cur, r.rate, g.short))
	case modem.TrainingFailed:
		// The high-speed receiver also hears the machine's V.21: only
		// the failures of a carrier that is not V.21 count.
		if !r.v21.Carrier() {
			g.st.TrainingFailed++
		}
		r.rearm()
	case modem.CarrierDown:
		if r.trained {
			dt := dataTypeOf(r.cur, r.rate)
			if r.hdlc {
				g.data(dt, t38.HDLCSigEnd, nil, -1)
			} else {
				g.data(dt, t38.T4NonECMSigEnd, r.nb[:r.nn], -1)
				r.nn = 0
			}
			g.indicator(t38.NoSignal)
			r.trained = false
			// What follows a trained signal without a new DCS (the
			// pages after TCF and CFR, the next page) uses V.17's
			// short training; a restart for the long one would lose
			// what the receiver learned.
			g.short = true
		}
		r.rearm()
	}
}

func (f fastFrames) Event(hdlc.Event) {}

func (f fastFrames) Frame(b []byte, ok bool) {
	r := f.r
	if !ok {
		r.g.st.BadFrames++
	}
	if len(b) == 0 {
		return
	}
	r.g.relayFrame(dataTypeOf(r.cur, r.rate), b, ok, false)
}
