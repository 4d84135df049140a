package gateway

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/potsgate/potsgate/media/echo"
	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/sip"
)

// MaxPorts is the most ports a gateway numbers. The vendor's largest analog
// box has 24; a software gateway (a dense DAHDI server, say, and the
// 1,000-call load of scripts/load) may have more.
const MaxPorts = 1024

// TableTrunkGroup numbers the ports: each row gives ports FirstBChannel to
// LastBChannel (1-based) numbers from FirstPhoneNumber upward.
const TableTrunkGroup = "TrunkGroup"

// TrunkTables are the numbering tables.
func TrunkTables() []provisioning.TableDef {
	return []provisioning.TableDef{{
		Name: TableTrunkGroup, MaxRows: 24,
		Columns: []provisioning.Column{
			{Name: "TrunkGroupNum", Kind: provisioning.KindInt, Min: 0, Max: 99, Default: "1"},
			{Name: "FirstBChannel", Kind: provisioning.KindInt, Min: 1, Max: MaxPorts, Default: "1"},
			{Name: "LastBChannel", Kind: provisioning.KindInt, Min: 1, Max: MaxPorts, Default: "1"},
			{Name: "FirstPhoneNumber", Kind: provisioning.KindString, MaxLen: 32},
		},
	}}
}

// PortNumbers returns the phone number of each port from the TrunkGroup
// table: index 0 is port 1. A port no row covers has no number ("").
func PortNumbers(c provisioning.Config) ([]string, error) {
	var numbers []string
	for _, r := range c.Table(TableTrunkGroup) {
		first, last := int(r.Int("FirstBChannel")), int(r.Int("LastBChannel"))
		if last < first {
			return nil, fmt.Errorf("%s row %d: LastBChannel %d before FirstBChannel %d", TableTrunkGroup, r.Index, last, first)
		}
		base, err := strconv.ParseUint(r.String("FirstPhoneNumber"), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s row %d: FirstPhoneNumber %q is not a number", TableTrunkGroup, r.Index, r.String("FirstPhoneNumber"))
		}
		for len(numbers) < last {
			numbers = append(numbers, "")
		}
		width := len(r.String("FirstPhoneNumber"))
		for p := first; p <= last; p++ {
			numbers[p-1] = fmt.Sprintf("%0*d", width, base+uint64(p-first))
		}
	}
	return numbers, nil
}

// PortStatus is one port in Status.
type PortStatus struct {
	Port   int    `json:"port"`
	Number string `json:"number"`
	Type   string `json:"type"`
	State  string `json:"state"`
	InCall bool   `json:"in_call"`
	// Registration is the port's registration state ("" = not registered
	// per endpoint).
	Registration string `json:"registration,omitempty"`
	// OutOfService: the port takes no calls (OOSOnRegistrationFail).
	OutOfService bool `json:"out_of_service,omitempty"`
	// Echo is the port's echo canceller; nil when it has none
	// (IsEchoCancellerEnabled = 0).
	Echo *EchoStatus `json:"echo,omitempty"`
	// Call is how the port's call in progress is protected; nil when the
	// port has no SIP call.
	Call *CallSecurity `json:"call,omitempty"`
	// Fax is the call's fax handling; nil when it has none.
	Fax *FaxPortStatus `json:"fax,omitempty"`
}

// CallSecurity says whether a call's signalling and media are encrypted.
type CallSecurity struct {
	// Transport is the SIP transport of the call: UDP, TCP or TLS.
	Transport           string `json:"transport"`
	SignallingEncrypted bool   `json:"signalling_encrypted"`
	// MediaEncrypted: the media is SRTP, with SRTPSuite.
	MediaEncrypted bool   `json:"media_encrypted"`
	SRTPSuite      string `json:"srtp_suite,omitempty"`
}

func callSecurity(c *sip.Call) *CallSecurity {
	if c == nil {
		return nil
	}
	ch := c.Choice()
	cs := &CallSecurity{Transport: c.Transport().String(), SignallingEncrypted: c.SignalingSecure(), MediaEncrypted: ch.SRTP.Enabled()}
	if cs.MediaEncrypted {
		cs.SRTPSuite = ch.SRTP.Send.Suite.String()
	}
	return cs
}

// EchoStatus is a port's echo canceller in Status: its state and, over
// about the last second of far-end speech, the echo return loss and the
// canceller's enhancement, in dB.
type EchoStatus struct {
	State         string  `json:"state"`
	ERL           float64 `json:"erl_db"`
	ERLE          float64 `json:"erle_db"`
	DisablerTrips uint64  `json:"disabler_trips"`
}

