package faxrelay

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/potsgate/potsgate/media/modem"
	"github.com/potsgate/potsgate/media/modem/hdlc"
	"github.com/potsgate/potsgate/media/t38"
)

// ErrConfig is returned by New for a configuration it cannot use.
var ErrConfig = errors.New("faxrelay: bad configuration")

// Config is a gateway's configuration; its zero value relays up to
// 14400 bit/s without ECM.
type Config struct {
	MaxRate int          // FaxRelayMaxRate in bit/s: 2400, 4800, 7200, 9600, 12000 or 14400; 0: 14400
	ECM     bool         // FaxRelayECMEnable: false removes ECM from DIS/DTC (T.30 spoofing allowed by T.38)
	Log     *slog.Logger // nil: discard
}

// Sender takes the IFP packets the gateway makes.
type Sender interface{ SendIFP(p *t38.IFP) } // called on Audio's goroutine; p valid only during the call

// Stats count what a gateway did.
type Stats struct {
	Ended           bool // DCN seen and both sides quiet: the call may return to audio
	Pages           int  // pages confirmed (MCF after a post-page message)
	Rate            int  // bit/s of the last DCS
	ECM             bool // the last DCS asked for ECM
	PacketsSent     int
	PacketsReceived int
	BadFrames       int        // HDLC frames from the fax machine with a bad FCS
	BadPackets      int        // IFP packets dropped: data without indicator, unknown types, oversized, queue full
	FillBits        int        // T.4 fill bits inserted before an EOL while the next line was on its way (harmless)
	Underflows      int        // bits the modulator had to invent mid-line: the network was late (ones, see doc)
	TrainingFailed  int        // high-speed carriers from the fax machine whose training failed
	Modulation      Modulation // of the last DCS
}

// echoTail is how long after the end of a signal to the machine its echo
// may still come back (40 ms: a hybrid's echo plus the jitter of the
// port's audio path); T.30 answers 75 ms after a signal at the earliest.
const echoTail = 320

// FrameSamples is the audio frame Audio is made for (10 ms); other
// lengths work too.
const FrameSamples = 80

// Gateway is the T.38 gateway of one call. Make it with New.
type Gateway struct {
	cfg  Config
	log  *slog.Logger
	send Sender

	// ReceiveIFP's queue, drained by Audio.
	mu      sync.Mutex
	inq     [inSlots]inPacket
	inHd    int
	inN     int
	snap    Stats // guarded by mu: g.st as of the last Audio
	recv    int   // guarded by mu: packets ReceiveIFP took
	recvBad int   // guarded by mu: packets ReceiveIFP dropped

	// what Audio works with; st is copied to snap under mu.
	st  Stats
	out t38.IFP
	fld [2]t38.Field
	ob  [hdlc.MaxFrame + 4]byte

	rx  rxSide
	tx  txSide
	dcn bool
	// phaseB: a T.30 frame has passed; no CNG or CED comes after it.
	phaseB bool
	// echo counts down the samples after our last signal in which the
	// port's input is taken for its echo.
	echo int
	// quiet counts samples with neither side signalling after DCN.
	quiet int
	// postPage: the last post-page message seen, waiting for its MCF.
	postPage bool

	// the expected high-speed signal, from the last DCS
	mod   Modulation
	rate  int
	ecm   bool
	tcf   bool // DCS seen, CFR not yet: the next high-speed signal is TCF
	short bool // V.17 short training (after CFR)
}

// New makes a gateway that sends its IFP packets to s.
func New(cfg Config, s Sender) (*Gateway, error) {
	switch cfg.MaxRate {
	case 0:
		cfg.MaxRate = 14400
	case 2400, 4800, 7200, 9600, 12000, 14400:
	default:
		return nil, fmt.Errorf("%w: MaxRate %d", ErrConfig, cfg.MaxRate)
	}
	if s == nil {
		return nil, fmt.Errorf("%w: no Sender", ErrConfig)
	}
	g := &Gateway{cfg: cfg, log: cfg.Log, send: s}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if err := g.rx.init(g); err != nil {
		return nil, err
	}
	if err := g.tx.init(g); err != nil {
		return nil, err
	}
	// The modems the gateway has not limit what it offers.
	limit := 14400
	switch {
	case g.tx.fast[V17] == nil || g.rx.fast[V17] == nil:
		limit = 9600
		if g.tx.fast[V29] == nil || g.rx.fast[V29] == nil {
			limit = 4800
			if g.tx.fast[V27ter] == nil || g.rx.fast[V27ter] == nil {
				limit = 2400 // nothing: DIS offers only V.27ter's fall-back
			}
		}
	}
	if g.cfg.MaxRate > limit {
		g.cfg.MaxRate = limit
	}
	return g, nil
}

// Stats are the gateway's counts; any goroutine.
func (g *Gateway) Stats() Stats {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.snap
	s.PacketsReceived = g.recv
	s.BadPackets += g.recvBad
	return s
}

