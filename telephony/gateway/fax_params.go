package gateway

import (
	"github.com/potsgate/potsgate/media/fax"
	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/sip/sdp"
)

// Fax and modem parameters (media/fax), as the device names them. They are
// read call by call.
//
// The device's T.38 values (IsFaxUsed 1 and 3, FaxTransportMode 1) are
// not offered: the T.38 gateway (issue 12) is not there yet.
const (
	ParamIsFaxUsed               = "IsFaxUsed"
	ParamFaxTransportMode        = "FaxTransportMode"
	ParamCNGDetectorMode         = "CNGDetectorMode"
	ParamFaxModemBypassCoderType = "FaxModemBypassCoderType"
)

// IsFaxUsed values.
const (
	faxNotUsed       = 0 // no fax signalling: FaxTransportMode decides
	faxG711Transport = 2 // re-INVITE to G.711 on fax or modem detection
)

// FaxTransportMode values.
const (
	faxTransportDisable = 0 // the audio passes untouched: no detection
	faxTransportBypass  = 2 // the call's DSP switches to fax on detection
)

// FaxParams are the fax parameters.
func FaxParams() []provisioning.Param {
	return []provisioning.Param{
		{Name: ParamIsFaxUsed, Kind: provisioning.KindEnum, Default: "0",
			Enum:        []provisioning.EnumValue{{Value: faxNotUsed, Name: "No fax"}, {Value: faxG711Transport, Name: "G.711 transport"}},
			Description: "on fax or modem detection (CED, V.21, CNG per CNGDetectorMode), 2 re-INVITEs a call on another coder to G.711; T.38 (1, 3) is not available yet"},
		{Name: ParamFaxTransportMode, Kind: provisioning.KindEnum, Default: "2",
			Enum:        []provisioning.EnumValue{{Value: faxTransportDisable, Name: "Disable"}, {Value: faxTransportBypass, Name: "Bypass"}},
			Description: "2: on fax or modem detection the call's audio goes through untouched (fixed jitter buffer, no echo canceller, PLC or DTMF muting); 0: no detection"},
		{Name: ParamCNGDetectorMode, Kind: provisioning.KindEnum, Default: "0",
			Enum:        []provisioning.EnumValue{{Value: 0, Name: "Disable"}, {Value: 1, Name: "Relay"}, {Value: 2, Name: "Event Only"}},
			Description: "1 or 2: the calling fax's CNG, heard on the port, starts fax handling on the originating gateway; 0: only CED and V.21 do (at the answering side)"},
		{Name: ParamFaxModemBypassCoderType, Kind: provisioning.KindEnum, Default: "0",
			Enum:        []provisioning.EnumValue{{Value: 0, Name: "G.711 A-law"}, {Value: 1, Name: "G.711 mu-law"}},
			Description: "the G.711 law a fax re-INVITE offers first (the other follows)"},
	}
}

// faxPolicy is what the fax parameters ask of a call.
type faxPolicy struct {
	detect   bool         // run the detectors
	reinvite bool         // move a non-G.711 call to G.711
	cng      bool         // CNG from the port starts fax handling
	formats  []sdp.Format // what the re-INVITE offers
}

var (
	pcmaFormat = sdp.Format{PayloadType: 8, Name: "PCMA", ClockRate: 8000}
	pcmuFormat = sdp.Format{PayloadType: 0, Name: "PCMU", ClockRate: 8000}
)

func faxPolicyOf(c provisioning.Config) faxPolicy {
	p := faxPolicy{
		reinvite: c.Int(ParamIsFaxUsed) == faxG711Transport,
		cng:      c.Int(ParamCNGDetectorMode) != 0,
		formats:  []sdp.Format{pcmaFormat, pcmuFormat},
	}
	p.detect = p.reinvite || c.Int(ParamFaxTransportMode) == faxTransportBypass
	if c.Int(ParamFaxModemBypassCoderType) == 1 {
		p.formats = []sdp.Format{pcmuFormat, pcmaFormat}
	}
	return p
}

// faxDetectorConfig: CNG is looked for only where it counts.
func faxDetectorConfig(cng bool) fax.Config { return fax.Config{NoCNG: !cng} }
