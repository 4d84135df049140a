package gateway

import (
	"errors"
	"testing"

	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/snmp"
)

// TestConfigurationErrorAlarm: a rejected file raises one alarm per
// source, repeats do not raise it again, the next good file clears it into
// the history; SNMP sees it as a configuration error.
func TestConfigurationErrorAlarm(t *testing.T) {
	g := newTestGateway(t, noMedia{}, sim.NewPhone())
	t.Cleanup(func() { g.Close() })
	var notified []bool
	g.alarms.notify = func(_ Alarm, raised bool) { notified = append(notified, raised) }
	g.ConfigurationResult("ini", errors.New("gw.ini:3: RingOnPeriod: not an integer"))
	g.ConfigurationResult("ini", errors.New("gw.ini:3: RingOnPeriod: not an integer"))
	active, _ := g.Alarms()
	if len(active) != 1 || active[0].Kind != AlarmConfigurationError || active[0].Source != "configuration ini" {
		t.Fatalf("active alarms %+v", active)
	}
	if s := SNMPAlarm(active[0], true); s.Type != snmp.AlarmConfigurationError {
		t.Errorf("SNMP alarm type %v", s.Type)
	}
	g.ConfigurationResult("ini", nil)
	active, history := g.Alarms()
	if len(active) != 0 || len(history) != 1 || history[0].Cleared.IsZero() {
		t.Fatalf("after a good file: active %+v, history %+v", active, history)
	}
	if len(notified) != 2 || !notified[0] || notified[1] {
		t.Errorf("notifications %v, want raised then cleared", notified)
	}
}
