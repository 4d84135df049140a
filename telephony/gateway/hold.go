package gateway

import (
	"context"
	"time"

	"github.com/potsgate/potsgate/hal"
	"github.com/potsgate/potsgate/media/tone"
	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/sip/sdp"
)

// Hold by hook flash: with EnableHold, a flash during a call puts the far
// end on hold (re-INVITE sendonly; a port-to-port call is held inside the
// gateway) and the held party hears the country's hold tone; the next
// flash takes it back. The phone that holds hears silence: a consultation
// call from the held state (dial tone, second call, transfer) is not built.

// ParamEnableHold turns hold by hook flash on.
const ParamEnableHold = "EnableHold"

// HoldParams are the hold parameters.
func HoldParams() []provisioning.Param {
	return []provisioning.Param{{Name: ParamEnableHold, Kind: provisioning.KindBool, Default: "1",
		Description: "a hook flash in a call puts the far end on hold; the next takes it back"}}
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
	if !g.opts.Config.Bool(ParamEnableHold) {
		g.log.Info("hook flash ignored: EnableHold is off", "port", p.index)
		return
	}
	p.mu.Lock()
	c, peer, held := p.call, p.peer, p.hold.held
	if p.hold.changing || c == nil && peer == nil {
		p.mu.Unlock()
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
		ctx, cancel := context.WithTimeout(g.ctx, 10*time.Second)
		defer cancel()
		var ch sdp.Choice
		var err error
		if held {
			ch, err = c.Resume(ctx)
		} else {
			ch, err = c.Hold(ctx)
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		p.hold.changing = false
		if err != nil {
			g.log.Warn("hold not changed", "port", p.index, "call", c.ID(), "hold", !held, "error", err)
			return
		}
		if p.call != c {
			return // the call ended meanwhile
		}
		if p.leg != nil {
			if err := p.leg.Update(ch); err != nil {
				g.log.Warn("media not updated", "port", p.index, "error", err)
			}
		}
		p.setHeldLocked(!held)
		g.log.Info("hold", "port", p.index, "call", c.ID(), "held", !held)
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
