package snmptest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/potsgate/potsgate/snmp"
)

// Device is an in-memory snmp.Device. Its exported fields are read under
// its lock; change them with Update. Actions are recorded in Calls and,
// when OnAction is set, passed to it.
type Device struct {
	mu       sync.Mutex
	identity snmp.Identity
	ports    []snmp.PortStatus
	counters snmp.Counters
	active   []snmp.Alarm
	history  []snmp.Alarm
	urls     map[snmp.URLParam]string
	calls    []string

	// OnAction, when set, is called (outside the lock) with the name of
	// each action: "StartUpdate", "Restart", "Lock(graceful)",
	// "Lock(immediate)", "Unlock". Its error is returned to the agent.
	OnAction func(ctx context.Context, action string) error
}

// New returns a 4-port gateway (2 FXS, 2 FXO) with counters, one active
// alarm and a short history.
func New() *Device {
	t0 := time.Now()
	return &Device{
		identity: snmp.Identity{
			Product: "potsgate", SerialNumber: "PG-0001", HardwareVersion: "sim-1",
			SoftwareVersion: "0.1.0", ConfigVersion: "ini-2026-01-01",
		},
		ports: []snmp.PortStatus{
			{Index: 1, Type: snmp.PortFXS, Hook: snmp.OnHook, Call: snmp.CallIdle, Reg: snmp.RegRegistered, Admin: snmp.AdminUnlocked, PhoneNumber: "1001"},
			{Index: 2, Type: snmp.PortFXS, Hook: snmp.OffHook, Call: snmp.CallConnected, Reg: snmp.RegRegistered, Admin: snmp.AdminUnlocked, PhoneNumber: "1002"},
			{Index: 3, Type: snmp.PortFXO, Hook: snmp.OnHook, Call: snmp.CallIdle, Reg: snmp.RegFailed, Admin: snmp.AdminUnlocked, PhoneNumber: "2001"},
			{Index: 4, Type: snmp.PortFXO, Hook: snmp.OnHook, Call: snmp.CallIdle, Reg: snmp.RegNotRegistered, Admin: snmp.AdminLocked, PhoneNumber: "2002"},
		},
		counters: snmp.Counters{Attempted: 120, Established: 97, Busy: 9, NoAnswer: 8, NoRoute: 2, Failed: 4},
		active: []snmp.Alarm{
			{ID: 2, Type: snmp.AlarmRegistrationFailed, Severity: snmp.SeverityMajor, Source: "Port 3", Text: "registration refused (403)", Time: t0},
		},
		history: []snmp.Alarm{
			{ID: 1, Type: snmp.AlarmProxyLost, Severity: snmp.SeverityCritical, Source: "Proxy 127.0.0.1:5070", Text: "no response to OPTIONS", Time: t0},
			{ID: 2, Type: snmp.AlarmRegistrationFailed, Severity: snmp.SeverityMajor, Source: "Port 3", Text: "registration refused (403)", Time: t0},
			{ID: 3, Type: snmp.AlarmProxyLost, Severity: snmp.SeverityCleared, Source: "Proxy 127.0.0.1:5070", Text: "proxy answers again", Time: t0},
		},
		urls: map[snmp.URLParam]string{snmp.IniFileURL: "http://127.0.0.1:8080/gw.ini"},
	}
}

// Update runs f with the device's state under its lock.
func (d *Device) Update(f func(id *snmp.Identity, ports []snmp.PortStatus, c *snmp.Counters, active, history *[]snmp.Alarm)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f(&d.identity, d.ports, &d.counters, &d.active, &d.history)
}

// Calls returns the actions run so far, in order.
func (d *Device) Calls() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.calls)
}

func (d *Device) Identity() snmp.Identity {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.identity
}

func (d *Device) Ports() []snmp.PortStatus {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.ports)
}

func (d *Device) Counters() snmp.Counters {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.counters
}

func (d *Device) Alarms() (active, history []snmp.Alarm) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.active), slices.Clone(d.history)
}

func (d *Device) AutoUpdateURL(p snmp.URLParam) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.urls[p]
}

func (d *Device) SetAutoUpdateURL(p snmp.URLParam, v string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.urls[p] = v
	return nil
}

func (d *Device) action(ctx context.Context, name string) error {
	d.mu.Lock()
	d.calls = append(d.calls, name)
	f := d.OnAction
	d.mu.Unlock()
	if f != nil {
		return f(ctx, name)
	}
	return nil
}

func (d *Device) StartUpdate(ctx context.Context) error { return d.action(ctx, "StartUpdate") }
func (d *Device) Restart(ctx context.Context) error     { return d.action(ctx, "Restart") }
func (d *Device) Unlock(ctx context.Context) error      { return d.action(ctx, "Unlock") }

func (d *Device) Lock(ctx context.Context, graceful bool) error {
	if graceful {
		return d.action(ctx, "Lock(graceful)")
	}
	return d.action(ctx, "Lock(immediate)")
}

var _ snmp.Device = (*Device)(nil)
