package gateway

import (
	"context"
	"time"

	"github.com/potsgate/potsgate/hal"
	"github.com/potsgate/potsgate/media/tone"
	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
	"github.com/potsgate/potsgate/telephony/line"
)

// Hold and transfer by hook flash. With EnableHold, a flash during a call
// puts the far end on hold (re-INVITE sendonly; a port-to-port call is held
// inside the gateway) and the held party hears the country's hold tone;
// the next flash takes it back. With EnableTransfer the line also gives
// dial tone while the far end is held, and a number dialled then is where
// the far end goes: a blind transfer by REFER (RFC 5589), after which the
// gateway leaves the call. With Enable3WayConference the number dialled is
// a consultation call instead (conference.go).

const (
	// ParamEnableHold turns hold by hook flash on.
	ParamEnableHold = "EnableHold"
	// ParamEnableTransfer turns blind transfer by hook flash on.
	ParamEnableTransfer = "EnableTransfer"
)

// HoldParams are the hold and transfer parameters.
func HoldParams() []provisioning.Param {
	return []provisioning.Param{
		{Name: ParamEnableHold, Kind: provisioning.KindBool, Default: "1",
			Description: "a hook flash in a call puts the far end on hold; the next takes it back"},
		{Name: ParamEnableTransfer, Kind: provisioning.KindBool, Default: "1",
			Description: "a hook flash in a call gives dial tone; the number dialled gets the held far end (REFER)"},
	}
}

// holdState is a port's hold: guarded by the port's mutex.
type holdState struct {
	held     bool
	changing bool            // a re-INVITE is on its way
	tone     *tone.Generator // the hold tone the held party hears
	frame    [hal.FrameSamples]int16
}

func (p *port) SendFlash() {
	g := p.g
	p.mu.Lock()
	c, peer, held := p.call, p.peer, p.hold.held
	if p.hold.changing || p.cw.swapping || c == nil && peer == nil {
		p.mu.Unlock()
		return
	}
	if p.cw.busy() { // call waiting: answer or swap
		p.cw.swapping = true
		p.mu.Unlock()
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			p.swap()
		}()
		return
	}
	if c := g.config(); !c.Bool(ParamEnableHold) && !c.Bool(ParamEnableTransfer) && !c.Bool(ParamEnable3WayConference) {
		p.mu.Unlock()
		g.log.Info("hook flash ignored: EnableHold, EnableTransfer and Enable3WayConference are off", "port", p.index)
		return
	}
	if peer != nil { // a local call is held here
		p.setHeldLocked(!held)
		p.mu.Unlock()
		g.log.Info("hold", "port", p.index, "peer", peer.index, "held", !held)
		return
	}
	p.hold.changing = true
	p.mu.Unlock()
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		p.changeHold(c, !held)
	}()
}

// changeHold holds or resumes the SIP call c by re-INVITE and switches the
// audio the held party gets. The caller has set hold.changing.
func (p *port) changeHold(c *sip.Call, hold bool) {
	g := p.g
	ctx, cancel := context.WithTimeout(g.ctx, 10*time.Second)
	defer cancel()
	var ch sdp.Choice
	var err error
	if hold {
		ch, err = c.Hold(ctx)
	} else {
		ch, err = c.Resume(ctx)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hold.changing = false
	if err != nil {
		g.log.Warn("hold not changed", "port", p.index, "call", c.ID(), "hold", hold, "error", err)
		return
	}
	leg := p.leg
	switch c {
	case p.call:
	case p.conf.held: // moved aside for a consultation call as it was being held
		leg = p.conf.heldLeg
	default:
		return // the call ended meanwhile
	}
	if leg != nil {
		if err := leg.Update(ch); err != nil {
			g.log.Warn("media not updated", "port", p.index, "error", err)
		}
	}
	if c != p.call {
		return // WriteAudio gives it the hold tone
	}
	p.setHeldLocked(hold)
	g.log.Info("hold", "port", p.index, "call", c.ID(), "held", hold)
}

// Transfer sends the held far end to number (blind transfer): REFER, and
// once accepted, BYE. A refused transfer takes the call back.
func (p *port) Transfer(number string) {
	g := p.g
	p.mu.Lock()
	c := p.call
	if c == nil { // port-to-port calls are not transferred
		p.setHeldLocked(false)
		p.mu.Unlock()
		go p.deliver(line.Event{Kind: line.CallFailed, Cause: line.CauseUnavailable})
		return
	}
	p.hold.changing = true // no flash toggles the hold meanwhile
	p.mu.Unlock()
	target := g.forwardTarget(number, p.number)
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		ctx, cancel := context.WithTimeout(g.ctx, 32*time.Second)
		defer cancel()
		final, err := c.Refer(ctx, target)
		if err != nil {
			g.log.Warn("transfer refused, call taken back", "port", p.index, "call", c.ID(), "to", target, "error", err)
			p.changeHold(c, false)
			p.deliver(line.Event{Kind: line.CallFailed, Cause: line.CauseUnavailable})
			return
		}
		g.log.Info("call transferred", "port", p.index, "call", c.ID(), "to", target)
		g.counters.Transferred.Add(1)
		p.mu.Lock()
		p.hold.changing = false
		p.mu.Unlock()
		// Blind: our part is over once the far end accepted. Its NOTIFY of
		// the new call's outcome is let in first, briefly, as a courtesy.
		select {
		case status := <-final:
			g.log.Info("transferred call", "port", p.index, "call", c.ID(), "status", status)
		case <-time.After(4 * time.Second):
		case <-c.Done():
		}
		_ = c.Hangup(ctx) // the line hears the far end leave
	}()
}

func (p *port) setHeldLocked(on bool) {
	p.hold.held = on
	if on && p.hold.tone == nil {
		if def, ok := p.g.opts.Tones.Tone(tone.Hold); ok {
			p.hold.tone, _ = tone.NewGenerator(def)
		}
	}
	if p.hold.tone != nil {
		p.hold.tone.Reset()
	}
}

// holdFrame is what the held party hears instead of the line: the hold
// tone, or silence without one. Called with p.mu held.
func (p *port) holdFrameLocked() []int16 {
	f := p.hold.frame[:]
	if p.hold.tone != nil {
		return p.hold.tone.Generate(f)
	}
	clear(f)
	return f
}
