package sas

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Mode is SASSurvivabilityMode, with the vendor's numbering.
type Mode int

const (
	// ModeStandard (0): outbound mode. In normal state REGISTERs and calls
	// are relayed to the proxy set; in emergency state SAS is the registrar
	// and router itself.
	ModeStandard Mode = 0
	// ModeAlwaysEmergency (1): no keep-alive; SAS always acts as the local
	// registrar and router, as if the proxy set were down.
	ModeAlwaysEmergency Mode = 1
	// ModeIgnoreRegister (2): like ModeStandard, but in normal state
	// REGISTERs are ignored (neither relayed nor answered), for phones that
	// register to the proxy directly and to SAS as a backup.
	ModeIgnoreRegister Mode = 2
	// ModeAutoAnswerRegister (3): like ModeStandard, but in normal state
	// SAS answers REGISTERs itself (200 OK, binding recorded) instead of
	// relaying them.
	ModeAutoAnswerRegister Mode = 3
)

// String returns the mode's name.
func (m Mode) String() string {
	switch m {
	case ModeStandard:
		return "standard"
	case ModeAlwaysEmergency:
		return "always-emergency"
	case ModeIgnoreRegister:
		return "ignore-register"
	case ModeAutoAnswerRegister:
		return "auto-answer-register"
	}
	return "mode(" + strconv.Itoa(int(m)) + ")"
}

// Defaults applied for zero values.
const (
	DefaultPort              = 5080
	DefaultRegistrationTime  = 3600 * time.Second
	DefaultKeepAliveInterval = 30 * time.Second
	DefaultKeepAliveFailures = 3
	DefaultRealm             = "potsgate"
	DefaultMaxMessageSize    = 4096
	DefaultMaxBindings       = 10000
	// DefaultGatewayPort is used when SASDefaultGatewayIP has no port.
	DefaultGatewayPort = 5060
)

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("sas: invalid config")

// Config holds the SAS parameters. The zero value means SAS is off; every
// other zero field means its default.
type Config struct {
	// EnableSAS turns the service on.
	EnableSAS bool
	// SASLocalSIPUDPPort is the UDP port ListenAndServe binds (0 =
	// DefaultPort).
	SASLocalSIPUDPPort int
	// SASProxySet lists the upstream proxies (host:port, port 5060 when
	// absent), tried in order. Empty means SAS works alone: always the local
	// registrar and router.
	SASProxySet []string
	// SASRegistrationTime is the longest registration SAS grants when it is
	// the registrar (0 = DefaultRegistrationTime).
	SASRegistrationTime time.Duration
	// SASSurvivabilityMode selects the behaviour; see [Mode].
	SASSurvivabilityMode Mode
	// SASEmergencyNumbers are always routed to the gateway (its analog
	// lines), in normal and in emergency state.
	SASEmergencyNumbers []string
	// SASDefaultGatewayIP is the gateway UA's SIP address (host or
	// host:port). Calls SAS routes itself to a number that has no binding,
	// and emergency numbers, go there. Empty: such calls get 404.
	SASDefaultGatewayIP string
	// SASRedundant selects redundant mode: phones register to the proxy
	// and to SAS, and send to SAS only when the proxy fails. SAS then
	// answers every REGISTER itself and routes calls from its bindings
	// first, relaying to the proxy only numbers it does not know while the
	// proxy answers keep-alives.
	SASRedundant bool

	// KeepAliveInterval is the period of OPTIONS probes to the proxy (0 =
	// DefaultKeepAliveInterval).
	KeepAliveInterval time.Duration
	// KeepAliveTimeout is how long a probe waits for an answer (0 = the
	// interval, at most 5 s).
	KeepAliveTimeout time.Duration
	// KeepAliveFailures is how many failed probes in a row enter
	// emergency state (0 = DefaultKeepAliveFailures).
	KeepAliveFailures int

	// Users, when not empty, turns on digest authentication of
	// registrations (401) and calls (407) SAS handles itself, for the From
	// users it names: name -> password.
	Users map[string]string
	// Realm of the digest challenge (0 = DefaultRealm).
	Realm string
	// MaxMessageSize refuses larger requests with 513 (0 =
	// DefaultMaxMessageSize).
	MaxMessageSize int
	// MaxBindings caps the binding table; REGISTERs beyond it get 503
	// (0 = DefaultMaxBindings).
	MaxBindings int
	// DSCP, when not 0, is the DiffServ code point of the packets of the
	// socket ListenAndServe binds (media/diffserv).
	DSCP int

	// SASLocalSIPTCPPort and SASLocalSIPTLSPort, when not 0, are the TCP
	// and TLS ports ListenAndServe also binds, on the UDP address's host.
	// TLS needs TLSServer (our certificate, client verification) and
	// TLSClient (verification of the hops SAS dials). Phones that register
	// over TCP or TLS are reached back over the connection they registered
	// on; proxies in SASProxySet may say ";transport=tcp" or ";transport=tls".
	SASLocalSIPTCPPort int
	SASLocalSIPTLSPort int
	TLSServer          *tls.Config
	TLSClient          *tls.Config
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
	if c.KeepAliveTimeout == 0 {
		c.KeepAliveTimeout = min(c.KeepAliveInterval, 5*time.Second)
	}
	if c.KeepAliveFailures == 0 {
		c.KeepAliveFailures = DefaultKeepAliveFailures
	}
	if c.Realm == "" {
		c.Realm = DefaultRealm
	}
	if c.MaxMessageSize == 0 {
		c.MaxMessageSize = DefaultMaxMessageSize
	}
	if c.MaxBindings == 0 {
		c.MaxBindings = DefaultMaxBindings
	}
	return c
}

