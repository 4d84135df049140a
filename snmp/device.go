package snmp

import (
	"context"
	"time"
)

// Device is what the agent reads and drives. The reference gateway
// implements it; tests and examples use a fake. Every method may be called
// from the agent's goroutine while the gateway runs, so implementations
// must be safe for concurrent use. Action methods (StartUpdate, Restart,
// Lock, Unlock) must start the work and return promptly: the manager is
// waiting for the SET response.
type Device interface {
	// Identity returns the product name, serial number and versions.
	Identity() Identity
	// Ports returns the status of every analog port, in port order.
	Ports() []PortStatus
	// Counters returns the gateway-wide call counters.
	Counters() Counters
	// Alarms returns the active alarms and the alarm history (oldest
	// first). Alarm IDs must be unique and non-zero within each list.
	Alarms() (active, history []Alarm)
	// AutoUpdateURL returns the value of an Automatic Update URL
	// parameter ("" when unset).
	AutoUpdateURL(p URLParam) string
	// SetAutoUpdateURL changes an Automatic Update URL parameter.
	SetAutoUpdateURL(p URLParam, v string) error
	// StartUpdate starts an Automatic Update cycle (the provisioning
	// trigger). The result is reported later through Agent.DownloadResult.
	StartUpdate(ctx context.Context) error
	// Restart schedules a device restart.
	Restart(ctx context.Context) error
	// Lock stops new calls on every port; graceful lets calls in progress
	// finish.
	Lock(ctx context.Context, graceful bool) error
	// Unlock accepts calls again.
	Unlock(ctx context.Context) error
}

// Identity names the device and its versions.
type Identity struct {
	Product         string // e.g. "potsgate"
	SerialNumber    string
	HardwareVersion string
	SoftwareVersion string // e.g. "0.3.0"; sysDescr is "potsgate <SoftwareVersion> ..."
	ConfigVersion   string // version of the applied configuration (ini)
}

// PortStatus is one row of pgPortTable. Index is the 1-based port number.
type PortStatus struct {
	Index       int
	Type        PortType
	Hook        HookState
	Call        CallState
	Reg         RegState
	Admin       AdminState
	PhoneNumber string
	// Echo is the port's line echo canceller; EchoERL and EchoERLE are
	// in tenths of a dB (pgPortEchoState, pgPortEchoErl, pgPortEchoErle).
	Echo     EchoState
	EchoERL  int
	EchoERLE int
}

// EchoState is what a port's echo canceller is doing (pgPortEchoState).
// The zero value is EchoOff.
type EchoState int

// Echo canceller states, as media/echo names them.
const (
	EchoOff        EchoState = iota + 1 // the port has no canceller
	EchoIdle                            // no call since the last reset
	EchoActive                          // in a call, not converged yet
	EchoConverged                       // cancelling
	EchoNLP                             // cancelling, the NLP replaces the residual
	EchoDoubleTalk                      // both ends speak: adaptation frozen
	EchoDisabled                        // disabled by the 2100 Hz answer tone with phase reversals
)

var echoStateNames = [...]string{"", "off", "idle", "active", "converged", "nlp", "doubleTalk", "disabled"}

func (e EchoState) String() string {
	if e >= EchoOff && int(e) < len(echoStateNames) {
		return echoStateNames[e]
	}
	return "unknown"
}

// Counters are the gateway-wide call counters (pgCallCounters).
type Counters struct {
	Attempted   uint64
	Established uint64
	Busy        uint64
	NoAnswer    uint64
	NoRoute     uint64
	Failed      uint64
}

// Alarm is one row of the active alarm or alarm history table, and the
// content of an alarm trap.
type Alarm struct {
	ID       uint32
	Type     AlarmType
	Severity Severity
	Source   string // e.g. "Port 1" or "Proxy 10.0.0.1"
	Text     string
	Time     time.Time // when raised (active) or when the event happened (history)
}

// DownloadResult is the outcome of an Automatic Update download, sent as a
// pgDownloadResult notification and kept in pgLastDownload*.
type DownloadResult struct {
	URL    string
	OK     bool
	Reason string // why it failed, or what was applied
}

