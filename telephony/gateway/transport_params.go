package gateway

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sas"
)

// SIP transport parameters, as the device names them. The user agent
// always listens on UDP (LocalSIPPort); it listens on TCP
// (TCPLocalSIPPort) and TLS (TLSLocalSIPPort) when SIPTransportType, the
// registrar's or a proxy's transport asks for them, so the default stays
// UDP alone. All need a restart: the sockets are bound at start.
const (
	ParamSIPTransportType      = "SIPTransportType"
	ParamTCPLocalSIPPort       = "TCPLocalSIPPort"
	ParamTLSLocalSIPPort       = "TLSLocalSIPPort"
	ParamEnableSIPS            = "EnableSIPS"
	ParamSIPSRequireClientCert = "SIPSRequireClientCertificate"
	ParamPeerHostNameVerify    = "PeerHostNameVerificationMode"
	// ParamRegistrarTransportType is the registrar's transport (-1 = the
	// SIPTransportType).
	ParamRegistrarTransportType = "RegistrarTransportType"
	// ParamUsePingPongKeepAlive turns on the CRLF keep-alive of RFC 5626
	// on TCP and TLS flows, every PingPongKeepAliveTime seconds.
	ParamUsePingPongKeepAlive  = "UsePingPongKeepAlive"
	ParamPingPongKeepAliveTime = "PingPongKeepAliveTime"
	// ParamSASLocalSIPTCPPort and ParamSASLocalSIPTLSPort are SAS's TCP
	// and TLS ports (0 = SAS on UDP alone, our default).
	ParamSASLocalSIPTCPPort = "SASLocalSIPTCPPort"
	ParamSASLocalSIPTLSPort = "SASLocalSIPTLSPort"
	// ProxySetTransportColumn is the ProxySet table's per-proxy transport
	// (the vendor's ProxyIp_TransportType; -1 = SIPTransportType).
	ProxySetTransportColumn = "TransportType"
)

// Transport types (SIPTransportType, RegistrarTransportType and the
// ProxySet TransportType column).
const (
	TransportNotSet = -1
	TransportUDP    = 0
	TransportTCP    = 1
	TransportTLS    = 2
)

var transportEnum = []provisioning.EnumValue{{Value: TransportUDP, Name: "UDP"}, {Value: TransportTCP, Name: "TCP"}, {Value: TransportTLS, Name: "TLS"}}

// TransportParams are the SIP transport parameters.
func TransportParams() []provisioning.Param {
	return []provisioning.Param{
		{Name: ParamSIPTransportType, Kind: provisioning.KindEnum, Default: "0", Enum: transportEnum, RestartRequired: true,
			Description: "transport of the SIP requests the gateway starts (TLS needs the TLS certificate files)"},
		{Name: ParamTCPLocalSIPPort, Kind: provisioning.KindInt, Min: 1, Max: 65535, Default: "5060", RestartRequired: true,
			Description: "TCP port of the SIP user agent (listened on when a transport is TCP)"},
		{Name: ParamTLSLocalSIPPort, Kind: provisioning.KindInt, Min: 1, Max: 65535, Default: "5061", RestartRequired: true,
			Description: "TLS port of the SIP user agent (listened on when a transport is TLS)"},
		{Name: ParamEnableSIPS, Kind: provisioning.KindBool, Default: "0", RestartRequired: true,
			Description: "sips: URIs in the requests and Contact sent over TLS"},
		{Name: ParamSIPSRequireClientCert, Kind: provisioning.KindBool, Default: "0", RestartRequired: true,
			Description: "mutual TLS: refuse TLS clients without a certificate from the trusted roots"},
		// The device's default is 0; ours checks the server's name, so a
		// certificate for another host is refused unless asked otherwise.
		{Name: ParamPeerHostNameVerify, Kind: provisioning.KindEnum, Default: "1", RestartRequired: true,
			Enum:        []provisioning.EnumValue{{Value: 0, Name: "disable (chain only)"}, {Value: 1, Name: "server only"}, {Value: 2, Name: "server and client"}},
			Description: "whether a TLS peer's certificate must name its address (the chain is always verified)"},
		{Name: ParamRegistrarTransportType, Kind: provisioning.KindEnum, Default: "-1", RestartRequired: true,
			Enum:        append([]provisioning.EnumValue{{Value: TransportNotSet, Name: "SIPTransportType"}}, transportEnum...),
			Description: "transport to the registrar"},
		{Name: ParamSASLocalSIPTCPPort, Kind: provisioning.KindInt, Min: 0, Max: 65535, Default: "0", RestartRequired: true,
			Description: "TCP port of the SAS registrar/proxy (0 = none)"},
		{Name: ParamSASLocalSIPTLSPort, Kind: provisioning.KindInt, Min: 0, Max: 65535, Default: "0", RestartRequired: true,
			Description: "TLS port of the SAS registrar/proxy (0 = none; needs the TLS certificate files)"},
		{Name: ParamUsePingPongKeepAlive, Kind: provisioning.KindBool, Default: "0", RestartRequired: true,
			Description: "CRLF keep-alive (RFC 5626) on TCP and TLS connections to the proxies and the registrar"},
		{Name: ParamPingPongKeepAliveTime, Kind: provisioning.KindInt, Min: 5, Max: 2000000, Default: "120", RestartRequired: true,
			Description: "seconds between CRLF keep-alive pings"},
	}
}

// transportColumn is the ProxySet table's transport column.
func transportColumn() provisioning.Column {
	return provisioning.Column{Name: ProxySetTransportColumn, Kind: provisioning.KindEnum, Default: "-1",
		Enum: append([]provisioning.EnumValue{{Value: TransportNotSet, Name: "SIPTransportType"}}, transportEnum...)}
}

