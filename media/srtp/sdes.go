package srtp

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	pionsrtp "github.com/pion/srtp/v3"
)

// ErrSDES is wrapped by every error reading an a=crypto value.
var ErrSDES = errors.New("srtp: bad a=crypto")

// ErrUnusable is wrapped when a well-formed crypto line asks for something
// this implementation cannot do (an unknown suite, a key derivation rate,
// unencrypted SRTP).
var ErrUnusable = errors.New("srtp: crypto line not usable")

// MaxTag is the largest tag RFC 4568 allows (9 digits).
const MaxTag = 999999999

// Suite is an SRTP crypto suite of RFC 4568 section 6.2 and RFC 6188.
type Suite int

const (
	SuiteUnknown Suite = iota
	AES_CM_128_HMAC_SHA1_80
	AES_CM_128_HMAC_SHA1_32
	AES_256_CM_HMAC_SHA1_80
	AES_256_CM_HMAC_SHA1_32
)

var suiteNames = [...]string{
	SuiteUnknown:            "unknown",
	AES_CM_128_HMAC_SHA1_80: "AES_CM_128_HMAC_SHA1_80",
	AES_CM_128_HMAC_SHA1_32: "AES_CM_128_HMAC_SHA1_32",
	AES_256_CM_HMAC_SHA1_80: "AES_256_CM_HMAC_SHA1_80",
	AES_256_CM_HMAC_SHA1_32: "AES_256_CM_HMAC_SHA1_32",
}

// Suites lists the implemented suites, strongest first.
func Suites() []Suite {
	return []Suite{AES_256_CM_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_80, AES_256_CM_HMAC_SHA1_32, AES_CM_128_HMAC_SHA1_32}
}

func (s Suite) String() string {
	if s >= 0 && int(s) < len(suiteNames) {
		return suiteNames[s]
	}
	return "Suite(" + strconv.Itoa(int(s)) + ")"
}

// ParseSuite reads a suite name (case-insensitive); SuiteUnknown and
// false for a name it does not implement.
func ParseSuite(name string) (Suite, bool) {
	for s := AES_CM_128_HMAC_SHA1_80; int(s) < len(suiteNames); s++ {
		if strings.EqualFold(name, suiteNames[s]) {
			return s, true
		}
	}
	return SuiteUnknown, false
}

func (s Suite) profile() pionsrtp.ProtectionProfile {
	switch s {
	case AES_CM_128_HMAC_SHA1_80:
		return pionsrtp.ProtectionProfileAes128CmHmacSha1_80
	case AES_CM_128_HMAC_SHA1_32:
		return pionsrtp.ProtectionProfileAes128CmHmacSha1_32
	case AES_256_CM_HMAC_SHA1_80:
		return pionsrtp.ProtectionProfileAes256CmHmacSha1_80
	case AES_256_CM_HMAC_SHA1_32:
		return pionsrtp.ProtectionProfileAes256CmHmacSha1_32
	}
	return 0
}

// KeyLen is the master key length in bytes (0 for SuiteUnknown).
func (s Suite) KeyLen() int {
	switch s {
	case AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32:
		return 16
	case AES_256_CM_HMAC_SHA1_80, AES_256_CM_HMAC_SHA1_32:
		return 32
	}
	return 0
}

// SaltLen is the master salt length in bytes: 14 for every suite here.
func (s Suite) SaltLen() int {
	if s.KeyLen() == 0 {
		return 0
	}
	return 14
}

// TagLen is the SRTP authentication tag length in bytes (SRTCP always
// carries 10).
func (s Suite) TagLen() int {
	switch s {
	case AES_CM_128_HMAC_SHA1_80, AES_256_CM_HMAC_SHA1_80:
		return 10
	case AES_CM_128_HMAC_SHA1_32, AES_256_CM_HMAC_SHA1_32:
		return 4
	}
	return 0
}

// KeyParam is one inline key parameter: "inline:<key||salt>[|lifetime][|MKI:length]".
type KeyParam struct {
	// Key is the master key followed by the master salt.
	Key []byte
	// Lifetime is the number of packets the key may protect; 0 when not
	// given (the suite's default, 2^48 for SRTP).
	Lifetime uint64
	// LifetimeText is the lifetime as written ("2^31", "1048576"), kept so
	// String gives back what was read.
	LifetimeText string
	// MKI and MKILen are the master key identifier and its length in
	// bytes (1 to 128); MKILen 0 means no MKI.
	MKI    uint64
	MKILen int
}

