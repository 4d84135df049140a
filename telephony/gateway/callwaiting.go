package gateway

import (
	"context"
	"time"

	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/telephony/line"
)

// Call waiting towards SIP (EnableCallWaiting): a call for an FXS port
// already in a SIP call rings as a waiting call (180 to its caller, the
// call waiting tone and type 2 caller ID to the phone) instead of getting
// 486. A hook flash answers it and holds the first call; further flashes
// swap the two. When the talking party hangs up, the held one comes back;
// when the phone hangs up, both end.

// cwState is a port's second call; guarded by the port's mutex.
type cwState struct {
	waiting  *sip.Call // alerted, not answered yet
	held     *sip.Call // the other call once both are up
	heldLeg  MediaLeg
	swapping bool // a flash's re-INVITEs are under way
}

// offerWaiting alerts c as a waiting call if the port can take one.
func (p *port) offerWaiting(c *sip.Call) bool {
	g := p.g
	if p.fxs == nil || !g.config().Bool(ParamEnableCallWaiting) {
		return false
	}
	talking := p.fxs.State() == line.FXSConnected // read before p.mu: the line calls into the port holding its own lock
	p.mu.Lock()
	ok := talking && p.call != nil && p.cw.waiting == nil && p.cw.held == nil && !p.hangingUp
	if ok {
		p.cw.waiting = c
	}
	p.mu.Unlock()
	if !ok {
		return false
	}
	g.log.Info("call waiting", "port", p.index, "from", c.From(), "call", c.ID())
	_ = c.Ring()
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		p.deliver(line.Event{Kind: line.IncomingCall, CallerID: line.CallerID{Number: c.From()}})
		p.follow(c, false)
	}()
	return true
}

// secondary reports whether c is the port's waiting or held call, or its
// talking call while another is held: its end does not end the line's call.
func (p *port) secondary(c *sip.Call) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.leaving {
		if l.c == c {
			return true
		}
	}
	return !p.hangingUp && (c == p.cw.waiting || c == p.cw.held || c == p.call && p.cw.held != nil ||
		c == p.conf.held || c == p.call && p.conf.mixing)
}

// callGone settles the port once c has ended; p.cwMu is held.
func (p *port) callGone(c *sip.Call) {
	g := p.g
	p.mu.Lock()
	if ev, leg, release, ok := p.confGoneLocked(c); ok {
		p.mu.Unlock()
		if leg != nil {
			_ = leg.Close()
		}
		if release {
			p.release()
		}
		if ev != nil {
			p.deliver(*ev)
		}
		return
	}
	switch {
	case c == p.cw.waiting:
		p.cw.waiting = nil
		p.mu.Unlock()
		p.deliver(line.Event{Kind: line.RemoteHangup, Waiting: true})
	case c == p.cw.held:
		leg := p.cw.heldLeg
		p.cw.held, p.cw.heldLeg = nil, nil
		p.mu.Unlock()
		if leg != nil {
			_ = leg.Close()
		}
		p.deliver(line.Event{Kind: line.RemoteHangup, Waiting: true})
	case c == p.call && p.cw.held != nil && !p.hangingUp:
		// The talking party left: the held call comes back.
		old := p.leg
		back := p.cw.held
		p.call, p.leg = back, p.cw.heldLeg
		p.cw.held, p.cw.heldLeg = nil, nil
		p.cw.swapping = true
		p.mu.Unlock()
		if old != nil {
			_ = old.Close()
		}
		p.deliver(line.Event{Kind: line.RemoteHangup, Waiting: true})
		ctx, cancel := context.WithTimeout(g.ctx, 10*time.Second)
		defer cancel()
		ch, err := back.Resume(ctx)
		p.mu.Lock()
		p.cw.swapping = false
		if err == nil && p.call == back && p.leg != nil {
			_ = p.leg.Update(ch)
		}
		p.mu.Unlock()
		if err != nil {
			g.log.Warn("held call not resumed", "port", p.index, "call", back.ID(), "error", err)
		}
	case c == p.call:
		p.mu.Unlock()
		p.release()
	default:
		p.mu.Unlock()
	}
}

// swap answers the waiting call, or brings back the held one, and holds
// the call the phone was talking in. The caller has set cw.swapping.
func (p *port) swap() {
	p.cwMu.Lock()
	defer p.cwMu.Unlock()
	g := p.g
	ctx, cancel := context.WithTimeout(g.ctx, 10*time.Second)
	defer cancel()
	p.mu.Lock()
	active, leg, waiting, held, heldLeg := p.call, p.leg, p.cw.waiting, p.cw.held, p.cw.heldLeg
	p.mu.Unlock()
	done := func() { p.mu.Lock(); p.cw.swapping = false; p.mu.Unlock() }
	if ch, err := active.Hold(ctx); err != nil {
		g.log.Warn("call not held", "port", p.index, "call", active.ID(), "error", err)
	} else if leg != nil {
		_ = leg.Update(ch)
	}
	if waiting != nil {
		leg2, err := g.opts.Media.Open(p.remoteDigit)
		if err == nil {
			if err = waiting.Answer(leg2.Port()); err != nil {
				_ = leg2.Close()
			}
		}
		if err != nil {
			g.log.Warn("waiting call not answered", "port", p.index, "call", waiting.ID(), "error", err)
			_ = waiting.Reject(503, "Service Unavailable")
			if ch, err := active.Resume(ctx); err == nil && leg != nil {
				_ = leg.Update(ch)
			}
			done()
			return
		}
		if err := leg2.Start(waiting.Choice()); err != nil {
			g.log.Warn("media not started", "port", p.index, "error", err)
		}
		g.counters.Established.Add(1)
		p.mu.Lock()
		p.cw.held, p.cw.heldLeg = active, leg
		p.call, p.leg = waiting, leg2
		p.cw.waiting = nil
		p.cw.swapping = false
		p.mu.Unlock()
		return
	}
	ch, err := held.Resume(ctx)
	if err != nil {
		g.log.Warn("held call not resumed", "port", p.index, "call", held.ID(), "error", err)
	} else if heldLeg != nil {
		_ = heldLeg.Update(ch)
	}
	p.mu.Lock()
	p.call, p.leg, p.cw.held, p.cw.heldLeg = held, heldLeg, active, leg
	p.cw.swapping = false
	p.mu.Unlock()
}

// endOthers ends the waiting and held calls when the line's call is over.
func (p *port) endOthers(waiting, held *sip.Call, heldLeg MediaLeg) {
	if heldLeg != nil {
		_ = heldLeg.Close()
	}
	for _, c := range []*sip.Call{waiting, held} {
		if c == nil {
			continue
		}
		p.g.hangupLater(c) // 480 for the waiting call, BYE for the held one
	}
}
