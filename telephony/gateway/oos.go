package gateway

import (
	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/telephony/line"
)

// Out of service on registration failure, as an AudioCodes MediaPack does
// it: with OOSOnRegistrationFail, a port whose registration failed (every
// port, when the gateway registers as a whole) is out of service until it
// registers again. Calls to it are refused with 503; its FXS phone gets
// the FXSOOSBehavior treatment (line.OOSBehavior) and cannot call out. A
// call in progress goes on. Both parameters are live: the port's state is
// worked out from the running configuration and the registration states
// whenever either changes (applyOOS).

// Out-of-service parameters.
const (
	ParamOOSOnRegistrationFail = "OOSOnRegistrationFail"
	ParamFXSOOSBehavior        = "FXSOOSBehavior"
)

// OOSParams are the out-of-service parameters.
func OOSParams() []provisioning.Param {
	return []provisioning.Param{
		{Name: ParamOOSOnRegistrationFail, Kind: provisioning.KindBool, Default: "0",
			Description: "a port whose registration failed (every port with AuthenticationMode = 1) is out of service until it registers again"},
		{Name: ParamFXSOOSBehavior, Kind: provisioning.KindEnum, Default: "0",
			Enum: []provisioning.EnumValue{
				{Value: int64(line.OOSNone), Name: "none"},
				{Value: int64(line.OOSReorder), Name: "reorder tone"},
				{Value: int64(line.OOSPolarity), Name: "polarity reversal"},
				{Value: int64(line.OOSReorderPolarity), Name: "reorder tone and polarity reversal"},
				{Value: int64(line.OOSCurrentDisconnect), Name: "current disconnect"},
			},
			Description: "what the phone on an out-of-service FXS port gets (calls out are refused in every case)"},
	}
}

// oosState is what a port's line was last told.
type oosState struct {
	out  bool
	mode line.OOSBehavior
}

// registrationFailed reports whether the registration p depends on has
// failed: the gateway's, or the port's own (per endpoint). A port that
// registers nothing never fails.
func (g *Gateway) registrationFailed(p *port) bool {
	g.reg.mu.Lock()
	defer g.reg.mu.Unlock()
	if g.opts.Config.Int(ParamAuthenticationMode) == PerGateway { // registrations are built from the start-up configuration
		for _, s := range g.reg.states {
			if s == sip.RegistrationFailed {
				return true
			}
		}
		return false
	}
	return p.number != "" && g.reg.states[p.number] == sip.RegistrationFailed
}

// outOfService reports whether the port takes no calls now.
func (p *port) outOfService() bool {
	return p.failed.Load() || p.g.config().Bool(ParamOOSOnRegistrationFail) && p.g.registrationFailed(p)
}

// applyOOS tells each FXS line whether it is out of service, and with
// which treatment, when that changed. It runs after every registration
// attempt and on Reconfigure; oosMu keeps the events of two runs from
// crossing.
func (g *Gateway) applyOOS() {
	c := g.config()
	on := c.Bool(ParamOOSOnRegistrationFail)
	mode := line.OOSBehavior(c.Int(ParamFXSOOSBehavior))
	g.reg.oosMu.Lock()
	defer g.reg.oosMu.Unlock()
	if g.reg.told == nil {
		g.reg.told = map[int]oosState{}
	}
	for _, p := range g.ports {
		want := oosState{}
		if on && g.registrationFailed(p) {
			want = oosState{out: true, mode: mode}
		}
		if g.reg.told[p.index] == want {
			continue
		}
		g.reg.told[p.index] = want
		if want.out {
			g.log.Warn("port out of service: registration failed", "port", p.index, "number", p.number, "behavior", mode.String())
		} else {
			g.log.Info("port back in service", "port", p.index, "number", p.number)
		}
		if p.fxs != nil {
			p.deliver(line.Event{Kind: line.OutOfService, On: want.out, OOS: want.mode})
		}
	}
}

// RejectUnavailable (line.UnavailableRejecter) refuses the call offered
// to the port's out-of-service line: 503 to a SIP caller (the waiting call,
// next to a call in progress), reorder tone to a local port calling.
func (p *port) RejectUnavailable() {
	p.mu.Lock()
	c, peer := p.call, p.peer
	if p.cw.waiting != nil {
		c, peer = p.cw.waiting, nil
	}
	q := p.cw.waitingPeer // a local caller waiting: the port's own call goes on
	if q != nil {
		c, peer, p.cw.waitingPeer = nil, nil, nil
	}
	p.mu.Unlock()
	p.g.counters.Failed.Add(1)
	switch {
	case q != nil:
		q.release()
		go q.deliver(line.Event{Kind: line.CallFailed, Cause: line.CauseUnavailable})
	case c != nil:
		_ = c.Reject(503, "Service Unavailable")
	case peer != nil:
		peer.release()
		p.release()
		go peer.deliver(line.Event{Kind: line.CallFailed, Cause: line.CauseUnavailable})
	}
}
