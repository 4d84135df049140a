package gateway

import (
	"time"

	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/telephony/line"
)

// Line echo canceller parameters (media/echo), as the device names them.
// They are read when the ports are built, so they take effect on restart.
const (
	ParamIsEchoCancellerEnabled = "IsEchoCancellerEnabled"
	ParamEchoCancellerLength    = "EchoCancellerLength"
	ParamMaxEchoCancellerLength = "MaxEchoCancellerLength"
)

// echoLengths are the tails the canceller supports, in ms.
var echoLengths = []provisioning.EnumValue{{Value: 32, Name: "32 ms"}, {Value: 64, Name: "64 ms"}, {Value: 128, Name: "128 ms"}}

// EchoParams are the echo canceller parameters.
func EchoParams() []provisioning.Param {
	return []provisioning.Param{
		{Name: ParamIsEchoCancellerEnabled, Kind: provisioning.KindBool, Default: "1", RestartRequired: true,
			Description: "run a G.168 line echo canceller on every port's voice path"},
		{Name: ParamEchoCancellerLength, Kind: provisioning.KindEnum, Enum: echoLengths, Default: "64", RestartRequired: true,
			Description: "echo tail the canceller covers, ms (longer: more of the line's echo, more CPU)"},
		{Name: ParamMaxEchoCancellerLength, Kind: provisioning.KindEnum, Enum: echoLengths, Default: "128", RestartRequired: true,
			Description: "longest tail allowed: EchoCancellerLength above it is cut to it, ms"},
	}
}

// EchoOptions builds a line's echo canceller options.
func EchoOptions(c provisioning.Config) line.EchoOptions {
	ms := min(c.Int(ParamEchoCancellerLength), c.Int(ParamMaxEchoCancellerLength))
	return line.EchoOptions{Enabled: c.Bool(ParamIsEchoCancellerEnabled), Tail: time.Duration(ms) * time.Millisecond}
}
