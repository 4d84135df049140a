package gateway

import (
	"runtime/debug"

	"github.com/potsgate/potsgate/provisioning"
)

// ProductName is what the gateway calls itself in sysDescr, User-Agent and
// Server headers.
const ProductName = "potsgate"

// NewRegistry returns a registry holding every parameter the gateway
// understands, so `potsgate ini check` and Automatic Update judge a file the
// way the running gateway will.
func NewRegistry() (*provisioning.Registry, error) {
	reg := provisioning.NewRegistry()
	au := provisioning.AutoUpdateParams()
	for i := range au {
		if au[i].Name == provisioning.ParamEnableSIPRemoteReset {
			au[i].RestartRequired = true // the SIP stack reads it when it starts
		}
	}
	if err := reg.Register(au...); err != nil {
		return nil, err
	}
	if err := reg.Register(TonesParams()...); err != nil {
		return nil, err
	}
	if err := reg.Register(LogParams()...); err != nil {
		return nil, err
	}
	if err := reg.Register(TelephonyParams()...); err != nil {
		return nil, err
	}
	if err := reg.Register(EchoParams()...); err != nil {
		return nil, err
	}
	if err := reg.Register(DAHDIParams()...); err != nil {
		return nil, err
	}
	if err := reg.Register(FaxParams()...); err != nil {
		return nil, err
	}
	if err := reg.RegisterTable(TelephonyTables()...); err != nil {
		return nil, err
	}
	if err := reg.Register(startOnly(SIPParams())...); err != nil {
		return nil, err
	}
	if err := reg.RegisterTable(startOnlyTables(SIPTables())...); err != nil {
		return nil, err
	}
	if err := reg.RegisterTable(startOnlyTables(TrunkTables())...); err != nil {
		return nil, err
	}
	if err := reg.Register(CDRParams()...); err != nil {
		return nil, err
	}
	if err := reg.Register(startOnly(MWIParams())...); err != nil {
		return nil, err
	}
	if err := reg.Register(ForwardParams()...); err != nil {
		return nil, err
	}
	if err := reg.RegisterTable(ForwardTables()...); err != nil {
		return nil, err
	}
	if err := reg.Register(HoldParams()...); err != nil {
		return nil, err
	}
	if err := reg.Register(LockParams()...); err != nil {
		return nil, err
	}
	if err := reg.Register(OOSParams()...); err != nil {
		return nil, err
	}
	if err := reg.RegisterTable(AdminTables()...); err != nil {
		return nil, err
	}
	if err := reg.Register(HuntParams()...); err != nil {
		return nil, err
	}
	if err := reg.RegisterTable(HuntTables()...); err != nil {
		return nil, err
	}
	if err := reg.Register(startOnly(RegistrationParams())...); err != nil {
		return nil, err
	}
	if err := reg.Register(QoSParams()...); err != nil {
		return nil, err
	}
	if err := reg.Register(HTTPSParams()...); err != nil {
		return nil, err
	}
	if err := reg.Register(startOnly(SRTPParams())...); err != nil {
		return nil, err
	}
	if err := reg.Register(TransportParams()...); err != nil {
		return nil, err
	}
	if err := reg.RegisterTable(RoutingTables()...); err != nil {
		return nil, err
	}
	if err := reg.Register(startOnly(SASParams())...); err != nil {
		return nil, err
	}
	if err := reg.Register(startOnly(SNMPParams())...); err != nil {
		return nil, err
	}
	if err := reg.RegisterTable(startOnlyTables(SNMPTables())...); err != nil {
		return nil, err
	}
	if err := reg.RegisterTable(startOnlyTables(RegistrationTables())...); err != nil {
		return nil, err
	}
	return reg, nil
}

// startOnly marks parameters the gateway reads only when it is built (the
// SIP stack, registrations, SAS, SNMP, port numbering): a change takes a
// restart, which Automatic Update then asks of its host. The others apply
// to the running gateway through Reconfigure.
func startOnly(ps []provisioning.Param) []provisioning.Param {
	for i := range ps {
		ps[i].RestartRequired = true
	}
	return ps
}

func startOnlyTables(ts []provisioning.TableDef) []provisioning.TableDef {
	for i := range ts {
		ts[i].RestartRequired = true
	}
	return ts
}

// Version is the module version the binary was built from ("devel" for a
// build from a work tree).
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
