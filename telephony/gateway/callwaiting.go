package gateway

import (
	"context"
	"time"

	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/telephony/line"
)

// Call waiting (EnableCallWaiting): a call for an FXS port already in a
// call rings as a waiting call (180 to a SIP caller, ringback to a caller
// on another port of the gateway; the call waiting tone and type 2 caller
// ID to the phone) instead of being busy. A hook flash answers it and
// holds the first call; further flashes swap the two. When the talking
// party hangs up, the held one comes back; when the phone hangs up, both
// end. Either call may be SIP or local (port to port): a held SIP call is
// held by re-INVITE, a held port hears the hold tone from this one.

// cwState is a port's second call; guarded by the port's mutex.
type cwState struct {
	waiting  *sip.Call // alerted, not answered yet
	held     *sip.Call // the other call once both are up
	heldLeg  MediaLeg
	swapping bool // a flash's re-INVITEs are under way
	// waitingPeer and heldPeer are the same for a local caller. Its port's
	// peer is this port throughout; this port's peer is only ever the
	// party the phone talks to, so a held or waiting port is not heard.
	waitingPeer *port
	heldPeer    *port
}

// busy reports whether the port has a second call.
func (c *cwState) busy() bool {
	return c.waiting != nil || c.held != nil || c.waitingPeer != nil || c.heldPeer != nil
}

// reserveWaiting makes c (SIP) or q (another port) the port's waiting
// call if its phone is talking in a single call, not held.
func (p *port) reserveWaiting(c *sip.Call, q *port) bool {
	if p.fxs == nil || !p.g.config().Bool(ParamEnableCallWaiting) {
		return false
	}
	talking := p.fxs.State() == line.FXSConnected // read before p.mu: the line calls into the port holding its own lock
	p.mu.Lock()
	defer p.mu.Unlock()
	// A call on plain hold is left alone: swapping it would leave the
	// hold (and its tone) on the call taken.
	if !talking || p.call == nil && p.peer == nil || p.cw.busy() || p.hangingUp ||
		p.hold.held || p.hold.changing || p.conf.held != nil {
		return false
	}
	p.cw.waiting, p.cw.waitingPeer = c, q
	return true
}

