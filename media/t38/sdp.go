package t38

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// RateManagement is T38FaxRateManagement.
type RateManagement uint8

// Rate management methods.
const (
	RateUnset      RateManagement = iota
	LocalTCF                      // localTCF: each gateway checks training itself
	TransferredTCF                // transferredTCF: the TCF travels end to end
)

func (r RateManagement) String() string {
	switch r {
	case LocalTCF:
		return "localTCF"
	case TransferredTCF:
		return "transferredTCF"
	}
	return ""
}

// ErrorCorrection is T38FaxUdpEC.
type ErrorCorrection uint8

// UDPTL error correction schemes.
const (
	ECNone       ErrorCorrection = iota // no T38FaxUdpEC
	ECRedundancy                        // t38UDPRedundancy
	ECFEC                               // t38UDPFEC
)

func (e ErrorCorrection) String() string {
	switch e {
	case ECRedundancy:
		return "t38UDPRedundancy"
	case ECFEC:
		return "t38UDPFEC"
	}
	return ""
}

// Params are the T.38 attributes of an SDP "m=image ... udptl t38" media
// description (T.38 Annex D, RFC 3362). A zero field was not given.
type Params struct {
	Version         int // T38FaxVersion, 0-3
	MaxBitRate      int // T38MaxBitRate, bit/s
	FillBitRemoval  bool
	TranscodingMMR  bool
	TranscodingJBIG bool
	RateManagement  RateManagement
	MaxBuffer       int // T38FaxMaxBuffer, octets
	MaxDatagram     int // T38FaxMaxDatagram, octets
	UDPEC           ErrorCorrection
}

// ErrAttribute is a T.38 SDP attribute that cannot be used.
var ErrAttribute = errors.New("t38: bad SDP attribute")

// ParseAttribute takes one attribute's value, as after "a=" (say
// "T38FaxVersion:0"), into p. It reports false for attributes that are
// not T.38's, and an error naming what is wrong for a T.38 attribute
// with a bad value. Names are matched without regard to case, as
// endpoints differ.
func (p *Params) ParseAttribute(attr string) (bool, error) {
	name, value, hasValue := strings.Cut(strings.TrimSpace(attr), ":")
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	num := func(lo, hi int) (int, error) {
		n, err := strconv.Atoi(value)
		if !hasValue || err != nil || n < lo || n > hi {
			return 0, fmt.Errorf("%w: %s:%q (want %d to %d)", ErrAttribute, name, value, lo, hi)
		}
		return n, nil
	}
	// The boolean ones are flags; some send ":1" or ":0".
	flag := func() (bool, error) {
		switch {
		case !hasValue || value == "1":
			return true, nil
		case value == "0":
			return false, nil
		}
		return false, fmt.Errorf("%w: %s:%q (a flag)", ErrAttribute, name, value)
	}
	var err error
	switch strings.ToLower(name) {
	case "t38faxversion":
		p.Version, err = num(0, 3)
	case "t38maxbitrate":
		p.MaxBitRate, err = num(1, 33600)
	case "t38faxfillbitremoval":
		p.FillBitRemoval, err = flag()
	case "t38faxtranscodingmmr":
		p.TranscodingMMR, err = flag()
	case "t38faxtranscodingjbig":
		p.TranscodingJBIG, err = flag()
	case "t38faxratemanagement":
		switch strings.ToLower(value) {
		case "localtcf":
			p.RateManagement = LocalTCF
		case "transferredtcf":
			p.RateManagement = TransferredTCF
		default:
			err = fmt.Errorf("%w: T38FaxRateManagement:%q (want localTCF or transferredTCF)", ErrAttribute, value)
		}
	case "t38faxmaxbuffer":
		p.MaxBuffer, err = num(1, 1<<20)
	case "t38faxmaxdatagram":
		p.MaxDatagram, err = num(1, 65535)
	case "t38faxudpec":
		switch strings.ToLower(value) {
		case "t38udpredundancy":
			p.UDPEC = ECRedundancy
		case "t38udpfec":
			p.UDPEC = ECFEC
		case "t38udpnoec":
			p.UDPEC = ECNone
		default:
			err = fmt.Errorf("%w: T38FaxUdpEC:%q (want t38UDPRedundancy or t38UDPFEC)", ErrAttribute, value)
		}
	default:
		return false, nil
	}
	return true, err
}

// ParseAttributes takes the attribute values of a media description
// (each as after "a="); the first bad T.38 attribute is the error.
func ParseAttributes(attrs []string) (Params, error) {
	var p Params
	for _, a := range attrs {
		if _, err := p.ParseAttribute(a); err != nil {
			return p, err
		}
	}
	return p, nil
}

// Attributes returns p as attribute values, in the usual order; fields
// not set are left out (T38FaxVersion always goes).
func (p Params) Attributes() []string {
	a := []string{"T38FaxVersion:" + strconv.Itoa(p.Version)}
	if p.MaxBitRate > 0 {
		a = append(a, "T38MaxBitRate:"+strconv.Itoa(p.MaxBitRate))
	}
	if p.FillBitRemoval {
		a = append(a, "T38FaxFillBitRemoval")
	}
	if p.TranscodingMMR {
		a = append(a, "T38FaxTranscodingMMR")
	}
	if p.TranscodingJBIG {
		a = append(a, "T38FaxTranscodingJBIG")
	}
	if p.RateManagement != RateUnset {
		a = append(a, "T38FaxRateManagement:"+p.RateManagement.String())
	}
	if p.MaxBuffer > 0 {
		a = append(a, "T38FaxMaxBuffer:"+strconv.Itoa(p.MaxBuffer))
	}
	if p.MaxDatagram > 0 {
		a = append(a, "T38FaxMaxDatagram:"+strconv.Itoa(p.MaxDatagram))
	}
	if p.UDPEC != ECNone {
		a = append(a, "T38FaxUdpEC:"+p.UDPEC.String())
	}
	return a
}
