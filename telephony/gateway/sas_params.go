package gateway

import (
	"strings"
	"time"

	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/sip/sas"
)

// Stand Alone Survivability parameters (spec section 5).
const (
	ParamEnableSAS            = "EnableSAS"
	ParamSASLocalSIPUDPPort   = "SASLocalSIPUDPPort"
	ParamSASProxySet          = "SASProxySet"
	ParamSASRegistrationTime  = "SASRegistrationTime"
	ParamSASSurvivabilityMode = "SASSurvivabilityMode"
	ParamSASEmergencyNumbers  = "SASEmergencyNumbers"
	ParamSASDefaultGatewayIP  = "SASDefaultGatewayIP"
)

// SASParams are the SAS parameters.
func SASParams() []provisioning.Param {
	return []provisioning.Param{
		{Name: ParamEnableSAS, Kind: provisioning.KindBool, Default: "0", RestartRequired: true,
			Description: "run the embedded registrar and proxy (Stand Alone Survivability)"},
		{Name: ParamSASLocalSIPUDPPort, Kind: provisioning.KindInt, Min: 1, Max: 65535, Default: "5080", RestartRequired: true,
			Description: "UDP port of the SAS registrar/proxy"},
		{Name: ParamSASProxySet, Kind: provisioning.KindList, MaxLen: 64,
			Description: "upstream proxies (host:port), tried in order; empty = SAS alone"},
		{Name: ParamSASRegistrationTime, Kind: provisioning.KindInt, Min: 30, Max: 86400, Default: "3600",
			Description: "longest registration SAS grants, seconds"},
		{Name: ParamSASSurvivabilityMode, Kind: provisioning.KindEnum, Default: "0",
			Enum: []provisioning.EnumValue{{Value: 0, Name: "standard"}, {Value: 1, Name: "always emergency"},
				{Value: 2, Name: "ignore REGISTER"}, {Value: 3, Name: "auto-answer REGISTER"}}},
		{Name: ParamSASEmergencyNumbers, Kind: provisioning.KindList, MaxLen: 16,
			Description: "numbers SAS always sends to the gateway's analog lines"},
		{Name: ParamSASDefaultGatewayIP, Kind: provisioning.KindHostPort,
			Description: "the gateway's SIP address, where SAS sends calls for numbers it has no binding for"},
	}
}

// SASConfig builds the SAS configuration.
func SASConfig(c provisioning.Config) sas.Config {
	nonEmpty := func(in []string) []string {
		var out []string
		for _, s := range in {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	var keepAlive time.Duration // sas's default
	if c.Int(ParamEnableProxyKeepAlive) == 1 {
		// The proxy set's keep-alive period applies to SAS's proxy set
		// too, as on the device.
		keepAlive = time.Duration(c.Int(ParamProxyKeepAliveTime)) * time.Second
	}
	return sas.Config{
		KeepAliveInterval:    keepAlive,
		EnableSAS:            c.Bool(ParamEnableSAS),
		SASLocalSIPUDPPort:   int(c.Int(ParamSASLocalSIPUDPPort)),
		SASProxySet:          nonEmpty(c.List(ParamSASProxySet)),
		SASRegistrationTime:  time.Duration(c.Int(ParamSASRegistrationTime)) * time.Second,
		SASSurvivabilityMode: sas.Mode(c.Int(ParamSASSurvivabilityMode)),
		SASEmergencyNumbers:  nonEmpty(c.List(ParamSASEmergencyNumbers)),
		SASDefaultGatewayIP:  c.String(ParamSASDefaultGatewayIP),
		DSCP:                 controlDSCP(c),
	}
}
