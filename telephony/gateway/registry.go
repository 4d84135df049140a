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
	if err := reg.Register(provisioning.AutoUpdateParams()...); err != nil {
		return nil, err
	}
	if err := reg.Register(TelephonyParams()...); err != nil {
		return nil, err
	}
	if err := reg.RegisterTable(TelephonyTables()...); err != nil {
		return nil, err
	}
	if err := reg.Register(SIPParams()...); err != nil {
		return nil, err
	}
	if err := reg.RegisterTable(SIPTables()...); err != nil {
		return nil, err
	}
	if err := reg.RegisterTable(TrunkTables()...); err != nil {
		return nil, err
	}
	if err := reg.Register(CDRParams()...); err != nil {
		return nil, err
	}
	if err := reg.Register(MWIParams()...); err != nil {
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
	if err := reg.Register(HuntParams()...); err != nil {
		return nil, err
	}
	if err := reg.RegisterTable(HuntTables()...); err != nil {
		return nil, err
	}
	if err := reg.Register(RegistrationParams()...); err != nil {
		return nil, err
	}
	if err := reg.RegisterTable(RoutingTables()...); err != nil {
		return nil, err
	}
	if err := reg.Register(SASParams()...); err != nil {
		return nil, err
	}
	if err := reg.Register(SNMPParams()...); err != nil {
		return nil, err
	}
	if err := reg.RegisterTable(SNMPTables()...); err != nil {
		return nil, err
	}
	if err := reg.RegisterTable(RegistrationTables()...); err != nil {
		return nil, err
	}
	return reg, nil
}

// Version is the module version the binary was built from ("devel" for a
// build from a work tree).
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
