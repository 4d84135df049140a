package gateway

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
)

// Names of the SIP and media parameters (spec section 4).
const (
	ParamLocalSIPPort       = "LocalSIPPort"
	ParamSIPBindAddress     = "SIPBindAddress" // ours: the device binds every interface
	ParamProxyIP            = "ProxyIP"
	ParamRFC2833PayloadType = "RFC2833PayloadType"
	ParamDTMFTransportType  = "DTMFTransportType"
	ParamBaseUDPPort        = "BaseUDPPort"
	ParamRTPPortCount       = "RTPPortCount" // ours: size of the RTP port range
	TableCodersGroup0       = "CodersGroup0"
	// TableProxySet is the vendor's ProxyIp table, renamed: names are
	// case-insensitive and the parameter ProxyIP is taken.
	TableProxySet             = "ProxySet"
	ParamPrackMode            = "PrackMode"
	ParamMinSE                = "MinSE"
	ParamSIPSessionExpires    = "SIPSessionExpires"
	ParamSessionExpiresMethod = "SessionExpiresMethod"
	ParamEnableProxyKeepAlive = "EnableProxyKeepAlive"
	ParamProxyKeepAliveTime   = "ProxyKeepAliveTime"
)

// DTMFTransportType values.
const (
	DTMFMute        = 0
	DTMFTransparent = 2 // in-band, in the voice
	DTMFRFC2833     = 3
)

// coderFormats maps the vendor's coder names to SDP formats we implement.
var coderFormats = map[string]sdp.Format{
	"g711ulaw64k": {PayloadType: 0, Name: "PCMU", ClockRate: 8000},
	"g711alaw64k": {PayloadType: 8, Name: "PCMA", ClockRate: 8000},
	"g729":        {PayloadType: 18, Name: "G729", ClockRate: 8000},
}

func checkCoder(name string) error {
	if _, ok := coderFormats[strings.ToLower(name)]; !ok {
		return fmt.Errorf("coder %q not supported (g711Ulaw64k, g711Alaw64k, g729)", name)
	}
	return nil
}

// Silence suppression (the Sce column of CodersGroup0): for G.729 it is
// Annex B (VAD, DTX, comfort noise), announced as annexb=yes (RFC 4856).
const (
	SceDisabled = 0
	SceEnabled  = 1
	// SceNoAdaptation is the vendor's "enabled without adaptation"; we
	// treat it as enabled.
	SceNoAdaptation = 2
)

// SIPParams are the SIP and media parameters.
func SIPParams() []provisioning.Param {
	return []provisioning.Param{
		{Name: ParamLocalSIPPort, Kind: provisioning.KindInt, Min: 1, Max: 65535, Default: "5060", RestartRequired: true,
			Description: "UDP port of the SIP user agent"},
		{Name: ParamSIPBindAddress, Kind: provisioning.KindIP, Default: "127.0.0.1", RestartRequired: true,
			Description: "address SIP and RTP listen on; loopback unless set (0.0.0.0 = every interface)"},
		{Name: ParamProxyIP, Kind: provisioning.KindHostPort,
			Description: "proxy that receives calls to numbers that are not local ports (host:port)"},
		{Name: ParamRFC2833PayloadType, Kind: provisioning.KindInt, Min: 96, Max: 127, Default: "101",
			Description: "RTP payload type offered for RFC 4733 telephone events"},
		{Name: ParamDTMFTransportType, Kind: provisioning.KindEnum, Default: "3",
			Enum:        []provisioning.EnumValue{{Value: DTMFMute, Name: "mute"}, {Value: DTMFTransparent, Name: "transparent (in-band)"}, {Value: DTMFRFC2833, Name: "RFC 2833/4733"}},
			Description: "how digits dialled during a call reach the far end"},
		{Name: ParamBaseUDPPort, Kind: provisioning.KindInt, Min: 1024, Max: 65000, Default: "6000", RestartRequired: true,
			Description: "first RTP port"},
		{Name: ParamRTPPortCount, Kind: provisioning.KindInt, Min: 2, Max: 20000, Default: "1000", RestartRequired: true,
			Description: "number of RTP ports from BaseUDPPort"},
		{Name: ParamPrackMode, Kind: provisioning.KindEnum, Default: "1",
			Enum:        []provisioning.EnumValue{{Value: 0, Name: "disabled"}, {Value: 1, Name: "supported"}, {Value: 2, Name: "required"}},
			Description: "reliable provisional responses (100rel, PRACK; RFC 3262)"},
		{Name: ParamMinSE, Kind: provisioning.KindInt, Min: 1, Max: 86400, Default: "90",
			Description: "smallest session-timer interval accepted, seconds (RFC 4028)"},
		{Name: ParamSIPSessionExpires, Kind: provisioning.KindInt, Min: 0, Max: 86400, Default: "0",
			Description: "session-timer interval asked for on the calls the gateway places, seconds (0 = none; at least MinSE)"},
		{Name: ParamSessionExpiresMethod, Kind: provisioning.KindEnum, Default: "0",
			Enum:        []provisioning.EnumValue{{Value: 0, Name: "re-INVITE"}, {Value: 1, Name: "UPDATE"}},
			Description: "how the gateway refreshes a session it is the refresher of"},
		{Name: ParamEnableProxyKeepAlive, Kind: provisioning.KindEnum, Default: "0",
			Enum:        []provisioning.EnumValue{{Value: 0, Name: "off"}, {Value: 1, Name: "OPTIONS"}},
			Description: "probe the proxies and send calls to the first that answers"},
		{Name: ParamProxyKeepAliveTime, Kind: provisioning.KindInt, Min: 5, Max: 2000000, Default: "60",
			Description: "seconds between keep-alive probes"},
	}
}