// standalone reports whether SAS never relays: no proxy set, or
// ModeAlwaysEmergency.
func (c Config) standalone() bool {
	return len(c.SASProxySet) == 0 || c.SASSurvivabilityMode == ModeAlwaysEmergency
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	if !c.EnableSAS {
		return nil
	}
	if c.SASLocalSIPUDPPort < 0 || c.SASLocalSIPUDPPort > 65535 {
		return fmt.Errorf("%w: SASLocalSIPUDPPort %d out of range", ErrConfig, c.SASLocalSIPUDPPort)
	}
	if c.SASSurvivabilityMode < ModeStandard || c.SASSurvivabilityMode > ModeAutoAnswerRegister {
		return fmt.Errorf("%w: SASSurvivabilityMode %d unknown", ErrConfig, int(c.SASSurvivabilityMode))
	}
	if c.SASRegistrationTime < 0 || c.KeepAliveInterval < 0 || c.KeepAliveTimeout < 0 || c.KeepAliveFailures < 0 {
		return fmt.Errorf("%w: negative time or threshold", ErrConfig)
	}
	if c.MaxMessageSize < 0 || c.MaxBindings < 0 {
		return fmt.Errorf("%w: negative limit", ErrConfig)
	}
	for _, p := range c.SASProxySet {
		hp, tr, err := splitTransport(p)
		if err != nil {
			return fmt.Errorf("%w: SASProxySet entry %q: %v", ErrConfig, p, err)
		}
		if tr == "TLS" && c.TLSClient == nil {
			return fmt.Errorf("%w: SASProxySet entry %q: TLS without TLSClient", ErrConfig, p)
		}
		if _, _, err := splitHostPort(hp, 5060); err != nil {
			return fmt.Errorf("%w: SASProxySet entry %q: %v", ErrConfig, p, err)
		}
	}
	for _, p := range []int{c.SASLocalSIPTCPPort, c.SASLocalSIPTLSPort} {
		if p < 0 || p > 65535 {
			return fmt.Errorf("%w: SAS TCP/TLS port %d out of range", ErrConfig, p)
		}
	}
	if c.SASLocalSIPTLSPort != 0 && (c.TLSServer == nil || c.TLSClient == nil) {
		return fmt.Errorf("%w: SASLocalSIPTLSPort needs TLSServer and TLSClient", ErrConfig)
	}
	if c.SASDefaultGatewayIP != "" {
		if _, _, err := splitHostPort(c.SASDefaultGatewayIP, DefaultGatewayPort); err != nil {
			return fmt.Errorf("%w: SASDefaultGatewayIP %q: %v", ErrConfig, c.SASDefaultGatewayIP, err)
		}
	}
	return nil
}

// splitHostPort accepts "host" or "host:port".
func splitHostPort(s string, defPort int) (string, int, error) {
	if s == "" {
		return "", 0, errors.New("empty address")
	}
	host, ps, err := net.SplitHostPort(s)
	if err != nil {
		// no port
		if ip := net.ParseIP(s); ip != nil || !containsColon(s) {
			return s, defPort, nil
		}
		return "", 0, err
	}
	p, err := strconv.Atoi(ps)
	if err != nil || p <= 0 || p > 65535 {
		return "", 0, fmt.Errorf("bad port %q", ps)
	}
	if host == "" {
		return "", 0, errors.New("empty host")
	}
	return host, p, nil
}

func containsColon(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return true
		}
	}
	return false
}

// splitTransport splits "host:port;transport=tls" into the address and
// the transport ("UDP", "TCP" or "TLS"; UDP when absent).
func splitTransport(s string) (string, string, error) {
	hp, params, _ := strings.Cut(s, ";")
	tr := "UDP"
	for p := range strings.SplitSeq(params, ";") {
		k, v, _ := strings.Cut(p, "=")
		if !strings.EqualFold(strings.TrimSpace(k), "transport") {
			continue
		}
		switch strings.ToUpper(strings.TrimSpace(v)) {
		case "UDP":
		case "TCP":
			tr = "TCP"
		case "TLS":
			tr = "TLS"
		default:
			return "", "", fmt.Errorf("transport %q: want udp, tcp or tls", v)
		}
	}
	return strings.TrimSpace(hp), tr, nil
}
