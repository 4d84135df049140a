package sas

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestStepTable(t *testing.T) {
	cfg := Config{EnableSAS: true, SASProxySet: []string{"127.0.0.1:5060"}, KeepAliveInterval: time.Second, KeepAliveFailures: 2}
	t0 := time.Unix(1000, 0)
	type step struct {
		ev    Event
		at    time.Duration
		state State
		acts  []Action
	}
	steps := []step{
		{EvTick, 0, StateNormal, []Action{ActSendProbe}},
		// not sent (the transport starting): no failure, probe again at once
		{EvProbeNotSent, 10 * time.Millisecond, StateNormal, nil},
		{EvTick, 20 * time.Millisecond, StateNormal, []Action{ActSendProbe}},
		{EvTick, 500 * time.Millisecond, StateNormal, nil},
		{EvProbeFail, 600 * time.Millisecond, StateNormal, nil},
		{EvTick, 1020 * time.Millisecond, StateNormal, []Action{ActSendProbe}},
		{EvProbeFail, 1100 * time.Millisecond, StateEmergency, []Action{ActEnterEmergency}},
		{EvProbeFail, 2100 * time.Millisecond, StateEmergency, nil},
		{EvProbeOK, 3100 * time.Millisecond, StateNormal, []Action{ActEnterNormal}},
		{EvProbeFail, 4100 * time.Millisecond, StateNormal, nil},
		{EvProbeOK, 5100 * time.Millisecond, StateNormal, nil},
		{EvProbeFail, 6100 * time.Millisecond, StateNormal, nil},
	}
	var m Machine
	for i, s := range steps {
		var acts []Action
		m, acts = Step(m, s.ev, t0.Add(s.at), cfg)
		if m.State != s.state || !slices.Equal(acts, s.acts) {
			t.Fatalf("step %d: got %v %v, want %v %v", i, m.State, acts, s.state, s.acts)
		}
	}
}

func TestStepAlwaysEmergency(t *testing.T) {
	cfg := Config{EnableSAS: true, SASSurvivabilityMode: ModeAlwaysEmergency}
	m, acts := Step(Machine{}, EvProbeOK, time.Unix(0, 0), cfg)
	if m.State != StateEmergency || !slices.Equal(acts, []Action{ActEnterEmergency}) {
		t.Fatalf("got %v %v", m.State, acts)
	}
	m, acts = Step(m, EvProbeOK, time.Unix(1, 0), cfg)
	if m.State != StateEmergency || acts != nil {
		t.Fatalf("got %v %v", m.State, acts)
	}
}

func TestConfig(t *testing.T) {
	for _, c := range []Config{{}, {EnableSAS: true}, {EnableSAS: true, SASDefaultGatewayIP: "127.0.0.1"}} {
		if err := c.Validate(); err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
	}
	d := Config{}.WithDefaults()
	if d.SASLocalSIPUDPPort != 5080 || d.KeepAliveFailures != 3 {
		t.Fatalf("defaults: %+v", d)
	}
	bad := []Config{
		{EnableSAS: true, SASLocalSIPUDPPort: 70000, SASProxySet: []string{"x"}},
		{EnableSAS: true, SASSurvivabilityMode: 9, SASProxySet: []string{"x"}},
		{EnableSAS: true, SASProxySet: []string{"127.0.0.1:0"}},
		{EnableSAS: true, SASDefaultGatewayIP: "[::1"},
	}
	for i, c := range bad {
		if err := c.Validate(); !errors.Is(err, ErrConfig) {
			t.Errorf("case %d: err %v", i, err)
		}
	}
}
