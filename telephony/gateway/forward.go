package gateway

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/telephony/routing"
)

// Call forwarding (the device's FwdInfo table, one row per port): an
// IP-to-Tel call for a port is redirected with 302 to another number or
// address, always, when the port is busy, when it is not answered in
// time, or refused (do not disturb).

// ForwardType is when a port's calls are forwarded.
type ForwardType int64

const (
	ForwardOff ForwardType = iota
	ForwardOnBusy
	ForwardUnconditional
	ForwardNoAnswer
	ForwardOnBusyOrNoAnswer
	DoNotDisturb
)

func (f ForwardType) String() string {
	switch f {
	case ForwardOff:
		return "deactivate"
	case ForwardOnBusy:
		return "on busy"
	case ForwardUnconditional:
		return "unconditional"
	case ForwardNoAnswer:
		return "no answer"
	case ForwardOnBusyOrNoAnswer:
		return "on busy or no answer"
	case DoNotDisturb:
		return "do not disturb"
	}
	return fmt.Sprintf("ForwardType(%d)", int64(f))
}

const (
	// ParamEnableForward turns the FwdInfo table on.
	ParamEnableForward = "EnableForward"
	// TableFwdInfo is the per-port forwarding; its index is the port - 1.
	TableFwdInfo = "FwdInfo"
)

// ForwardParams are the forwarding parameters.
func ForwardParams() []provisioning.Param {
	return []provisioning.Param{{Name: ParamEnableForward, Kind: provisioning.KindBool, Default: "1",
		Description: "forward IP-to-Tel calls by the FwdInfo table"}}
}

// ForwardTables is the FwdInfo table.
func ForwardTables() []provisioning.TableDef {
	var types []provisioning.EnumValue
	for f := ForwardOff; f <= DoNotDisturb; f++ {
		types = append(types, provisioning.EnumValue{Value: int64(f), Name: f.String()})
	}
	return []provisioning.TableDef{{Name: TableFwdInfo, MaxRows: MaxPorts, Columns: []provisioning.Column{
		{Name: "Type", Kind: provisioning.KindEnum, Default: "0", Enum: types},
		{Name: "Destination", Kind: provisioning.KindString, MaxLen: 64, Check: checkForwardDestination},
		{Name: "NoReplyTime", Kind: provisioning.KindInt, Min: 1, Max: 600, Default: "20"},
	}}}
}

// checkForwardDestination accepts a number or number@host[:port].
func checkForwardDestination(v string) error {
	user, host, hasHost := strings.Cut(v, "@")
	if user == "" && v != "" {
		return fmt.Errorf("destination %q has no number", v)
	}
	if hasHost && host == "" {
		return fmt.Errorf("destination %q has no host after @", v)
	}
	if strings.ContainsAny(v, " <>;\"") {
		return fmt.Errorf("destination %q is not a number or number@host", v)
	}
	return nil
}

// forwarding is one port's row.
type forwarding struct {
	kind    ForwardType
	dest    string
	noReply time.Duration
}

func (g *Gateway) forwardOf(p *port) forwarding { return g.routes().forwards[p.index-1] }

// forwardings compiles the FwdInfo table: port index (0-based) -> row.
func forwardings(c provisioning.Config) map[int]forwarding {
	out := map[int]forwarding{}
	if !c.Bool(ParamEnableForward) {
		return out
	}
	for _, r := range c.Table(TableFwdInfo) {
		out[r.Index] = forwarding{kind: ForwardType(r.Int("Type")), dest: r.String("Destination"), noReply: time.Duration(r.Int("NoReplyTime")) * time.Second}
	}
	return out
}

// forwardTarget is the SIP URI a call is forwarded to: number@host as
// configured, or the number routed like a call dialled on the port
// (PREFIX, else the proxy, else this gateway, where another port may have
// the number).
func (g *Gateway) forwardTarget(dest, from string) string {
	if strings.Contains(dest, "@") {
		return "sip:" + dest
	}
	host, ok := routing.TelToIP(g.routes().tel2ip, dest, from)
	if !ok {
		host = g.config().String(ParamProxyIP)
	}
	if host == "" {
		host = g.SIPAddr()
	}
	return "sip:" + dest + "@" + host
}

// forward redirects c by the port's forwarding before it rings; busy is
// whether the port is taken. It reports whether the call was dealt with.
func (g *Gateway) forward(p *port, c *sip.Call, busy bool) bool {
	f := g.forwardOf(p)
	switch {
	case f.kind == DoNotDisturb:
		g.log.Info("call refused: do not disturb", "port", p.index, "call", c.ID())
		g.counters.Busy.Add(1)
		_ = c.Reject(486, "Busy Here")
		return true
	case f.dest == "":
		return false
	case f.kind == ForwardUnconditional,
		busy && (f.kind == ForwardOnBusy || f.kind == ForwardOnBusyOrNoAnswer):
		g.redirect(p, c, f.dest)
		return true
	}
	return false
}

func (g *Gateway) redirect(p *port, c *sip.Call, dest string) {
	target := g.forwardTarget(dest, c.From())
	g.log.Info("call forwarded", "port", p.index, "call", c.ID(), "to", target)
	g.counters.Forwarded.Add(1)
	if err := c.Redirect(target); err != nil {
		g.log.Warn("call not forwarded", "port", p.index, "call", c.ID(), "error", err)
	}
}

// forwardOnNoAnswer redirects the call if the line has not answered it
// within the port's no-reply time; the line stops ringing as for a caller
// who gave up.
func (g *Gateway) forwardOnNoAnswer(ctx context.Context, p *port, c *sip.Call) {
	f := g.forwardOf(p)
	if f.dest == "" || f.kind != ForwardNoAnswer && f.kind != ForwardOnBusyOrNoAnswer {
		return
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		select {
		case <-ctx.Done():
		case <-c.Done():
		case <-time.After(f.noReply):
			g.redirect(p, c, f.dest) // refused with ErrCallAnswered once answered
		}
	}()
}
