package snmp

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/gosnmp/gosnmp"
)

// Config mirrors the device's SNMP parameters. The zero value is a valid
// configuration: every zero field means the documented default.
type Config struct {
	// DisableSNMP turns the agent off (Serve returns ErrDisabled at once).
	DisableSNMP bool
	// BindAddress is the local address to listen on when no PacketConn is
	// injected; default "127.0.0.1" (loopback only).
	BindAddress string
	// SNMPPort is the UDP port; default 161.
	SNMPPort int
	// SNMPReadOnlyCommunityString is the v2c read community; default "public".
	SNMPReadOnlyCommunityString string
	// SNMPReadWriteCommunityString is the v2c write community; default "private".
	SNMPReadWriteCommunityString string
	// SNMPTrapCommunityString is the community of v2c traps; default "trapuser".
	SNMPTrapCommunityString string
	// SNMPTrustedMgr lists the managers allowed to query the agent
	// (SNMPTrustedMgr_x): IP addresses or prefixes ("10.0.0.0/8"). Empty
	// means any manager. Others are ignored silently.
	SNMPTrustedMgr []string
	// SNMPUsers are the SNMPv3 USM users.
	SNMPUsers []User
	// SNMPManagers are the trap destinations (SNMPManagerTableIP_x,
	// SNMPManagerTrapPort_x, SNMPManagerTrapUser_x).
	SNMPManagers []Manager
	// EngineID is the snmpEngineID in hex ("80 01 86 9f 04 ..." or
	// "0x8001869f04..."); empty means generated once and kept in StateFile.
	EngineID string
	// StateFile keeps the engine ID and snmpEngineBoots across restarts.
	// Empty means in memory only (boots is always 1).
	StateFile string
	// MaxMessageSize is the largest datagram accepted and sent,
	// 484..65507; default 1472.
	MaxMessageSize int
	// KeepAliveInterval sends a pgKeepAlive trap periodically; 0 = off.
	KeepAliveInterval time.Duration
	// DisableAuthenticationTraps stops authenticationFailure traps.
	DisableAuthenticationTraps bool
	// SysContact, SysName and SysLocation are the initial MIB-II values;
	// managers may change them (kept in memory, reported through
	// SystemSetter when the device implements it).
	SysContact  string
	SysName     string
	SysLocation string
}

// User is an SNMPv3 USM user. The zero protocols mean SHA-1 and AES-128,
// so a user given only passphrases gets authPriv. Weaker levels need
// AuthNone or PrivNone spelt out.
type User struct {
	Name    string
	Auth    AuthProtocol
	AuthKey string // passphrase, at least 8 characters
	Priv    PrivProtocol
	PrivKey string // passphrase, at least 8 characters
	Access  Access
}

// Manager is a trap destination. TrapUser selects SNMPv3 traps sent as
// that user (one of Config.SNMPUsers); empty means v2c traps with the trap
// community.
type Manager struct {
	IP       string
	TrapPort int // default 162
	TrapUser string
}

// AuthProtocol is a USM authentication protocol.
type AuthProtocol int

// Authentication protocols. The zero value is SHA-1 (HMAC-SHA-96).
const (
	AuthSHA    AuthProtocol = iota // HMAC-SHA-96 (RFC 3414)
	AuthSHA256                     // HMAC-SHA-256-192 (RFC 7860)
	AuthMD5                        // HMAC-MD5-96, only when configured
	AuthNone                       // noAuthNoPriv, only when configured
)

func (p AuthProtocol) String() string {
	switch p {
	case AuthSHA:
		return "SHA"
	case AuthSHA256:
		return "SHA-256"
	case AuthMD5:
		return "MD5"
	case AuthNone:
		return "none"
	}
	return fmt.Sprintf("AuthProtocol(%d)", int(p))
}

// ParseAuthProtocol parses "SHA", "SHA-256" (or "SHA256"), "MD5" or "none".
func ParseAuthProtocol(s string) (AuthProtocol, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "SHA", "SHA1", "SHA-1", "":
		return AuthSHA, nil
	case "SHA256", "SHA-256":
		return AuthSHA256, nil
	case "MD5":
		return AuthMD5, nil
	case "NONE":
		return AuthNone, nil
	}
	return 0, fmt.Errorf("%w: unknown auth protocol %q", ErrInvalidConfig, s)
}

