package gateway

import (
	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/telephony/line"
	"github.com/potsgate/potsgate/telephony/routing"
)

// Message waiting: with EnableMWI, the voice mail server's message-summary
// NOTIFY (from the proxy or the registrar) for a port's number lights its
// phone's lamp and sends VMWI; "Messages-Waiting: no" puts it out.

// ParamEnableMWI turns message waiting indication on.
const ParamEnableMWI = "EnableMWI"

// MWIParams are the message waiting parameters.
func MWIParams() []provisioning.Param {
	return []provisioning.Param{{Name: ParamEnableMWI, Kind: provisioning.KindBool, Default: "0",
		Description: "show voice mail waiting (message-summary NOTIFY from the proxy or registrar) on the ports' phones"}}
}

// MessageWaiting is a message-summary for user, a port's number (after
// NumberMapIp2Tel, as for calls).
func (h *sipHandler) MessageWaiting(user string, waiting bool) {
	g := (*Gateway)(h)
	number, _ := routing.Apply(g.routes().mapIP2Tel, user, user, "")
	p, ok := g.byNumber[number]
	if !ok || p.fxs == nil {
		g.log.Info("message waiting for no FXS port", "user", user)
		return
	}
	g.log.Info("message waiting", "port", p.index, "waiting", waiting)
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		p.deliver(line.Event{Kind: line.MessageWaiting, On: waiting})
	}()
}
