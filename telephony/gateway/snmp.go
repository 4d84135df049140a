package gateway

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/potsgate/potsgate/media/echo"
	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/snmp"
	"github.com/potsgate/potsgate/telephony/line"
)

// SNMP parameters (spec section 6).
const (
	ParamDisableSNMP                  = "DisableSNMP"
	ParamSNMPPort                     = "SNMPPort"
	ParamSNMPBindAddress              = "SNMPBindAddress" // ours: loopback unless set
	ParamSNMPReadOnlyCommunityString  = "SNMPReadOnlyCommunityString"
	ParamSNMPReadWriteCommunityString = "SNMPReadWriteCommunityString"
	ParamSNMPTrustedMgr               = "SNMPTrustedMgr"
	ParamSNMPManagerTableIP           = "SNMPManagerTableIP"
	ParamSNMPManagerTrapPort          = "SNMPManagerTrapPort"
	TableSNMPUsers                    = "SNMPUsers"
)

// SNMPParams are the SNMP parameters. The three lists are indexed: a file
// sets them as the device's users know them, SNMPTrustedMgr_0,
// SNMPManagerTableIP_1, ..., or as one comma-separated list.
func SNMPParams() []provisioning.Param {
	return []provisioning.Param{
		{Name: ParamDisableSNMP, Kind: provisioning.KindBool, Default: "1", RestartRequired: true,
			Description: "1 = no SNMP agent (the default)"},
		{Name: ParamSNMPPort, Kind: provisioning.KindInt, Min: 1, Max: 65535, Default: "161", RestartRequired: true},
		{Name: ParamSNMPBindAddress, Kind: provisioning.KindIP, Default: "127.0.0.1", RestartRequired: true,
			Description: "address the agent listens on; loopback unless set"},
		{Name: ParamSNMPReadOnlyCommunityString, Kind: provisioning.KindString, MaxLen: 64, Default: "public", Secret: true},
		{Name: ParamSNMPReadWriteCommunityString, Kind: provisioning.KindString, MaxLen: 64, Default: "private", Secret: true},
		{Name: ParamSNMPTrustedMgr, Kind: provisioning.KindList, MaxLen: 64, Indexed: true,
			Description: "managers allowed to query (addresses or prefixes); empty = any"},
		{Name: ParamSNMPManagerTableIP, Kind: provisioning.KindList, MaxLen: 64, Indexed: true, Description: "trap destinations"},
		{Name: ParamSNMPManagerTrapPort, Kind: provisioning.KindList, MaxLen: 5, Indexed: true, Description: "trap ports, one per destination (162)"},
	}
}

// SNMPTables are the SNMPv3 users.
func SNMPTables() []provisioning.TableDef {
	return []provisioning.TableDef{{
		Name: TableSNMPUsers, MaxRows: 10,
		Columns: []provisioning.Column{
			{Name: "Username", Kind: provisioning.KindString, MaxLen: 32},
			{Name: "AuthProtocol", Kind: provisioning.KindEnum, Default: "2",
				Enum: []provisioning.EnumValue{{Value: 0, Name: "none"}, {Value: 1, Name: "MD5"}, {Value: 2, Name: "SHA"}, {Value: 3, Name: "SHA-256"}}},
			{Name: "PrivProtocol", Kind: provisioning.KindEnum, Default: "3",
				Enum: []provisioning.EnumValue{{Value: 0, Name: "none"}, {Value: 1, Name: "DES"}, {Value: 3, Name: "AES-128"}}},
			{Name: "AuthKey", Kind: provisioning.KindString, MaxLen: 64, Secret: true},
			{Name: "PrivKey", Kind: provisioning.KindString, MaxLen: 64, Secret: true},
			{Name: "Group", Kind: provisioning.KindEnum, Default: "0",
				Enum: []provisioning.EnumValue{{Value: 0, Name: "read-only"}, {Value: 1, Name: "read-write"}}},
		},
	}}
}