// withTransport appends a transport parameter to "host:port" when the
// transport t is set and is not the default d.
func withTransport(hp string, t, d int64) string {
	if hp == "" || t == TransportNotSet || t == d {
		return hp
	}
	return hp + ";transport=" + []string{"udp", "tcp", "tls"}[t]
}

// registrarTarget is RegistrarIP with its transport.
func registrarTarget(c provisioning.Config) string {
	return withTransport(c.String(ParamRegistrarIP), c.Int(ParamRegistrarTransportType), c.Int(ParamSIPTransportType))
}

// ErrNoTLSCertificate is TLS asked for without certificate material.
var ErrNoTLSCertificate = errors.New("gateway: TLS asked for but no TLS certificate configured (TLSCertFileUrl, TLSPkeyFileUrl)")

// TLSMaterial is what SIP over TLS is built on: the roots a peer's
// certificate must chain to (TLSRootFileUrl; nil = the system's) and our
// certificate (TLSCertFileUrl and TLSPkeyFileUrl). GetCertificate is asked
// on each new connection, so a certificate store refreshed by Automatic
// Update takes effect for the next connection while calls on the open
// ones go on.
type TLSMaterial struct {
	Roots          *x509.CertPool
	GetCertificate func() (*tls.Certificate, error)
}

// LoadTLSFiles reads PEM files: a root bundle (empty path: the system's
// roots) and our certificate chain and key.
func LoadTLSFiles(rootFile, certFile, keyFile string) (TLSMaterial, error) {
	var m TLSMaterial
	if rootFile != "" {
		b, err := os.ReadFile(rootFile)
		if err != nil {
			return m, fmt.Errorf("gateway: TLS roots: %w", err)
		}
		m.Roots = x509.NewCertPool()
		if !m.Roots.AppendCertsFromPEM(b) {
			return m, fmt.Errorf("gateway: TLS roots %s: no PEM certificate in it", rootFile)
		}
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return m, fmt.Errorf("gateway: TLS certificate: %w", err)
	}
	m.GetCertificate = func() (*tls.Certificate, error) { return &cert, nil }
	return m, nil
}

// transportConfig fills the transport fields of the user agent's
// configuration; TLS material is needed only when a transport is TLS.
func transportConfig(c provisioning.Config, sc *sip.Config, m TLSMaterial) error {
	def := c.Int(ParamSIPTransportType)
	sc.Transport = sip.Transport(def)
	sc.EnableSIPS = c.Bool(ParamEnableSIPS)
	if c.Bool(ParamUsePingPongKeepAlive) {
		sc.CRLFKeepAlive = time.Duration(c.Int(ParamPingPongKeepAliveTime)) * time.Second
	}
	// Listen on what a target uses: the default, the registrar's, a proxy's.
	used := map[sip.Transport]bool{sc.Transport: true}
	targets := append([]string{registrarTarget(c)}, sc.Proxies...)
	for _, t := range targets {
		if t == "" {
			continue
		}
		tg, err := sip.ParseTarget(t, sc.Transport)
		if err != nil {
			continue // a host name: the default transport
		}
		used[tg.Transport] = true
	}
	bind, _ := netip.ParseAddrPort(sc.ListenAddr)
	if used[sip.TransportTCP] {
		sc.TCPListenAddr = netip.AddrPortFrom(bind.Addr(), uint16(c.Int(ParamTCPLocalSIPPort))).String()
	}
	if used[sip.TransportTLS] {
		sc.TLSListenAddr = netip.AddrPortFrom(bind.Addr(), uint16(c.Int(ParamTLSLocalSIPPort))).String()
		if sc.TLSServer == nil || sc.TLSClient == nil {
			if m.GetCertificate == nil {
				return ErrNoTLSCertificate
			}
			s := sip.TLSSettings{
				Roots:                    m.Roots,
				GetCertificate:           m.GetCertificate,
				RequireClientCertificate: c.Bool(ParamSIPSRequireClientCert),
				PeerName:                 sip.PeerNameCheck(c.Int(ParamPeerHostNameVerify)),
			}
			sc.TLSServer, sc.TLSClient = s.Server(), s.Client()
			sc.TLSVerifyClientHost = s.PeerName == sip.PeerNameBoth && s.RequireClientCertificate
		}
	}
	return nil
}

// sasTransportConfig adds SAS's TCP and TLS ports, and its TLS from the
// same material and policy as the user agent's.
func sasTransportConfig(c provisioning.Config, sc *sas.Config, m TLSMaterial) error {
	sc.SASLocalSIPTCPPort = int(c.Int(ParamSASLocalSIPTCPPort))
	sc.SASLocalSIPTLSPort = int(c.Int(ParamSASLocalSIPTLSPort))
	needTLS := sc.SASLocalSIPTLSPort != 0
	for _, p := range sc.SASProxySet {
		needTLS = needTLS || strings.Contains(strings.ToLower(p), "transport=tls")
	}
	if !needTLS || sc.TLSServer != nil && sc.TLSClient != nil {
		return nil
	}
	if m.GetCertificate == nil {
		return fmt.Errorf("SAS: %w", ErrNoTLSCertificate)
	}
	s := sip.TLSSettings{
		Roots:                    m.Roots,
		GetCertificate:           m.GetCertificate,
		RequireClientCertificate: c.Bool(ParamSIPSRequireClientCert),
		PeerName:                 sip.PeerNameCheck(c.Int(ParamPeerHostNameVerify)),
	}
	sc.TLSServer, sc.TLSClient = s.Server(), s.Client()
	return nil
}

// SIPListening is the address the user agent listens on for t (false: it
// does not listen on t).
func (g *Gateway) SIPListening(t sip.Transport) (netip.AddrPort, bool) { return g.ua.Listening(t) }