// Status is a snapshot of the gateway for the status page and SNMP.
type Status struct {
	SIP         string           `json:"sip"`
	SAS         *SASStatus       `json:"sas,omitempty"`
	Ports       []PortStatus     `json:"ports"`
	ActiveCalls int              `json:"active_calls"`
	Counters    map[string]int64 `json:"counters"`
	Alarms      []AlarmStatus    `json:"alarms,omitempty"` // the active ones
}

// AlarmStatus is an active alarm in Status.
type AlarmStatus struct {
	Source string    `json:"source"`
	Text   string    `json:"text"`
	Raised time.Time `json:"raised"`
}

// SASStatus is the embedded registrar's part of Status.
type SASStatus struct {
	Addr     string `json:"addr"`
	State    string `json:"state"`
	Bindings int    `json:"bindings"`
	// BindingList is the registered phones, by address of record.
	BindingList []SASBinding `json:"binding_list,omitempty"`
	// Routed counts the requests SAS sent to the proxy set, to phones
	// from its bindings and to the gateway's ports.
	Routed map[string]uint64 `json:"routed"`
}

// SASBinding is one registered phone.
type SASBinding struct {
	AOR     string    `json:"aor"`
	Contact string    `json:"contact"`
	Expires time.Time `json:"expires"`
}

// Status returns a snapshot; safe from any goroutine.
func (g *Gateway) Status() Status {
	s := Status{SIP: g.SIPAddr(), ActiveCalls: len(g.ua.Calls())}
	if g.sas != nil {
		bs := g.sas.Bindings()
		st := g.sas.Stats()
		s.SAS = &SASStatus{Addr: g.sasAddr, State: g.sas.State().String(), Bindings: len(bs),
			Routed: map[string]uint64{"proxy": st.ToProxy, "binding": st.ToBinding, "gateway": st.ToGateway}}
		for _, b := range bs {
			s.SAS.BindingList = append(s.SAS.BindingList, SASBinding{AOR: b.AOR, Contact: b.Contact, Expires: b.Expires})
		}
		slices.SortFunc(s.SAS.BindingList, func(a, b SASBinding) int { return strings.Compare(a.AOR, b.AOR) })
	}
	for _, p := range g.ports {
		ps := PortStatus{Port: p.index, Number: p.number, Registration: g.registrationState(p.number), OutOfService: p.outOfService()}
		var es echo.Stats
		var hasEcho bool
		if p.fxs != nil {
			ps.Type, ps.State = "FXS", p.fxs.State().String()
			es, hasEcho = p.fxs.EchoStats()
		} else {
			ps.Type, ps.State = "FXO", p.fxo.State().String()
			es, hasEcho = p.fxo.EchoStats()
		}
		if hasEcho {
			ps.Echo = &EchoStatus{State: es.State.String(), ERL: math.Round(es.ERL*10) / 10, ERLE: math.Round(es.ERLE*10) / 10, DisablerTrips: es.DisablerTrips}
		}
		p.mu.Lock()
		ps.InCall = p.call != nil || p.peer != nil
		call := p.call
		p.mu.Unlock()
		ps.Call = callSecurity(call)
		if call != nil {
			ps.Fax = g.faxPortStatus(p.index - 1)
		}
		s.Ports = append(s.Ports, ps)
	}
	active, _ := g.Alarms()
	for _, a := range active {
		s.Alarms = append(s.Alarms, AlarmStatus{Source: a.Source, Text: a.Text, Raised: a.Raised})
	}
	slices.SortFunc(s.Alarms, func(a, b AlarmStatus) int { return strings.Compare(a.Source, b.Source) })
	c := &g.counters
	s.Counters = map[string]int64{
		"attempted": c.Attempted.Load(), "established": c.Established.Load(), "busy": c.Busy.Load(),
		"no_answer": c.NoAnswer.Load(), "no_route": c.NoRoute.Load(), "failed": c.Failed.Load(),
		"forwarded": c.Forwarded.Load(), "transferred": c.Transferred.Load(),
	}
	tc := g.T38Counters()
	s.Counters["fax_g711_reinvites"] = g.faxReinvites.Load()
	s.Counters["fax_t38_reinvites"] = tc.Reinvites
	s.Counters["fax_t38_accepted"] = tc.Accepted
	s.Counters["fax_t38_refused"] = tc.Refused
	s.Counters["fax_t38_fallbacks"] = tc.Fallbacks
	if rc, ok := g.opts.Media.(interface{ RTPCounters() RTPCounters }); ok {
		r := rc.RTPCounters()
		s.Counters["srtp_auth_failed"] = int64(r.SRTPAuthFailed)
		s.Counters["srtcp_auth_failed"] = int64(r.SRTCPAuthFailed)
		s.Counters["srtp_replayed"] = int64(r.SRTPReplayed)
	}
	return s
}