func (p AuthProtocol) gosnmp() gosnmp.SnmpV3AuthProtocol {
	switch p {
	case AuthSHA256:
		return gosnmp.SHA256
	case AuthMD5:
		return gosnmp.MD5
	case AuthNone:
		return gosnmp.NoAuth
	}
	return gosnmp.SHA
}

// macLen is the length of the truncated HMAC in msgAuthenticationParameters.
func (p AuthProtocol) macLen() int {
	switch p {
	case AuthSHA256:
		return 24
	case AuthNone:
		return 0
	}
	return 12
}

// PrivProtocol is a USM privacy protocol.
type PrivProtocol int

// Privacy protocols. The zero value is AES-128 (CFB, RFC 3826).
const (
	PrivAES  PrivProtocol = iota // AES-128
	PrivDES                      // CBC-DES, only when configured
	PrivNone                     // no privacy, only when configured
)

func (p PrivProtocol) String() string {
	switch p {
	case PrivAES:
		return "AES"
	case PrivDES:
		return "DES"
	case PrivNone:
		return "none"
	}
	return fmt.Sprintf("PrivProtocol(%d)", int(p))
}

// ParsePrivProtocol parses "AES" (or "AES128"), "DES" or "none".
func ParsePrivProtocol(s string) (PrivProtocol, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "AES", "AES128", "AES-128", "":
		return PrivAES, nil
	case "DES":
		return PrivDES, nil
	case "NONE":
		return PrivNone, nil
	}
	return 0, fmt.Errorf("%w: unknown privacy protocol %q", ErrInvalidConfig, s)
}

func (p PrivProtocol) gosnmp() gosnmp.SnmpV3PrivProtocol {
	switch p {
	case PrivDES:
		return gosnmp.DES
	case PrivNone:
		return gosnmp.NoPriv
	}
	return gosnmp.AES
}

// Access is what a v3 user may do.
type Access int

// Access levels. The zero value is read-only.
const (
	AccessReadOnly Access = iota
	AccessReadWrite
)

func (a Access) String() string {
	if a == AccessReadWrite {
		return "read-write"
	}
	return "read-only"
}

// Errors callers can test with errors.Is.
var (
	// ErrInvalidConfig wraps every configuration error from New.
	ErrInvalidConfig = errors.New("snmp: invalid configuration")
	// ErrDisabled is returned by Serve when Config.DisableSNMP is set.
	ErrDisabled = errors.New("snmp: agent disabled")
	// ErrClosed is returned by Serve after Close.
	ErrClosed = errors.New("snmp: agent closed")
)

const (
	defaultPort         = 161
	defaultTrapPort     = 162
	defaultMaxMsgSize   = 1472
	minMaxMsgSize       = 484
	maxMaxMsgSize       = 65507
	defaultBindAddress  = "127.0.0.1"
	defaultROCommunity  = "public"
	defaultRWCommunity  = "private"
	defaultTrapCommunty = "trapuser"
)

// withDefaults returns c with the zero fields replaced by defaults.
func (c Config) withDefaults() Config {
	if c.BindAddress == "" {
		c.BindAddress = defaultBindAddress
	}
	if c.SNMPPort == 0 {
		c.SNMPPort = defaultPort
	}
	if c.SNMPReadOnlyCommunityString == "" {
		c.SNMPReadOnlyCommunityString = defaultROCommunity
	}
	if c.SNMPReadWriteCommunityString == "" {
		c.SNMPReadWriteCommunityString = defaultRWCommunity
	}
	if c.SNMPTrapCommunityString == "" {
		c.SNMPTrapCommunityString = defaultTrapCommunty
	}
	if c.MaxMessageSize == 0 {
		c.MaxMessageSize = defaultMaxMsgSize
	}
	return c
}

// parseTrusted parses SNMPTrustedMgr entries into prefixes.
func parseTrusted(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" || s == "0.0.0.0" {
			continue // an empty SNMPTrustedMgr_x slot
		}
		if strings.Contains(s, "/") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("%w: SNMPTrustedMgr %q: %v", ErrInvalidConfig, s, err)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%w: SNMPTrustedMgr %q: %v", ErrInvalidConfig, s, err)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
