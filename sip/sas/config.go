package sas

import (
	"errors"
	"fmt"
	"time"
)

// Mode is SASSurvivabilityMode, with the vendor's numbering.
type Mode int

const (
	// ModeStandard (0): outbound mode; REGISTERs are relayed to the proxy
	// set and SAS takes over only in emergency state.
	ModeStandard Mode = 0
	// ModeAlwaysEmergency (1): SAS always acts as the local registrar and
	// router, as if the proxy were down.
	ModeAlwaysEmergency Mode = 1
	// ModeIgnoreRegister (2): REGISTERs are relayed in normal state but
	// SAS does not record bindings from them; users would expect this when
	// phones register to SAS directly only on proxy failure.
	ModeIgnoreRegister Mode = 2
	// ModeRedundant (3): phones use SAS only when the proxy fails; SAS is
	// then the registrar itself.
	ModeRedundant Mode = 3
)

// Defaults applied for zero values.
const (
	DefaultPort              = 5080
	DefaultRegistrationTime  = 3600 * time.Second
	DefaultKeepAliveInterval = 30 * time.Second
	DefaultKeepAliveFailures = 3
)

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("sas: invalid config")

// Config holds the SAS parameters. The zero value means SAS is off.
type Config struct {
	EnableSAS            bool
	SASLocalSIPUDPPort   int           // 0 = DefaultPort
	SASProxySet          []string      // host:port of upstream proxies
	SASRegistrationTime  time.Duration // 0 = DefaultRegistrationTime
	SASSurvivabilityMode Mode
	SASEmergencyNumbers  []string
	SASDefaultGatewayIP  string            // the gateway's own SIP address (host:port)
	KeepAliveInterval    time.Duration     // 0 = DefaultKeepAliveInterval
	KeepAliveFailures    int               // 0 = DefaultKeepAliveFailures
	Users                map[string]string // optional digest users: name -> password
}

// WithDefaults returns c with zero values replaced by defaults.
func (c Config) WithDefaults() Config {
	if c.SASLocalSIPUDPPort == 0 {
		c.SASLocalSIPUDPPort = DefaultPort
	}
	if c.SASRegistrationTime == 0 {
		c.SASRegistrationTime = DefaultRegistrationTime
	}
	if c.KeepAliveInterval == 0 {
		c.KeepAliveInterval = DefaultKeepAliveInterval
	}
	if c.KeepAliveFailures == 0 {
		c.KeepAliveFailures = DefaultKeepAliveFailures
	}
	return c
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	if !c.EnableSAS {
		return nil
	}
	if c.SASLocalSIPUDPPort < 0 || c.SASLocalSIPUDPPort > 65535 {
		return fmt.Errorf("%w: SASLocalSIPUDPPort %d out of range", ErrConfig, c.SASLocalSIPUDPPort)
	}
	if c.SASSurvivabilityMode < ModeStandard || c.SASSurvivabilityMode > ModeRedundant {
		return fmt.Errorf("%w: SASSurvivabilityMode %d unknown", ErrConfig, c.SASSurvivabilityMode)
	}
	if c.SASRegistrationTime < 0 || c.KeepAliveInterval < 0 || c.KeepAliveFailures < 0 {
		return fmt.Errorf("%w: negative time or threshold", ErrConfig)
	}
	if len(c.SASProxySet) == 0 && c.SASSurvivabilityMode == ModeStandard {
		return fmt.Errorf("%w: SASProxySet empty in standard mode", ErrConfig)
	}
	return nil
}
