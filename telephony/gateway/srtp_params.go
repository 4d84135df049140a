package gateway

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/potsgate/potsgate/media/srtp"
	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
)

// Media security (SRTP with SDES keys) parameters. EnableMediaSecurity,
// MediaSecurityBehaviour and SRTPofferedSuites are the device's names
// [6.6]; EnableSDESOverInsecureTransport is ours (the device has no such
// gate): it lets keys travel in SDP over signalling that is not TLS. The
// SIP stack reads them when it starts.
const (
	ParamEnableMediaSecurity             = "EnableMediaSecurity"
	ParamMediaSecurityBehaviour          = "MediaSecurityBehaviour"
	ParamSRTPofferedSuites               = "SRTPofferedSuites"
	ParamEnableSDESOverInsecureTransport = "EnableSDESOverInsecureTransport"
)

// MediaSecurityBehaviour values. The device's 3, "preferable - single
// media" (one m= line, RTP/AVP with a=crypto), is what our preferable does
// anyway: it is taken as 0. Its 2 (disable) belongs to IP profiles.
const (
	MediaSecurityPreferable            = 0
	MediaSecurityMandatory             = 1
	MediaSecurityPreferableSingleMedia = 3
)

// SRTPofferedSuites bits, as the vendor's later manuals give them
// [later]: 0 means every suite. ARIA (4, 8) is not implemented.
var srtpSuiteBits = []struct {
	bit   int64
	suite srtp.Suite
}{
	{2, srtp.AES_CM_128_HMAC_SHA1_80},
	{1, srtp.AES_CM_128_HMAC_SHA1_32},
	{32, srtp.AES_256_CM_HMAC_SHA1_80},
	{16, srtp.AES_256_CM_HMAC_SHA1_32},
}

// SRTPParams are the media security parameters.
func SRTPParams() []provisioning.Param {
	return []provisioning.Param{
		{Name: ParamEnableMediaSecurity, Kind: provisioning.KindBool, Default: "0",
			Description: "SRTP (RFC 3711) with SDES keys in SDP (RFC 4568)"},
		{Name: ParamMediaSecurityBehaviour, Kind: provisioning.KindEnum, Default: "0",
			Enum: []provisioning.EnumValue{{Value: MediaSecurityPreferable, Name: "preferable"}, {Value: MediaSecurityMandatory, Name: "mandatory"},
				{Value: MediaSecurityPreferableSingleMedia, Name: "preferable, single media (as 0)"}},
			Description: "preferable: offer SRTP, take plain RTP from a peer without it; mandatory: refuse a plain offer (488) and end a call answered without SRTP"},
		{Name: ParamSRTPofferedSuites, Kind: provisioning.KindString, Default: "0", MaxLen: 200, Check: checkSRTPSuites,
			Description: "crypto suites offered and accepted: a bitmask (0 all, 1 AES_CM_128_HMAC_SHA1_32, 2 AES_CM_128_HMAC_SHA1_80, 16 AES_256_CM_HMAC_SHA1_32, 32 AES_256_CM_HMAC_SHA1_80) or suite names in order of preference"},
		{Name: ParamEnableSDESOverInsecureTransport, Kind: provisioning.KindBool, Default: "0",
			Description: "put SRTP keys in the SDP of calls whose signalling is not TLS (UDP, TCP): anyone who sees the SIP can decrypt the media"},
	}
}

func checkSRTPSuites(v string) error {
	_, err := parseSRTPSuites(v)
	return err
}

// parseSRTPSuites reads SRTPofferedSuites: a bitmask (0 = all, strongest
// tag first) or names in order of preference.
func parseSRTPSuites(v string) ([]srtp.Suite, error) {
	v = strings.TrimSpace(v)
	if v == "" || v == "0" {
		return nil, nil
	}
	if mask, err := strconv.ParseInt(v, 10, 64); err == nil {
		var out []srtp.Suite
		known := int64(0)
		for _, b := range srtpSuiteBits {
			known |= b.bit
			if mask&b.bit != 0 {
				out = append(out, b.suite)
			}
		}
		if mask < 0 || mask&^(known|4|8) != 0 {
			return nil, fmt.Errorf("bitmask %d: bits 1, 2, 16 and 32 are suites (4 and 8 are ARIA, not implemented)", mask)
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("bitmask %d selects no implemented suite (4 and 8 are ARIA, not implemented)", mask)
		}
		return out, nil
	}
	var out []srtp.Suite
	for _, name := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == ';' || r == '\'' }) {
		s, ok := srtp.ParseSuite(name)
		if !ok {
			return nil, fmt.Errorf("suite %q: want AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32, AES_256_CM_HMAC_SHA1_80 or AES_256_CM_HMAC_SHA1_32", name)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, errors.New("no suite")
	}
	return out, nil
}

// applyMediaSecurity sets the user agent's SRTP policy from the
// parameters.
func applyMediaSecurity(c provisioning.Config, sc *sip.Config) error {
	if !c.Bool(ParamEnableMediaSecurity) {
		return nil
	}
	suites, err := parseSRTPSuites(c.String(ParamSRTPofferedSuites))
	if err != nil {
		return fmt.Errorf("%s: %w", ParamSRTPofferedSuites, err)
	}
	sc.MediaSecurity = sdp.Security{Mode: sdp.SecurityPreferable, Suites: suites}
	if c.Int(ParamMediaSecurityBehaviour) == MediaSecurityMandatory {
		sc.MediaSecurity.Mode = sdp.SecurityMandatory
	}
	sc.SDESOverInsecureTransport = c.Bool(ParamEnableSDESOverInsecureTransport)
	return nil
}