// Crypto is the value of one a=crypto attribute (RFC 4568 section 9.1).
type Crypto struct {
	Tag int
	// Suite is the parsed suite; SuiteUnknown for one not implemented, whose
	// name is in SuiteName.
	Suite     Suite
	SuiteName string
	Keys      []KeyParam
	// SessionParams are kept as written ("KDR=0", "UNENCRYPTED_SRTP").
	SessionParams []string
}

// ParseCrypto reads an a=crypto value (what follows "a=crypto:").
func ParseCrypto(v string) (Crypto, error) {
	var c Crypto
	f := strings.Fields(v)
	if len(f) < 3 {
		return c, fmt.Errorf("%w: %d fields, want <tag> <crypto-suite> <key-params> [session-params]", ErrSDES, len(f))
	}
	tag, err := strconv.Atoi(f[0])
	if err != nil || tag < 0 || tag > MaxTag || len(f[0]) > 9 {
		return c, fmt.Errorf("%w: tag %q: want 1 to 9 digits", ErrSDES, clip(f[0]))
	}
	c.Tag = tag
	c.SuiteName = f[1]
	c.Suite, _ = ParseSuite(f[1])
	if !validToken(f[1]) {
		return c, fmt.Errorf("%w: crypto-suite %q", ErrSDES, clip(f[1]))
	}
	for i, kp := range strings.Split(f[2], ";") {
		k, err := parseKeyParam(kp, c.Suite)
		if err != nil {
			return c, fmt.Errorf("%w: key-param %d: %w", ErrSDES, i+1, err)
		}
		c.Keys = append(c.Keys, k)
	}
	for _, p := range f[3:] {
		if err := checkSessionParam(p); err != nil {
			return c, fmt.Errorf("%w: session-param %q: %w", ErrSDES, clip(p), err)
		}
		c.SessionParams = append(c.SessionParams, p)
	}
	return c, nil
}

func clip(s string) string {
	if len(s) > 48 {
		return s[:48] + "..."
	}
	return s
}

func validToken(s string) bool {
	for _, r := range s {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

func parseKeyParam(kp string, suite Suite) (KeyParam, error) {
	var k KeyParam
	method, info, ok := strings.Cut(kp, ":")
	if !ok {
		return k, errors.New("no key method: want inline:<key||salt>")
	}
	if !strings.EqualFold(method, "inline") {
		return k, fmt.Errorf("key method %q: only inline is defined for SRTP", clip(method))
	}
	parts := strings.Split(info, "|")
	if len(parts) > 3 {
		return k, errors.New("want key||salt[|lifetime][|MKI:length]")
	}
	key, err := base64.StdEncoding.DecodeString(parts[0])
	if err != nil {
		// Some peers drop the padding.
		key, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(parts[0], "="))
	}
	if err != nil {
		// The key itself stays out of the message: it is a secret.
		return k, fmt.Errorf("key||salt is not base64 (%d characters)", len(parts[0]))
	}
	if want := suite.KeyLen() + suite.SaltLen(); want != 0 && len(key) != want {
		return k, fmt.Errorf("key||salt is %d bytes, %s needs %d", len(key), suite, want)
	}
	if len(key) == 0 {
		return k, errors.New("empty key||salt")
	}
	k.Key = key
	for _, p := range parts[1:] {
		if v, l, isMKI := strings.Cut(p, ":"); isMKI {
			if k.MKILen != 0 {
				return k, errors.New("two MKIs")
			}
			mki, err1 := strconv.ParseUint(v, 10, 64)
			n, err2 := strconv.Atoi(l)
			if err1 != nil || err2 != nil || n < 1 || n > 128 {
				return k, fmt.Errorf("MKI %q: want <value>:<length 1-128>", clip(p))
			}
			if n < 8 && mki >= 1<<(8*n) {
				return k, fmt.Errorf("MKI %d does not fit %d bytes", mki, n)
			}
			k.MKI, k.MKILen = mki, n
			continue
		}
		if k.LifetimeText != "" || k.MKILen != 0 {
			return k, fmt.Errorf("lifetime %q out of place", clip(p))
		}
		lt, err := parseLifetime(p)
		if err != nil {
			return k, err
		}
		k.Lifetime, k.LifetimeText = lt, p
	}
	return k, nil
}

func parseLifetime(p string) (uint64, error) {
	if exp, ok := strings.CutPrefix(p, "2^"); ok {
		n, err := strconv.Atoi(exp)
		if err != nil || n < 0 || n > 63 {
			return 0, fmt.Errorf("lifetime %q: want 2^<0-63> or a number", clip(p))
		}
		return 1 << n, nil
	}
	n, err := strconv.ParseUint(p, 10, 64)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("lifetime %q: want 2^<n> or a positive number", clip(p))
	}
	return n, nil
}

