package snmp

import (
	"errors"
	"fmt"
	"time"

	"github.com/gosnmp/gosnmp"
)

// ErrNotServing is returned by the trap methods while Serve is not running.
var ErrNotServing = errors.New("snmp: agent not serving")

// authTrapInterval limits authenticationFailure traps, so a flood of bad
// requests cannot turn the agent into a trap amplifier.
const authTrapInterval = time.Second

// AlarmRaised sends pgAlarmRaised to the trap managers.
func (a *Agent) AlarmRaised(al Alarm) error {
	return a.sendTrap(oidTrapAlarmRaised, alarmVars(al))
}

// AlarmCleared sends pgAlarmCleared to the trap managers.
func (a *Agent) AlarmCleared(al Alarm) error {
	if al.Severity == 0 {
		al.Severity = SeverityCleared
	}
	return a.sendTrap(oidTrapAlarmCleared, alarmVars(al))
}

// DownloadResult records the outcome of an Automatic Update download
// (pgLastDownload*) and sends pgDownloadResult to the trap managers.
func (a *Agent) DownloadResult(r DownloadResult) error {
	a.mu.Lock()
	a.download, a.haveDownload = r, true
	a.mu.Unlock()
	return a.sendTrap(oidTrapDownload, []gosnmp.SnmpPDU{
		{Name: oidAutoUpdate.child(5, 0).String(), Type: gosnmp.Integer, Value: downloadStatus(r, true)},
		{Name: oidAutoUpdate.child(6, 0).String(), Type: gosnmp.OctetString, Value: truncate255(r.Reason)},
		{Name: oidAutoUpdate.child(7, 0).String(), Type: gosnmp.OctetString, Value: truncate255(r.URL)},
	})
}

func (a *Agent) sendKeepAlive() error {
	id := a.dev.Identity()
	return a.sendTrap(oidTrapKeepAlive, []gosnmp.SnmpPDU{
		{Name: oidIdentity.child(4, 0).String(), Type: gosnmp.OctetString, Value: truncate255(id.SoftwareVersion)},
		{Name: oidIdentity.child(5, 0).String(), Type: gosnmp.OctetString, Value: truncate255(id.ConfigVersion)},
	})
}

func alarmVars(al Alarm) []gosnmp.SnmpPDU {
	col := func(c uint32) string { return oidActiveAlarmEnt.child(c, al.ID).String() }
	return []gosnmp.SnmpPDU{
		{Name: col(2), Type: gosnmp.Integer, Value: int(al.Type)},
		{Name: col(3), Type: gosnmp.Integer, Value: int(al.Severity)},
		{Name: col(4), Type: gosnmp.OctetString, Value: truncate255(al.Source)},
		{Name: col(5), Type: gosnmp.OctetString, Value: truncate255(al.Text)},
	}
}

// authFailure sends authenticationFailure, at most once per
// authTrapInterval, when enabled (snmpEnableAuthenTraps).
func (a *Agent) authFailure() {
	if !a.authTraps.Load() {
		return
	}
	now := a.now()
	a.mu.Lock()
	if !a.lastAuthTrap.IsZero() && now.Sub(a.lastAuthTrap) < authTrapInterval && now.Sub(a.lastAuthTrap) >= 0 {
		a.mu.Unlock()
		return
	}
	a.lastAuthTrap = now
	a.mu.Unlock()
	_ = a.sendTrap(oidAuthFailure, nil)
}

// sendTrap sends an SNMPv2-Trap (v2c or v3 by manager) with sysUpTime.0,
// snmpTrapOID.0 and vars, from the agent's socket. UDP writes do not
// block, so callers may be on any goroutine.
func (a *Agent) sendTrap(trapOID oid, vars []gosnmp.SnmpPDU) error {
	a.serveMu.Lock()
	conn := a.conn
	a.serveMu.Unlock()
	if conn == nil {
		return ErrNotServing
	}
	all := make([]gosnmp.SnmpPDU, 0, 2+len(vars))
	all = append(all,
		gosnmp.SnmpPDU{Name: oidSysUpTime0.String(), Type: gosnmp.TimeTicks, Value: a.ticks(a.now())},
		gosnmp.SnmpPDU{Name: oidSnmpTrapOID0.String(), Type: gosnmp.ObjectIdentifier, Value: trapOID.String()},
	)
	all = append(all, vars...)
	var errs []error
	for _, m := range a.managers {
		id := a.trapID.Add(1) & 0x7fffffff
		var p *gosnmp.SnmpPacket
		if m.user == nil {
			p = &gosnmp.SnmpPacket{Version: gosnmp.Version2c, Community: a.cfg.SNMPTrapCommunityString}
		} else {
			p = a.v3Packet(m.user, m.user.level, id)
		}
		p.PDUType = gosnmp.SNMPv2Trap
		p.RequestID = id
		p.Variables = all
		b, err := p.MarshalMsg()
		if err == nil {
			_, err = conn.WriteTo(b, m.addr)
		}
		if err != nil {
			a.stats.trapErrors.Add(1)
			errs = append(errs, fmt.Errorf("snmp: trap to %s: %w", m.addr, err))
			continue
		}
		a.stats.trapsSent.Add(1)
	}
	return errors.Join(errs...)
}