// PortType is the kind of analog port. Values match the MIB enumeration.
type PortType int

// Port types.
const (
	PortFXS PortType = 1
	PortFXO PortType = 2
)

func (t PortType) String() string {
	switch t {
	case PortFXS:
		return "fxs"
	case PortFXO:
		return "fxo"
	}
	return "unknown"
}

// HookState is the hook state of a port's line.
type HookState int

// Hook states.
const (
	OnHook  HookState = 1
	OffHook HookState = 2
)

func (h HookState) String() string {
	switch h {
	case OnHook:
		return "onHook"
	case OffHook:
		return "offHook"
	}
	return "unknown"
}

// CallState is the call state of a port.
type CallState int

// Call states.
const (
	CallIdle      CallState = 1
	CallDialing   CallState = 2
	CallRinging   CallState = 3
	CallConnected CallState = 4
	CallReleasing CallState = 5
)

func (c CallState) String() string {
	switch c {
	case CallIdle:
		return "idle"
	case CallDialing:
		return "dialing"
	case CallRinging:
		return "ringing"
	case CallConnected:
		return "connected"
	case CallReleasing:
		return "releasing"
	}
	return "unknown"
}

// RegState is the SIP registration state of a port.
type RegState int

// Registration states.
const (
	RegNotRegistered RegState = 1
	RegRegistering   RegState = 2
	RegRegistered    RegState = 3
	RegFailed        RegState = 4
)

func (r RegState) String() string {
	switch r {
	case RegNotRegistered:
		return "notRegistered"
	case RegRegistering:
		return "registering"
	case RegRegistered:
		return "registered"
	case RegFailed:
		return "failed"
	}
	return "unknown"
}

// AdminState is the administrative state of a port.
type AdminState int

// Administrative states.
const (
	AdminUnlocked     AdminState = 1
	AdminShuttingDown AdminState = 2
	AdminLocked       AdminState = 3
)

func (a AdminState) String() string {
	switch a {
	case AdminUnlocked:
		return "unlocked"
	case AdminShuttingDown:
		return "shuttingDown"
	case AdminLocked:
		return "locked"
	}
	return "unknown"
}

// AlarmType says what an alarm is about.
type AlarmType int

// Alarm types.
const (
	AlarmProxyLost          AlarmType = 1
	AlarmRegistrationFailed AlarmType = 2
	AlarmConfigurationError AlarmType = 3
	AlarmOther              AlarmType = 4
)

func (t AlarmType) String() string {
	switch t {
	case AlarmProxyLost:
		return "proxyLost"
	case AlarmRegistrationFailed:
		return "registrationFailed"
	case AlarmConfigurationError:
		return "configurationError"
	case AlarmOther:
		return "other"
	}
	return "unknown"
}

// Severity is an alarm severity (ITU X.733 levels).
type Severity int

// Severities.
const (
	SeverityCleared       Severity = 1
	SeverityIndeterminate Severity = 2
	SeverityWarning       Severity = 3
	SeverityMinor         Severity = 4
	SeverityMajor         Severity = 5
	SeverityCritical      Severity = 6
)

func (s Severity) String() string {
	switch s {
	case SeverityCleared:
		return "cleared"
	case SeverityIndeterminate:
		return "indeterminate"
	case SeverityWarning:
		return "warning"
	case SeverityMinor:
		return "minor"
	case SeverityMajor:
		return "major"
	case SeverityCritical:
		return "critical"
	}
	return "unknown"
}

// URLParam names an Automatic Update URL parameter. String returns the
// device parameter name (IniFileURL, ...).
type URLParam int

// Automatic Update URL parameters, in MIB order (pgIniFileURL = 1 ...).
const (
	IniFileURL URLParam = 1
	CmpFileURL URLParam = 2
	PrtFileURL URLParam = 3
	CptFileURL URLParam = 4
)

func (p URLParam) String() string {
	switch p {
	case IniFileURL:
		return "IniFileURL"
	case CmpFileURL:
		return "CmpFileURL"
	case PrtFileURL:
		return "PrtFileURL"
	case CptFileURL:
		return "CptFileURL"
	}
	return "unknown"
}
