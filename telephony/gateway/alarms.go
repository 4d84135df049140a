package gateway

import (
	"sync"
	"time"
)

// AlarmKind is what an alarm is about.
type AlarmKind int

const (
	AlarmRegistrationFailed AlarmKind = iota + 1
	AlarmProxyLost
	AlarmConfigurationError
	// AlarmPortFailed: a port's hardware failed (a read or write error, a
	// card removed); the port is out of service until the gateway is
	// built again.
	AlarmPortFailed
)

// Alarm is a condition the gateway raises and later clears.
type Alarm struct {
	ID     uint32
	Kind   AlarmKind
	Source string // "registration 101", "proxy 10.0.0.1:5060"
	Text   string
	Raised time.Time
	// Cleared is set in the history once the condition is over.
	Cleared time.Time
}

// alarms keeps the active alarms by source and a bounded history.
type alarms struct {
	mu      sync.Mutex
	nextID  uint32
	active  map[string]*Alarm
	history []Alarm
	notify  func(a Alarm, raised bool)
}

const alarmHistory = 100

// set raises (on) or clears an alarm for a source; repeats are ignored.
func (as *alarms) set(kind AlarmKind, source, text string, on bool) {
	as.mu.Lock()
	cur, active := as.active[source]
	var changed *Alarm
	switch {
	case on && !active:
		as.nextID++
		a := &Alarm{ID: as.nextID, Kind: kind, Source: source, Text: text, Raised: time.Now()}
		as.active[source] = a
		changed = a
	case !on && active:
		delete(as.active, source)
		c := *cur
		c.Cleared = time.Now()
		as.history = append(as.history, c)
		if len(as.history) > alarmHistory {
			as.history = as.history[len(as.history)-alarmHistory:]
		}
		changed = &c
	}
	notify := as.notify
	as.mu.Unlock()
	if changed != nil && notify != nil {
		notify(*changed, on)
	}
}

// Alarms returns the active alarms and the history of cleared ones.
func (g *Gateway) Alarms() (active, history []Alarm) {
	g.alarms.mu.Lock()
	defer g.alarms.mu.Unlock()
	for _, a := range g.alarms.active {
		active = append(active, *a)
	}
	return active, append([]Alarm(nil), g.alarms.history...)
}

// ConfigurationResult raises a configuration-error alarm for source (a
// file the device was given, "ini file" say) when err is set, and clears
// it once the next one from that source is applied. The running
// configuration is not touched: a rejected file never replaces it.
func (g *Gateway) ConfigurationResult(source string, err error) {
	if err != nil {
		g.alarms.set(AlarmConfigurationError, "configuration "+source, err.Error(), true)
		return
	}
	g.alarms.set(AlarmConfigurationError, "configuration "+source, "", false)
}