// Audio processes one frame of the port: in is what the fax machine
// sent, out gets what it hears. Call it on the port's goroutine every
// 10 ms; len(out) may differ from len(in) only at the call's end.
func (g *Gateway) Audio(in, out []int16) {
	g.drain()
	// T.30 is half duplex: while the machine hears a signal from us, what
	// comes back on the port is our own echo (a line's hybrid), not the
	// machine, until echoTail after it. Unless the machine was already
	// sending, the receivers rest meanwhile.
	if g.echo <= 0 || g.rx.busy() {
		g.rx.audio(in)
	}
	g.tx.audio(out)
	g.echo -= len(out)
	for _, v := range out {
		if v != 0 {
			g.echo = echoTail
			break
		}
	}
	if g.dcn {
		if g.rx.busy() || g.tx.busy() {
			g.quiet = 0
		} else if g.quiet += len(out); g.quiet >= 4000 {
			g.st.Ended = true
		}
	}
	g.mu.Lock()
	g.snap = g.st
	g.mu.Unlock()
}

// emit sends the gateway's packet.
func (g *Gateway) emit() {
	g.st.PacketsSent++
	g.send.SendIFP(&g.out)
}

func (g *Gateway) indicator(i t38.Indicator) {
	g.out = t38.IFP{Indicator: i}
	g.emit()
}

// data sends a data packet of one or two fields (typ2 < 0: one).
func (g *Gateway) data(dt t38.DataType, typ t38.FieldType, b []byte, typ2 int) {
	g.fld[0] = t38.Field{Type: typ, Data: b}
	n := 1
	if typ2 >= 0 {
		g.fld[1] = t38.Field{Type: t38.FieldType(typ2)}
		n = 2
	}
	g.out = t38.IFP{IsData: true, DataType: dt, Fields: g.fld[:n]}
	g.emit()
}

// control looks at a T.30 frame going either way (fromAudio: the fax
// machine sent it) and edits DIS/DTC as the configuration wants.
func (g *Gateway) control(f []byte, fromAudio bool) {
	c, ok := fcf(f)
	if !ok {
		return
	}
	g.phaseB = true
	switch c {
	case fcfDIS, fcfDTC:
		spoofDIS(f, g.cfg.MaxRate, g.cfg.ECM)
	case fcfDCS:
		g.mod, g.rate = dcsRate(f)
		g.ecm, g.tcf, g.short = hasECM(f), true, false
		g.st.Rate, g.st.ECM, g.st.Modulation = g.rate, g.ecm, g.mod
		g.log.Debug("faxrelay: DCS", "modulation", g.mod, "rate", g.rate, "ecm", g.ecm, "from_audio", fromAudio)
		// The fax machine sends TCF and pages: our receiver listens.
		g.rx.expect(fromAudio)
	case fcfCFR:
		// Pages follow with V.17's short training.
		g.tcf, g.short = false, true
		if g.rx.armed && !g.rx.trained {
			g.rx.rearm()
		}
	case fcfMPS, fcfEOP, fcfEOM, fcfPRIMPS, fcfPRIEOP, fcfPRIEOM:
		g.postPage = true
	case fcfPPS:
		if len(f) > 3 && f[3]&^1 != 0 {
			g.postPage = true // PPS-NULL ends a block, not a page
		}
	case fcfMCF:
		if g.postPage {
			g.st.Pages++
		}
		g.postPage = false
	case fcfRTN, fcfRTP:
		g.postPage = false
	case fcfDCN:
		g.dcn = true
	}
}

// t38 rate names.
func trainingIndicator(m Modulation, rate int, short bool) t38.Indicator {
	switch m {
	case V27ter:
		if rate == 2400 {
			return t38.V27ter2400Training
		}
		return t38.V27ter4800Training
	case V29:
		if rate == 7200 {
			return t38.V29_7200Training
		}
		return t38.V29_9600Training
	case V17:
		i := t38.V17_14400LongTraining
		switch rate {
		case 7200:
			i = t38.V17_7200LongTraining
		case 9600:
			i = t38.V17_9600LongTraining
		case 12000:
			i = t38.V17_12000LongTraining
		}
		if short {
			i--
		}
		return i
	}
	return t38.NoSignal
}

// trainingOf decodes a training indicator.
func trainingOf(i t38.Indicator) (m Modulation, rate int, short bool, ok bool) {
	switch i {
	case t38.V27ter2400Training:
		return V27ter, 2400, false, true
	case t38.V27ter4800Training:
		return V27ter, 4800, false, true
	case t38.V29_7200Training:
		return V29, 7200, false, true
	case t38.V29_9600Training:
		return V29, 9600, false, true
	case t38.V17_7200ShortTraining, t38.V17_7200LongTraining:
		return V17, 7200, i == t38.V17_7200ShortTraining, true
	case t38.V17_9600ShortTraining, t38.V17_9600LongTraining:
		return V17, 9600, i == t38.V17_9600ShortTraining, true
	case t38.V17_12000ShortTraining, t38.V17_12000LongTraining:
		return V17, 12000, i == t38.V17_12000ShortTraining, true
	case t38.V17_14400ShortTraining, t38.V17_14400LongTraining:
		return V17, 14400, i == t38.V17_14400ShortTraining, true
	}
	return NoModulation, 0, false, false
}

func dataTypeOf(m Modulation, rate int) t38.DataType {
	switch m {
	case V27ter:
		if rate == 2400 {
			return t38.V27ter2400
		}
		return t38.V27ter4800
	case V29:
		if rate == 7200 {
			return t38.V29_7200
		}
		return t38.V29_9600
	case V17:
		switch rate {
		case 7200:
			return t38.V17_7200
		case 9600:
			return t38.V17_9600
		case 12000:
			return t38.V17_12000
		}
		return t38.V17_14400
	}
	return t38.V21
}

var _ modem.Sink = v21Sink{}
