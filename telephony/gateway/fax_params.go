package gateway

import (
	"github.com/potsgate/potsgate/media/fax"
	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/sip/sdp"
)

// Fax and modem parameters (media/fax, T.38 in fax_t38.go), as the
// device names them. They are read call by call.
const (
	ParamIsFaxUsed                       = "IsFaxUsed"
	ParamFaxTransportMode                = "FaxTransportMode"
	ParamCNGDetectorMode                 = "CNGDetectorMode"
	ParamFaxModemBypassCoderType         = "FaxModemBypassCoderType"
	ParamFaxRelayRedundancyDepth         = "FaxRelayRedundancyDepth"
	ParamFaxRelayEnhancedRedundancyDepth = "FaxRelayEnhancedRedundancyDepth"
	ParamFaxRelayMaxRate                 = "FaxRelayMaxRate"
	ParamFaxRelayECMEnable               = "FaxRelayECMEnable"
)

// IsFaxUsed values.
const (
	faxNotUsed       = 0 // no fax signalling: FaxTransportMode decides
	faxT38Relay      = 1 // re-INVITE to T.38 on fax detection
	faxG711Transport = 2 // re-INVITE to G.711 on fax or modem detection
	faxT38Fallback   = 3 // T.38, and G.711 when the far end refuses it
)

// FaxTransportMode values.
const (
	faxTransportDisable = 0 // the audio passes untouched: no detection
	faxTransportRelay   = 1 // T.38 relay: a far end's T.38 re-INVITE is taken
	faxTransportBypass  = 2 // the call's DSP switches to fax on detection
)

// faxRelayRates are FaxRelayMaxRate's values, bit/s.
var faxRelayRates = [...]int{2400, 4800, 7200, 9600, 12000, 14400}

// FaxParams are the fax parameters.
func FaxParams() []provisioning.Param {
	return []provisioning.Param{
		{Name: ParamIsFaxUsed, Kind: provisioning.KindEnum, Default: "0",
			Enum: []provisioning.EnumValue{{Value: faxNotUsed, Name: "No fax"}, {Value: faxT38Relay, Name: "T.38 relay"},
				{Value: faxG711Transport, Name: "G.711 transport"}, {Value: faxT38Fallback, Name: "Fax fallback"}},
			Description: "on fax detection (CED, V.21, CNG per CNGDetectorMode): 1 re-INVITEs the call to T.38 (relay); 2 re-INVITEs a call on another coder to G.711; 3 T.38, and G.711 pass-through when the far end refuses T.38"},
		{Name: ParamFaxTransportMode, Kind: provisioning.KindEnum, Default: "2",
			Enum: []provisioning.EnumValue{{Value: faxTransportDisable, Name: "Disable"}, {Value: faxTransportRelay, Name: "T.38 relay"},
				{Value: faxTransportBypass, Name: "Bypass"}},
			Description: "2: on fax or modem detection the call's audio goes through untouched (fixed jitter buffer, no echo canceller, PLC or DTMF muting); 1: the same, and a far end's re-INVITE to T.38 is taken (relay); 0: no detection"},
		{Name: ParamFaxRelayRedundancyDepth, Kind: provisioning.KindInt, Min: 0, Max: 2, Default: "0",
			Description: "T.38: how many later UDPTL packets repeat each image data packet (redundancy)"},
		{Name: ParamFaxRelayEnhancedRedundancyDepth, Kind: provisioning.KindInt, Min: 0, Max: 4, Default: "2",
			Description: "T.38: how many later UDPTL packets repeat each T.30 control (V.21) and indicator packet"},
		{Name: ParamFaxRelayMaxRate, Kind: provisioning.KindEnum, Default: "5",
			Enum: []provisioning.EnumValue{{Value: 0, Name: "2400"}, {Value: 1, Name: "4800"}, {Value: 2, Name: "7200"},
				{Value: 3, Name: "9600"}, {Value: 4, Name: "12000"}, {Value: 5, Name: "14400"}},
			Description: "T.38: the fastest page rate relayed (T38MaxBitRate), bit/s"},
		{Name: ParamFaxRelayECMEnable, Kind: provisioning.KindEnum, Default: "1",
			Enum:        []provisioning.EnumValue{{Value: 0, Name: "Disable"}, {Value: 1, Name: "Enable"}},
			Description: "T.38: let the fax machines use error correction mode (ECM)"},
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
	t38      bool         // re-INVITE to T.38 on detection (IsFaxUsed 1, 3)
	fallback bool         // G.711 when T.38 is refused (IsFaxUsed 3)
	t38In    bool         // take a far end's T.38 offer
	relay    relayConfig
}

var (
	pcmaFormat = sdp.Format{PayloadType: 8, Name: "PCMA", ClockRate: 8000}
	pcmuFormat = sdp.Format{PayloadType: 0, Name: "PCMU", ClockRate: 8000}
)

func faxPolicyOf(c provisioning.Config) faxPolicy {
	used, mode := c.Int(ParamIsFaxUsed), c.Int(ParamFaxTransportMode)
	p := faxPolicy{
		reinvite: used == faxG711Transport,
		cng:      c.Int(ParamCNGDetectorMode) != 0,
		formats:  []sdp.Format{pcmaFormat, pcmuFormat},
		t38:      used == faxT38Relay || used == faxT38Fallback,
		fallback: used == faxT38Fallback,
	}
	p.t38In = p.t38 || mode == faxTransportRelay
	p.detect = p.reinvite || p.t38 || mode == faxTransportBypass || mode == faxTransportRelay
	rate := c.Int(ParamFaxRelayMaxRate)
	p.relay = relayConfig{
		MaxRate:           faxRelayRates[min(max(rate, 0), int64(len(faxRelayRates)-1))],
		ECM:               c.Int(ParamFaxRelayECMEnable) == 1,
		Redundancy:        int(c.Int(ParamFaxRelayRedundancyDepth)),
		ControlRedundancy: int(c.Int(ParamFaxRelayEnhancedRedundancyDepth)),
	}
	if c.Int(ParamFaxModemBypassCoderType) == 1 {
		p.formats = []sdp.Format{pcmuFormat, pcmaFormat}
	}
	return p
}

// faxDetectorConfig: CNG is looked for only where it counts.
func faxDetectorConfig(cng bool) fax.Config { return fax.Config{NoCNG: !cng} }
