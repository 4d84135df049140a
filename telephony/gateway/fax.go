package gateway

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/potsgate/potsgate/media/fax"
	"github.com/potsgate/potsgate/media/t38"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
)

// Fax and modem calls (IsFaxUsed, FaxTransportMode, CNGDetectorMode).
//
// Every call on an RTP leg is watched in both directions by media/fax's
// detectors, on the line's goroutine. The first fax or modem signal
// switches the call to fax handling for the rest of it: the line's echo
// canceller and DTMF detection (and so digit muting and RFC 4733 digits)
// go, and the RTP leg's jitter buffer is fixed and its loss concealment
// replaced by silence. With IsFaxUsed = 2, a call on another coder is
// moved to G.711 by a re-INVITE: at once by the gateway whose port the
// signal came from, and after faxPeerWait by the other one if the far
// end has not done it by then (so that two of ours do not collide).

// faxPeerWait is how long a gateway that heard fax from the network
// leaves the re-INVITE to the far end.
const faxPeerWait = 2 * time.Second

// faxLeg is what fax handling asks of a media leg (rtpLeg).
type faxLeg interface {
	SetFaxMode()
	CodecName() string
}

// faxWatch follows one port's call for fax. The line's goroutine owns it.
type faxWatch struct {
	leg       MediaLeg // the leg being watched; another one restarts
	pol       faxPolicy
	fromLine  *fax.Detector
	fromNet   *fax.Detector
	on        bool
	signal    fax.Signal // what started fax handling
	lineSide  bool       // heard from the port (else from the network)
	reinvited bool
}

// FaxStatus is a port's fax state, for tests and the status page.
type FaxStatus struct {
	Active   bool   // the present call is in fax handling
	Signal   string // the signal that started it
	FromLine bool   // heard on the port, not from the network
	// T38: the call is on T.38 now; WasT38: it was and is back on audio;
	// PassThrough: T.38 was refused and the fax goes as G.711.
	T38, WasT38, PassThrough bool
	// Pages, Rate (bit/s) and ECM are the relay's, on T.38; UDPTL its
	// session's counters.
	Pages, Rate int
	ECM         bool
	Underflows  int // bits the relay's modulator invented, the network late
	UDPTL       t38.SessionStats
}

// FaxStatus returns port i's fax state (zero when its call is not in fax
// handling), the coder its RTP leg uses ("" without one), and the
// gateway's counts of calls moved to G.711 for fax and of re-INVITEs that
// failed.
func (g *Gateway) FaxStatus(i int) (st FaxStatus, codec string, reinvites, failed int64) {
	if i < 0 || i >= len(g.ports) {
		return FaxStatus{}, "", 0, 0
	}
	p := g.ports[i]
	if s := p.faxState.Load(); s != nil {
		st = *s
	}
	if t := p.t38.Load(); t != nil {
		rs := t.relay.Stats()
		st.T38, st.Pages, st.Rate, st.ECM, st.Underflows, st.UDPTL = true, rs.Pages, rs.Rate, rs.ECM, rs.Underflows, t.sess.Stats()
	}
	p.mu.Lock()
	leg := p.leg
	p.mu.Unlock()
	if fl, ok := leg.(faxLeg); ok {
		codec = fl.CodecName()
	}
	return st, codec, g.faxReinvites.Load(), g.faxReinviteFailed.Load()
}

// watchFax runs the detector of one direction on a frame of the call on leg.
func (p *port) watchFax(leg MediaLeg, x []int16, fromLine bool) {
	w := &p.fax
	if w.leg != leg {
		w.leg, w.on, w.signal, w.reinvited = leg, false, 0, false
		p.faxState.Store(nil)
		w.pol = faxPolicyOf(p.g.config())
		w.fromLine.Reset()
		w.fromNet.Reset()
	}
	if !w.pol.detect || w.on {
		return
	}
	var s fax.Signal
	if fromLine {
		s = w.fromLine.Process(x)
		if !w.pol.cng {
			s &^= fax.SignalCNG
		}
	} else {
		s = w.fromNet.Process(x)
	}
	if s != 0 {
		p.startFax(leg, s, fromLine)
	}
}

// startFax switches the call to fax handling.
func (p *port) startFax(leg MediaLeg, s fax.Signal, fromLine bool) {
	w := &p.fax
	w.on, w.signal, w.lineSide = true, s, fromLine
	p.faxState.Store(&FaxStatus{Active: true, Signal: s.String(), FromLine: fromLine})
	p.g.log.Info("fax or modem detected", "port", p.index, "signal", s.String(), "from_line", fromLine)
	if p.fxs != nil {
		p.fxs.SetFaxMode()
	} else if p.fxo != nil {
		p.fxo.SetFaxMode()
	}
	fl, ok := leg.(faxLeg)
	if !ok {
		return
	}
	fl.SetFaxMode()
	p.mu.Lock()
	c := p.call
	p.mu.Unlock()
	wait := time.Duration(0)
	if !fromLine {
		wait = faxPeerWait
	}
	if w.pol.t38 && c != nil && p.t38.Load() == nil {
		w.reinvited = true
		pol := w.pol
		p.g.wg.Add(1)
		go func() {
			defer p.g.wg.Done()
			p.t38Reinvite(c, leg, fl, pol, wait)
		}()
		return
	}
	if !w.pol.reinvite || isG711(fl.CodecName()) || c == nil {
		return
	}
	w.reinvited = true
	formats := w.pol.formats
	p.g.wg.Add(1)
	go func() {
		defer p.g.wg.Done()
		p.faxReinvite(c, leg, fl, formats, wait)
	}()
}

// faxReinvite moves the call to G.711. It runs on a goroutine of the
// gateway's.
func (p *port) faxReinvite(c *sip.Call, leg MediaLeg, fl faxLeg, formats []sdp.Format, wait time.Duration) {
	ctx, cancel := context.WithTimeout(p.g.ctx, wait+30*time.Second)
	defer cancel()
	if wait > 0 {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return
		case <-c.Done():
			return
		}
		if isG711(fl.CodecName()) {
			return // the far end did it
		}
	}
	for attempt := 0; ; attempt++ {
		ch, err := c.Reoffer(ctx, formats)
		var se *sip.StatusError
		glare := errors.Is(err, sip.ErrPending) || errors.As(err, &se) && se.Code == 491
		if glare && attempt < 3 {
			// RFC 3261 14.1: try again after a while, unless the far
			// end's own re-INVITE has done it.
			select {
			case <-time.After(time.Duration(attempt+1) * 700 * time.Millisecond):
			case <-ctx.Done():
				return
			}
			if isG711(fl.CodecName()) {
				return
			}
			continue
		}
		if err != nil {
			p.g.faxReinviteFailed.Add(1)
			p.g.log.Warn("fax re-INVITE to G.711 failed: the call stays on its coder", "port", p.index, "error", err)
			return
		}
		if err := leg.Update(ch); err != nil {
			p.g.log.Warn("fax: media not switched to G.711", "port", p.index, "error", err)
			return
		}
		p.g.faxReinvites.Add(1)
		p.g.log.Info("fax call moved to G.711", "port", p.index, "codec", ch.Codec.Name)
		return
	}
}

func isG711(name string) bool {
	return strings.EqualFold(name, "PCMU") || strings.EqualFold(name, "PCMA")
}
