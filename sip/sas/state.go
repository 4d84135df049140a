package sas

import "time"

// State is the survivability state.
type State int

const (
	// StateNormal: the proxy set answers; SAS relays to it.
	StateNormal State = iota
	// StateEmergency: the proxy set is down (or SAS works alone); SAS is
	// the registrar and router.
	StateEmergency
)

func (s State) String() string {
	if s == StateEmergency {
		return "emergency"
	}
	return "normal"
}

// Event is an input to [Step].
type Event int

// String returns the event's name.
func (e Event) String() string {
	switch e {
	case EvTick:
		return "tick"
	case EvProbeOK:
		return "probe-ok"
	case EvProbeFail:
		return "probe-fail"
	case EvProbeNotSent:
		return "probe-not-sent"
	}
	return "event(?)"
}

// Events.
const (
	EvTick         Event = iota // time passed; may trigger a probe
	EvProbeOK                   // proxy answered a keep-alive
	EvProbeFail                 // keep-alive timed out or failed
	EvProbeNotSent              // our side could not send the keep-alive: try again at the next tick
)

// Action is an output of [Step].
type Action int

// String returns the action's name.
func (a Action) String() string {
	switch a {
	case ActSendProbe:
		return "send-probe"
	case ActEnterEmergency:
		return "enter-emergency"
	case ActEnterNormal:
		return "enter-normal"
	}
	return "action(?)"
}

// Actions.
const (
	ActSendProbe Action = iota + 1
	ActEnterEmergency
	ActEnterNormal
)

// Machine is the pure keep-alive state. The zero value is normal state
// with a probe due immediately.
type Machine struct {
	State     State
	Failures  int
	NextProbe time.Time
}

// Step applies ev at now under cfg (defaults applied) and returns the new
// machine and the actions the caller must perform. A standalone
// configuration (ModeAlwaysEmergency, or no proxy set) is always in
// emergency state and never probes.
func Step(m Machine, ev Event, now time.Time, cfg Config) (Machine, []Action) {
	cfg = cfg.WithDefaults()
	if cfg.standalone() {
		if m.State != StateEmergency {
			m.State = StateEmergency
			return m, []Action{ActEnterEmergency}
		}
		return m, nil
	}
	var acts []Action
	switch ev {
	case EvTick:
		if !now.Before(m.NextProbe) {
			m.NextProbe = now.Add(cfg.KeepAliveInterval)
			acts = append(acts, ActSendProbe)
		}
	case EvProbeOK:
		m.Failures = 0
		if m.State == StateEmergency {
			m.State = StateNormal
			acts = append(acts, ActEnterNormal)
		}
	case EvProbeNotSent:
		m.NextProbe = now // says nothing of the proxy: no failure counted
	case EvProbeFail:
		m.Failures++
		if m.State == StateNormal && m.Failures >= cfg.KeepAliveFailures {
			m.State = StateEmergency
			acts = append(acts, ActEnterEmergency)
		}
	}
	return m, acts
}