// SNMPConfig builds the agent's configuration; stateFile keeps the engine
// ID and boots.
func SNMPConfig(c provisioning.Config, stateFile string) snmp.Config {
	sc := snmp.Config{
		DisableSNMP:                  c.Bool(ParamDisableSNMP),
		BindAddress:                  orDefault(c.String(ParamSNMPBindAddress), "127.0.0.1"),
		SNMPPort:                     int(c.Int(ParamSNMPPort)),
		SNMPReadOnlyCommunityString:  c.String(ParamSNMPReadOnlyCommunityString),
		SNMPReadWriteCommunityString: c.String(ParamSNMPReadWriteCommunityString),
		StateFile:                    stateFile,
	}
	for _, m := range c.List(ParamSNMPTrustedMgr) {
		if m = strings.TrimSpace(m); m != "" {
			sc.SNMPTrustedMgr = append(sc.SNMPTrustedMgr, m)
		}
	}
	ports := c.List(ParamSNMPManagerTrapPort)
	for i, ip := range c.List(ParamSNMPManagerTableIP) {
		if ip = strings.TrimSpace(ip); ip == "" {
			continue
		}
		m := snmp.Manager{IP: ip}
		if i < len(ports) {
			m.TrapPort, _ = strconv.Atoi(strings.TrimSpace(ports[i]))
		}
		sc.SNMPManagers = append(sc.SNMPManagers, m)
	}
	auth := map[int64]snmp.AuthProtocol{0: snmp.AuthNone, 1: snmp.AuthMD5, 2: snmp.AuthSHA, 3: snmp.AuthSHA256}
	priv := map[int64]snmp.PrivProtocol{0: snmp.PrivNone, 1: snmp.PrivDES, 3: snmp.PrivAES}
	for _, r := range c.Table(TableSNMPUsers) {
		u := snmp.User{Name: r.String("Username"), Auth: auth[r.Int("AuthProtocol")], Priv: priv[r.Int("PrivProtocol")],
			AuthKey: r.String("AuthKey"), PrivKey: r.String("PrivKey"), Access: snmp.AccessReadOnly}
		if r.Int("Group") == 1 {
			u.Access = snmp.AccessReadWrite
		}
		sc.SNMPUsers = append(sc.SNMPUsers, u)
	}
	return sc
}

// Provisioner is what the SNMP device needs of configuration management:
// the running configuration, a change to one Automatic Update URL, and an
// update cycle.
type Provisioner interface {
	Config() provisioning.Config
	SetParam(ctx context.Context, name, value string) error
	Trigger(ctx context.Context, reason string) error
}

// SNMPDevice presents a gateway to the SNMP agent.
type SNMPDevice struct {
	G           *Gateway
	Provisioner Provisioner
	Serial      string
	// OnRestart is asked to restart the device (nil: refused).
	OnRestart func(ctx context.Context) error
}

var _ snmp.Device = (*SNMPDevice)(nil)

func (d *SNMPDevice) Identity() snmp.Identity {
	return snmp.Identity{Product: ProductName, SerialNumber: d.Serial, SoftwareVersion: Version(), HardwareVersion: "simulated",
		ConfigVersion: d.Provisioner.Config().String(provisioning.ParamINIFileVersion)}
}

func (d *SNMPDevice) Ports() []snmp.PortStatus {
	var out []snmp.PortStatus
	admin := snmp.AdminUnlocked
	switch d.G.AdminState() {
	case ShuttingDown:
		admin = snmp.AdminShuttingDown
	case Locked:
		admin = snmp.AdminLocked
	}
	for _, p := range d.G.ports {
		ps := snmp.PortStatus{Index: p.index, PhoneNumber: p.number, Admin: admin, Reg: snmp.RegNotRegistered, Hook: snmp.OnHook, Call: snmp.CallIdle}
		switch d.G.registrationState(p.number) {
		case "registered":
			ps.Reg = snmp.RegRegistered
		case "failed":
			ps.Reg = snmp.RegFailed
		}
		var es echo.Stats
		var hasEcho bool
		if p.fxs != nil {
			es, hasEcho = p.fxs.EchoStats()
		} else {
			es, hasEcho = p.fxo.EchoStats()
		}
		ps.Echo = snmp.EchoOff
		if hasEcho {
			ps.Echo = snmpEchoState(es.State)
			ps.EchoERL, ps.EchoERLE = int(math.Round(es.ERL*10)), int(math.Round(es.ERLE*10))
		}
		if p.fxs != nil {
			ps.Type = snmp.PortFXS
			switch p.fxs.State() {
			case line.FXSIdle:
			case line.FXSRinging:
				ps.Call = snmp.CallRinging
			case line.FXSDialTone, line.FXSDigits:
				ps.Hook, ps.Call = snmp.OffHook, snmp.CallDialing
			case line.FXSCalling:
				ps.Hook, ps.Call = snmp.OffHook, snmp.CallRinging
			case line.FXSConnected:
				ps.Hook, ps.Call = snmp.OffHook, snmp.CallConnected
			default:
				ps.Hook, ps.Call = snmp.OffHook, snmp.CallReleasing
			}
		} else {
			ps.Type = snmp.PortFXO
			switch p.fxo.State() {
			case line.FXOIdle:
			case line.FXOAlerted, line.FXOCallingOut:
				ps.Call = snmp.CallRinging
			case line.FXOConnected:
				ps.Hook, ps.Call = snmp.OffHook, snmp.CallConnected
			default:
				ps.Hook, ps.Call = snmp.OffHook, snmp.CallDialing
			}
		}
		out = append(out, ps)
	}
	return out
}