// checkSessionParam checks the syntax of the session parameters of RFC
// 4568 section 6.3; unknown ones are kept (Usable decides).
func checkSessionParam(p string) error {
	name, val, hasVal := strings.Cut(p, "=")
	switch strings.ToUpper(name) {
	case "KDR":
		n, err := strconv.Atoi(val)
		if !hasVal || err != nil || n < 0 || n > 24 {
			return errors.New("want KDR=<0-24>")
		}
	case "WSH":
		n, err := strconv.Atoi(val)
		if !hasVal || err != nil || n < 64 {
			return errors.New("want WSH=<64 or more>")
		}
	case "UNENCRYPTED_SRTP", "UNENCRYPTED_SRTCP", "UNAUTHENTICATED_SRTP":
		if hasVal {
			return errors.New("takes no value")
		}
	case "FEC_ORDER":
		if v := strings.ToUpper(val); v != "FEC_SRTP" && v != "SRTP_FEC" {
			return errors.New("want FEC_ORDER=FEC_SRTP or SRTP_FEC")
		}
	case "":
		return errors.New("empty")
	}
	return nil
}

// Usable reports why the line cannot key a session, or nil: the suite
// must be implemented, with one key (several need MKIs we do not rotate),
// an MKI of at most 4 bytes, no key derivation rate and nothing left
// unencrypted or unauthenticated.
func (c Crypto) Usable() error {
	switch {
	case c.Suite == SuiteUnknown:
		return fmt.Errorf("%w: suite %s not implemented", ErrUnusable, clip(c.SuiteName))
	case len(c.Keys) != 1:
		return fmt.Errorf("%w: %d master keys, one supported", ErrUnusable, len(c.Keys))
	case c.Keys[0].MKILen > 4:
		return fmt.Errorf("%w: MKI of %d bytes, at most 4 supported", ErrUnusable, c.Keys[0].MKILen)
	}
	for _, p := range c.SessionParams {
		name, val, _ := strings.Cut(p, "=")
		switch strings.ToUpper(name) {
		case "KDR":
			if val != "0" {
				return fmt.Errorf("%w: key derivation rate %s not supported", ErrUnusable, val)
			}
		case "WSH", "FEC_ORDER":
		default:
			return fmt.Errorf("%w: session parameter %s not supported", ErrUnusable, clip(name))
		}
	}
	return nil
}

// String writes the attribute value.
func (c Crypto) String() string {
	var b strings.Builder
	name := c.SuiteName
	if c.Suite != SuiteUnknown {
		name = c.Suite.String()
	}
	fmt.Fprintf(&b, "%d %s ", c.Tag, name)
	for i, k := range c.Keys {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString("inline:")
		b.WriteString(base64.StdEncoding.EncodeToString(k.Key))
		if k.LifetimeText != "" {
			b.WriteString("|" + k.LifetimeText)
		} else if k.Lifetime != 0 {
			b.WriteString("|" + strconv.FormatUint(k.Lifetime, 10))
		}
		if k.MKILen != 0 {
			fmt.Fprintf(&b, "|%d:%d", k.MKI, k.MKILen)
		}
	}
	for _, p := range c.SessionParams {
		b.WriteString(" " + p)
	}
	return b.String()
}

// Keying is the first key of a usable line.
func (c Crypto) Keying() Keying {
	if len(c.Keys) == 0 {
		return Keying{}
	}
	k := c.Keys[0]
	ky := Keying{Suite: c.Suite, Key: string(k.Key)}
	if k.MKILen > 0 {
		mki := make([]byte, k.MKILen)
		for i, v := k.MKILen-1, k.MKI; i >= 0; i-- {
			mki[i] = byte(v)
			v >>= 8
		}
		ky.MKI = string(mki)
	}
	return ky
}

// NewKey draws a fresh master key and salt for suite from r (crypto/rand
// in production).
func NewKey(suite Suite, r io.Reader) (KeyParam, error) {
	n := suite.KeyLen() + suite.SaltLen()
	if n == 0 {
		return KeyParam{}, fmt.Errorf("%w: suite %s not implemented", ErrUnusable, suite)
	}
	key := make([]byte, n)
	if _, err := io.ReadFull(r, key); err != nil {
		return KeyParam{}, fmt.Errorf("srtp: drawing a key: %w", err)
	}
	return KeyParam{Key: key}, nil
}
