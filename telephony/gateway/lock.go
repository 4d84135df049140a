package gateway

import (
	"time"

	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/telephony/line"
)

// Administrative lock: a locked gateway refuses new calls in both
// directions. A forced lock also ends the calls in progress at once; a
// graceful one lets them go on, for GracefulLockTimeout seconds when that
// is set, and then ends those still up.

// AdminState is the administrative state of the gateway.
type AdminState int

const (
	Unlocked AdminState = iota
	// ShuttingDown is a graceful lock waiting for calls to end.
	ShuttingDown
	Locked
)

func (a AdminState) String() string {
	switch a {
	case Unlocked:
		return "unlocked"
	case ShuttingDown:
		return "shutting down"
	case Locked:
		return "locked"
	}
	return "AdminState(?)"
}

// ParamGracefulLockTimeout bounds a graceful lock.
const ParamGracefulLockTimeout = "GracefulLockTimeout"

// LockParams are the administrative lock parameters.
func LockParams() []provisioning.Param {
	return []provisioning.Param{{Name: ParamGracefulLockTimeout, Kind: provisioning.KindInt, Min: 0, Max: 86400, Default: "0",
		Description: "seconds a graceful lock lets calls in progress go on before ending them (0 = until they end)"}}
}

// Lock refuses new calls. A forced lock (graceful false) ends the calls in
// progress now; a graceful one ends them after GracefulLockTimeout, or
// never when that is 0.
func (g *Gateway) Lock(graceful bool) {
	g.lockMu.Lock()
	defer g.lockMu.Unlock()
	g.locked.Store(true)
	if g.lockTimer != nil {
		g.lockTimer.Stop()
		g.lockTimer = nil
	}
	g.log.Info("administrative state", "locked", true, "graceful", graceful)
	if !graceful {
		g.endCalls("forced lock")
		return
	}
	if grace := time.Duration(g.config().Int(ParamGracefulLockTimeout)) * time.Second; grace > 0 {
		g.lockTimer = time.AfterFunc(grace, func() {
			g.lockMu.Lock()
			defer g.lockMu.Unlock()
			if g.locked.Load() && g.ctx.Err() == nil {
				g.endCalls("graceful lock timeout")
			}
		})
	}
}

// Unlock accepts calls again.
func (g *Gateway) Unlock() {
	g.lockMu.Lock()
	defer g.lockMu.Unlock()
	if g.lockTimer != nil {
		g.lockTimer.Stop()
		g.lockTimer = nil
	}
	g.locked.Store(false)
	g.log.Info("administrative state", "locked", false)
}

// AdminState reports unlocked, shutting down (locked with calls still up)
// or locked.
func (g *Gateway) AdminState() AdminState {
	if !g.Locked() {
		return Unlocked
	}
	for _, p := range g.ports {
		if p.inCall() {
			return ShuttingDown
		}
	}
	return Locked
}

// endCalls ends every call in progress from the network side: SIP calls
// get BYE (or CANCEL, or a 480 before answer) and their lines hear the far
// end go; port-to-port calls are cut on both lines.
func (g *Gateway) endCalls(why string) {
	for _, p := range g.ports {
		p.mu.Lock()
		c, peer := p.call, p.peer
		if c == nil && peer == nil && p.conf.held != nil {
			// A consultation whose call to C failed: B, held, is the
			// port's only call.
			c = p.conf.held
		}
		p.mu.Unlock()
		switch {
		case peer != nil:
			if p.index > peer.index {
				continue // the pair is ended once, from its lower port
			}
			g.log.Info("call ended", "port", p.index, "peer", peer.index, "reason", why)
			peer.release()
			p.release()
			go peer.deliver(line.Event{Kind: line.RemoteHangup})
			go p.deliver(line.Event{Kind: line.RemoteHangup})
		case c != nil:
			g.log.Info("call ended", "port", p.index, "call", c.ID(), "reason", why)
			p.mu.Lock()
			if p.cw.busy() {
				p.hangingUp = true // a held or waiting call ends too, not taken back
			}
			p.mu.Unlock()
			g.hangupLater(c) // follow delivers the hang-up to the line
		}
	}
}

func (p *port) inCall() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.call != nil || p.peer != nil || p.conf.held != nil
}