// snmpEchoState maps the canceller's state to pgPortEchoState.
func snmpEchoState(s echo.State) snmp.EchoState {
	switch s {
	case echo.StateActive:
		return snmp.EchoActive
	case echo.StateConverged:
		return snmp.EchoConverged
	case echo.StateNLP:
		return snmp.EchoNLP
	case echo.StateDoubleTalk:
		return snmp.EchoDoubleTalk
	case echo.StateDisabled:
		return snmp.EchoDisabled
	}
	return snmp.EchoIdle
}

func (d *SNMPDevice) Counters() snmp.Counters {
	c := &d.G.counters
	return snmp.Counters{Attempted: uint64(c.Attempted.Load()), Established: uint64(c.Established.Load()), Busy: uint64(c.Busy.Load()),
		NoAnswer: uint64(c.NoAnswer.Load()), NoRoute: uint64(c.NoRoute.Load()), Failed: uint64(c.Failed.Load())}
}

// Alarms maps the gateway's alarms to the MIB's tables.
func (d *SNMPDevice) Alarms() (active, history []snmp.Alarm) {
	a, h := d.G.Alarms()
	for _, x := range a {
		active = append(active, SNMPAlarm(x, true))
	}
	for _, x := range h {
		history = append(history, SNMPAlarm(x, false))
	}
	return active, history
}

// SNMPAlarm is an alarm as the SNMP agent reports it (and traps it).
func SNMPAlarm(a Alarm, active bool) snmp.Alarm {
	s := snmp.Alarm{ID: a.ID, Source: a.Source, Text: a.Text, Time: a.Raised, Severity: snmp.SeverityMajor, Type: snmp.AlarmOther}
	switch a.Kind {
	case AlarmRegistrationFailed:
		s.Type = snmp.AlarmRegistrationFailed
	case AlarmProxyLost:
		s.Type = snmp.AlarmProxyLost
	case AlarmConfigurationError:
		s.Type = snmp.AlarmConfigurationError
	}
	if !active {
		s.Severity, s.Time = snmp.SeverityCleared, a.Cleared
	}
	return s
}

func (d *SNMPDevice) AutoUpdateURL(p snmp.URLParam) string {
	return d.Provisioner.Config().String(p.String())
}

func (d *SNMPDevice) SetAutoUpdateURL(p snmp.URLParam, v string) error {
	return d.Provisioner.SetParam(context.Background(), p.String(), v)
}

func (d *SNMPDevice) StartUpdate(ctx context.Context) error {
	return d.Provisioner.Trigger(ctx, "snmp")
}

func (d *SNMPDevice) Restart(ctx context.Context) error {
	if d.OnRestart == nil {
		return errors.New("restart is not supported here")
	}
	return d.OnRestart(ctx)
}

// Lock refuses new calls; an immediate lock ends the calls in progress,
// a graceful one lets them go on (see Gateway.Lock).
func (d *SNMPDevice) Lock(_ context.Context, graceful bool) error {
	d.G.Lock(graceful)
	return nil
}

func (d *SNMPDevice) Unlock(context.Context) error {
	d.G.Unlock()
	return nil
}