// offerWaiting alerts c as a waiting call if the port can take one.
func (p *port) offerWaiting(c *sip.Call) bool {
	g := p.g
	if !p.reserveWaiting(c, nil) {
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

// offerWaitingLocal alerts the phone of p, in a call, to a call from
// q, another port of the gateway, as offerWaiting does for SIP; q is
// claimed with p as its peer, and hears ringback.
func (p *port) offerWaitingLocal(q *port) bool {
	if !q.claim(nil, p) {
		return false
	}
	if !p.reserveWaiting(nil, q) {
		q.release()
		return false
	}
	p.g.log.Info("call waiting", "port", p.index, "from", q.number)
	go p.deliver(line.Event{Kind: line.IncomingCall, CallerID: line.CallerID{Number: q.number}})
	go q.deliver(line.Event{Kind: line.RemoteRinging})
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
	return !p.hangingUp && (c == p.cw.waiting || c == p.cw.held || c == p.call && (p.cw.held != nil || p.cw.heldPeer != nil) ||
		c == p.conf.held || c == p.call && p.conf.mixing)
}

// callGone settles the port once c has ended; p.cwMu is held.
func (p *port) callGone(c *sip.Call) {
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
	case c == p.call && p.cw.heldPeer != nil && !p.hangingUp:
		// The talking party left: the held port comes back.
		old := p.leg
		p.call, p.leg = nil, nil
		p.peer, p.cw.heldPeer = p.cw.heldPeer, nil
		p.inbox.reset()
		p.mu.Unlock()
		if old != nil {
			_ = old.Close()
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
		p.resumeBack(back)
	case c == p.call:
		p.mu.Unlock()
		p.release()
	default:
		p.mu.Unlock()
	}
}

// resumeBack takes back the held SIP call back, made the port's call
// again; the caller has set cw.swapping.
func (p *port) resumeBack(back *sip.Call) {
	g := p.g
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
}

// swap answers the waiting call, or brings back the held one, and holds
// the call the phone was talking in. The caller has set cw.swapping.
// SIP ends wait for p.cwMu, but a local party may leave at any time: each
// step checks, under p.mu, that the port is still as the swap found it.
func (p *port) swap() {
	p.cwMu.Lock()
	defer p.cwMu.Unlock()
	g := p.g
	ctx, cancel := context.WithTimeout(g.ctx, 10*time.Second)
	defer cancel()
	p.mu.Lock()
	active, leg, peer := p.call, p.leg, p.peer
	waiting, waitingPeer := p.cw.waiting, p.cw.waitingPeer
	held, heldLeg, heldPeer := p.cw.held, p.cw.heldLeg, p.cw.heldPeer
	p.mu.Unlock()
	same := func() bool { return p.call == active && p.peer == peer && !p.hangingUp } // p.mu held
	// giveUp leaves the port as it is, with the talking SIP call taken
	// off hold if it is still the port's.
	giveUp := func() {
		p.mu.Lock()
		back := active != nil && p.call == active && !p.hangingUp
		p.mu.Unlock()
		if back {
			if ch, err := active.Resume(ctx); err == nil && leg != nil {
				_ = leg.Update(ch)
			}
		}
		p.mu.Lock()
		p.cw.swapping = false
		p.mu.Unlock()
	}
	// The talking call is held: a SIP one by re-INVITE; a port hears the
	// hold tone once it is cw.heldPeer (WriteAudio).
	if active != nil {
		if ch, err := active.Hold(ctx); err != nil {
			g.log.Warn("call not held", "port", p.index, "call", active.ID(), "error", err)
		} else if leg != nil {
			_ = leg.Update(ch)
		}
	}
	switch {
	case waiting != nil:
		leg2, err := g.opts.Media.Open(p.remoteDigit)
		if err == nil {
			if err = waiting.Answer(leg2.Port()); err != nil {
				_ = leg2.Close()
			}
		}
		if err != nil {
			g.log.Warn("waiting call not answered", "port", p.index, "call", waiting.ID(), "error", err)
			_ = waiting.Reject(503, "Service Unavailable")
			giveUp()
			return
		}
		if err := leg2.Start(waiting.Choice()); err != nil {
			g.log.Warn("media not started", "port", p.index, "error", err)
		}
		p.mu.Lock()
		if !same() || p.cw.waiting != waiting {
			// The phone hung up, or the local party it talked to left
			// (and the port was released): the answered call ends.
			mine := p.cw.waiting == waiting
			if mine {
				p.cw.waiting = nil
			}
			p.cw.swapping = false
			p.mu.Unlock()
			_ = leg2.Close()
			if mine {
				g.hangupLater(waiting)
			}
			return
		}
		g.counters.Established.Add(1)
		p.holdLocked(active, leg, peer)
		p.call, p.leg, p.peer = waiting, leg2, nil
		p.cw.waiting = nil
		p.cw.swapping = false
		p.mu.Unlock()
	case waitingPeer != nil:
		p.mu.Lock()
		if !same() || p.cw.waitingPeer != waitingPeer {
			p.mu.Unlock()
			giveUp() // the caller gave up meanwhile
			return
		}
		g.counters.Established.Add(1)
		p.holdLocked(active, leg, peer)
		p.call, p.leg, p.peer = nil, nil, waitingPeer
		p.cw.waitingPeer = nil
		p.cw.swapping = false
		p.inbox.reset()
		p.mu.Unlock()
		waitingPeer.deliver(line.Event{Kind: line.RemoteAnswered})
	default:
		if held != nil {
			ch, err := held.Resume(ctx)
			if err != nil {
				g.log.Warn("held call not resumed", "port", p.index, "call", held.ID(), "error", err)
			} else if heldLeg != nil {
				_ = heldLeg.Update(ch)
			}
		}
		p.mu.Lock()
		if !same() || p.cw.held != held || p.cw.heldPeer != heldPeer {
			p.mu.Unlock()
			giveUp() // the held port left meanwhile: the phone stays in its call
			return
		}
		p.holdLocked(active, leg, peer)
		p.call, p.leg, p.peer = held, heldLeg, heldPeer
		p.cw.swapping = false
		p.inbox.reset()
		p.mu.Unlock()
	}
}

// holdLocked makes the talking call (SIP, or the local peer) the held
// one; p.mu is held.
func (p *port) holdLocked(c *sip.Call, leg MediaLeg, peer *port) {
	p.cw.held, p.cw.heldLeg, p.cw.heldPeer = c, leg, peer
	if peer != nil { // its hold tone from the start
		p.setHeldLocked(true)
		p.hold.held = false // the phone's own call is not held
	}
}

// peerGone settles p once q, the port linked to it, has left: hung up,
// or ended with the calls of its own port. As callGone does for SIP, the
// end of a waiting or held port, or of the talking one while another is
// held, leaves the phone in a call.
func (p *port) peerGone(q *port) {
	p.mu.Lock()
	back := false
	switch {
	case q == p.cw.waitingPeer:
		p.cw.waitingPeer = nil
	case q == p.cw.heldPeer:
		p.cw.heldPeer = nil
	case q == p.peer && p.cw.heldPeer != nil && !p.hangingUp:
		p.peer, p.cw.heldPeer = p.cw.heldPeer, nil
		p.inbox.reset()
	case q == p.peer && p.conf.held != nil && !p.hangingUp:
		// A local C left: from the conference the phone stays with B
		// (resumed); from the consultation it hears busy, B still held
		// until a flash, as for a SIP C (confGoneLocked).
		p.peer = nil
		p.inbox.reset()
		if !p.conf.mixing {
			p.mu.Unlock()
			go p.deliver(line.Event{Kind: line.RemoteHangup})
			return
		}
		p.call, p.leg = p.conf.held, p.conf.heldLeg
		p.conf = confState{}
	case q == p.peer && p.cw.held != nil && !p.hangingUp:
		p.peer = nil
		p.call, p.leg = p.cw.held, p.cw.heldLeg
		p.cw.held, p.cw.heldLeg = nil, nil
		p.cw.swapping, back = true, true
	case q == p.peer:
		p.mu.Unlock()
		go p.deliver(line.Event{Kind: line.RemoteHangup})
		p.release()
		return
	default: // no longer linked
		p.mu.Unlock()
		return
	}
	c := p.call
	p.mu.Unlock()
	go p.deliver(line.Event{Kind: line.RemoteHangup, Waiting: true})
	if back {
		p.g.wg.Add(1)
		go func() {
			defer p.g.wg.Done()
			p.cwMu.Lock() // as a swap's re-INVITEs: one at a time
			defer p.cwMu.Unlock()
			p.resumeBack(c)
		}()
	}
}

// endOthers ends the waiting and held calls when the line's call is over;
// p.mu is not held.
func (p *port) endOthers(cw cwState) {
	if cw.heldLeg != nil {
		_ = cw.heldLeg.Close()
	}
	for _, c := range []*sip.Call{cw.waiting, cw.held} {
		if c == nil {
			continue
		}
		p.g.hangupLater(c) // 480 for the waiting call, BYE for the held one
	}
	for _, q := range []*port{cw.waitingPeer, cw.heldPeer} {
		if q != nil {
			q.peerGone(p) // busy tone, as at the end of a local call
		}
	}
}
