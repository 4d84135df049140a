package gateway

import "github.com/potsgate/potsgate/provisioning"

// QoS parameters: the DiffServ code points of the gateway's packets, as
// the device names them. The sockets are marked where they are created
// (media/diffserv): the SIP and SAS sockets at start, each call's RTP/RTCP
// pair from a range built at start, so both need a restart.
const (
	// ParamPremiumServiceClassControlDiffServ marks SIP (the user agent and
	// SAS).
	ParamPremiumServiceClassControlDiffServ = "PremiumServiceClassControlDiffServ"
	// ParamPremiumServiceClassMediaDiffServ marks RTP and RTCP.
	ParamPremiumServiceClassMediaDiffServ = "PremiumServiceClassMediaDiffServ"
)

// QoSParams are the DiffServ parameters.
func QoSParams() []provisioning.Param {
	return []provisioning.Param{
		{Name: ParamPremiumServiceClassControlDiffServ, Kind: provisioning.KindInt, Min: 0, Max: 63, Default: "40", RestartRequired: true,
			Description: "DiffServ code point of SIP packets (40 = CS5; 0 = unmarked)"},
		{Name: ParamPremiumServiceClassMediaDiffServ, Kind: provisioning.KindInt, Min: 0, Max: 63, Default: "46", RestartRequired: true,
			Description: "DiffServ code point of RTP and RTCP packets (46 = EF; 0 = unmarked)"},
	}
}

// controlDSCP is the code point of SIP packets.
func controlDSCP(c provisioning.Config) int {
	return int(c.Int(ParamPremiumServiceClassControlDiffServ))
}

// mediaDSCP is the code point of RTP and RTCP packets.
func mediaDSCP(c provisioning.Config) int {
	return int(c.Int(ParamPremiumServiceClassMediaDiffServ))
}