// SIPTables are the SIP and media tables.
func SIPTables() []provisioning.TableDef {
	return []provisioning.TableDef{{
		Name: TableProxySet, MaxRows: 15,
		Columns: []provisioning.Column{
			{Name: "IpAddress", Kind: provisioning.KindHostPort},
			transportColumn(), // transport_params.go
		},
	}, {
		Name: TableCodersGroup0, MaxRows: 10,
		Columns: []provisioning.Column{
			{Name: "Name", Kind: provisioning.KindString, MaxLen: 32, Default: "g711Ulaw64k", Check: checkCoder},
			{Name: "pTime", Kind: provisioning.KindInt, Min: 10, Max: 60, Default: "20"},
			// rate and PayloadType are the vendor's columns, read and
			// ignored: our coders have one rate and their static payload
			// types (255 = the default).
			{Name: "rate", Kind: provisioning.KindInt, Min: 0, Max: 255, Default: "0"},
			{Name: "PayloadType", Kind: provisioning.KindInt, Min: 0, Max: 255, Default: "255"},
			{Name: "Sce", Kind: provisioning.KindEnum, Default: "0",
				Enum: []provisioning.EnumValue{{Value: SceDisabled, Name: "disabled"}, {Value: SceEnabled, Name: "enabled"}, {Value: SceNoAdaptation, Name: "enabled without adaptation"}}},
		},
	}}
}

// SIPConfig builds the user agent's configuration from a validated
// configuration; remote reset comes from EnableSIPRemoteReset and is
// trusted from the proxy's address only.
func SIPConfig(c provisioning.Config, userAgent string) (sip.Config, error) {
	bind := c.String(ParamSIPBindAddress)
	sc := sip.Config{
		ListenAddr:        netip.AddrPortFrom(netip.MustParseAddr(orDefault(bind, "127.0.0.1")), uint16(c.Int(ParamLocalSIPPort))).String(),
		UserAgent:         userAgent,
		Proxy:             c.String(ParamProxyIP),
		PacketTime:        20 * time.Millisecond,
		EnableRemoteReset: c.Bool(provisioning.ParamEnableSIPRemoteReset),
		EnableMWI:         c.Bool(ParamEnableMWI),
		PrackMode:         sip.PrackMode(c.Int(ParamPrackMode)),
		MinSE:             time.Duration(c.Int(ParamMinSE)) * time.Second,
		SessionExpires:    time.Duration(c.Int(ParamSIPSessionExpires)) * time.Second,
		// UPDATE refreshes without an offer/answer exchange.
		SessionRefreshByUpdate: c.Int(ParamSessionExpiresMethod) == 1,
		DSCP:                   controlDSCP(c),
	}
	if err := applyMediaSecurity(c, &sc); err != nil {
		return sip.Config{}, err
	}
	if c.Int(ParamDTMFTransportType) == DTMFRFC2833 {
		sc.DTMFPayloadType = uint8(c.Int(ParamRFC2833PayloadType))
	}
	rows := c.Table(TableCodersGroup0)
	for i, r := range rows {
		f, ok := coderFormats[strings.ToLower(r.String("Name"))]
		if !ok {
			return sip.Config{}, fmt.Errorf("%s row %d: %w", TableCodersGroup0, r.Index, checkCoder(r.String("Name")))
		}
		if f.Name == "G729" {
			f.Params = "annexb=no"
			if r.Int("Sce") != SceDisabled {
				f.Params = "annexb=yes"
			}
		}
		sc.Codecs = append(sc.Codecs, f)
		if i == 0 {
			sc.PacketTime = time.Duration(r.Int("pTime")) * time.Millisecond
		}
	}
	if len(sc.Codecs) == 0 {
		sc.Codecs = []sdp.Format{coderFormats["g711ulaw64k"], coderFormats["g711alaw64k"]}
	}
	// The proxy set: ProxyIP first, then the ProxySet table in index order.
	if sc.Proxy != "" {
		sc.Proxies = append(sc.Proxies, sc.Proxy)
	}
	for _, r := range c.Table(TableProxySet) {
		if a := r.String("IpAddress"); a != "" {
			sc.Proxies = append(sc.Proxies, withTransport(a, r.Int(ProxySetTransportColumn), c.Int(ParamSIPTransportType)))
		}
	}
	if c.Int(ParamEnableProxyKeepAlive) == 1 {
		sc.KeepAlive = time.Duration(c.Int(ParamProxyKeepAliveTime)) * time.Second
	}
	// Remote control (check-sync) and message waiting are trusted from the
	// proxies and the registrar only.
	for _, hp := range append(append([]string(nil), sc.Proxies...), c.String(ParamRegistrarIP)) {
		hp, _, _ = strings.Cut(hp, ";")
		host, _, _ := strings.Cut(hp, ":")
		if a, err := netip.ParseAddr(host); err == nil {
			sc.TrustedHosts = append(sc.TrustedHosts, a)
		}
	}
	return sc, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
