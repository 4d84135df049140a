// Package sdp reads and writes the Session Description Protocol (RFC 4566)
// bodies of the gateway's calls, and negotiates an answer to an offer
// (RFC 3264) for one audio stream.
//
// # Scope
//
// An analog gateway has one audio stream per call, or, for fax, one T.38
// stream (m=image PORT udptl t38 with its T38Fax* attributes: T38Offer,
// NegotiateT38, AnswerT38, AcceptT38). Parse keeps the session
// connection address, every m= line with its formats, rtpmap, fmtp and
// direction, and ptime; it ignores attributes it does not know, as RFC 4566
// asks. Lines that are malformed are errors naming the line.
package sdp

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/potsgate/potsgate/media/srtp"
)

// ErrSyntax is wrapped by every parse error.
var ErrSyntax = errors.New("sdp: syntax error")

// MaxSize bounds what Parse accepts.
const MaxSize = 16 << 10

// Direction is a media stream's direction attribute.
type Direction int

const (
	SendRecv Direction = iota
	SendOnly
	RecvOnly
	Inactive
)

func (d Direction) String() string {
	switch d {
	case SendRecv:
		return "sendrecv"
	case SendOnly:
		return "sendonly"
	case RecvOnly:
		return "recvonly"
	case Inactive:
		return "inactive"
	}
	return "Direction(" + strconv.Itoa(int(d)) + ")"
}

// Reverse is the direction the answerer takes for an offered direction.
func (d Direction) Reverse() Direction {
	switch d {
	case SendOnly:
		return RecvOnly
	case RecvOnly:
		return SendOnly
	}
	return d
}

// Format is one payload format of a media line.
type Format struct {
	PayloadType uint8
	Name        string // encoding name, as in rtpmap ("PCMU")
	ClockRate   int
	Params      string // fmtp value
}

// Media is one m= line.
type Media struct {
	Type       string // "audio"
	Port       int
	Proto      string // "RTP/AVP"
	Formats    []Format
	Direction  Direction
	PacketTime time.Duration // a=ptime, 0 when absent
	// Addr is the media line's c= address, when it has its own.
	Addr netip.Addr
	// Crypto are the SDES a=crypto lines (RFC 4568), in order.
	Crypto []srtp.Crypto
	// Fmt are the format tokens of a line that is not RTP ("t38" of an
	// "m=image PORT udptl t38" line).
	Fmt []string
	// Attributes are the other attributes of a line that is not RTP, as
	// after "a=" (the T38Fax* ones of a T.38 line), in order.
	Attributes []string
}

// Session is a session description.
type Session struct {
	Origin  string // the o= line's value
	Version uint64 // session version from o=
	Name    string
	Addr    netip.Addr // session-level c= address
	Media   []Media
}

// Audio returns the first audio stream with a non-zero port.
func (s *Session) Audio() (*Media, bool) {
	for i := range s.Media {
		if s.Media[i].Type == "audio" && s.Media[i].Port != 0 {
			return &s.Media[i], true
		}
	}
	return nil, false
}

// RemoteAddr is where to send a stream's RTP.
func (s *Session) RemoteAddr(m *Media) netip.AddrPort {
	addr := m.Addr
	if !addr.IsValid() {
		addr = s.Addr
	}
	return netip.AddrPortFrom(addr, uint16(m.Port))
}

// static payload types of RFC 3551 that may appear without an rtpmap.
var static = map[uint8]Format{
	0:  {PayloadType: 0, Name: "PCMU", ClockRate: 8000},
	8:  {PayloadType: 8, Name: "PCMA", ClockRate: 8000},
	18: {PayloadType: 18, Name: "G729", ClockRate: 8000},
}

// Parse reads a session description.
func Parse(b []byte) (*Session, error) {
	if len(b) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrSyntax, len(b), MaxSize)
	}
	s := &Session{}
	var cur *Media
	sawV := false
	for n, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			continue
		}
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%w: line %d %q: %s", ErrSyntax, n+1, truncate(line), fmt.Sprintf(format, args...))
		}
		if len(line) < 2 || line[1] != '=' {
			return nil, bad("want <type>=<value>")
		}
		val := line[2:]
		switch line[0] {
		case 'v':
			if val != "0" {
				return nil, bad("version %q", val)
			}
			sawV = true
		case 'o':
			f := strings.Fields(val)
			if len(f) != 6 {
				return nil, bad("o= needs 6 fields")
			}
			s.Origin = val
			v, err := strconv.ParseUint(f[2], 10, 64)
			if err != nil {
				return nil, bad("session version %q", f[2])
			}
			s.Version = v
		case 's':
			s.Name = val
		case 'c':
			addr, err := parseConnection(val)
			if err != nil {
				return nil, bad("%v", err)
			}
			if cur != nil {
				cur.Addr = addr
			} else {
				s.Addr = addr
			}
		case 'm':
			m, err := parseMedia(val)
			if err != nil {
				return nil, bad("%v", err)
			}
			s.Media = append(s.Media, m)
			cur = &s.Media[len(s.Media)-1]
		case 'a':
			if err := parseAttribute(s, cur, val); err != nil {
				return nil, fmt.Errorf("%w: line %d %q: %w", ErrSyntax, n+1, truncate(line), err)
			}
		}
	}
	if !sawV {
		return nil, fmt.Errorf("%w: no v= line", ErrSyntax)
	}
	return s, nil
}

func truncate(s string) string {
	if strings.HasPrefix(s, "a=crypto:") {
		// Keys are secrets: keep the tag and suite only.
		f := strings.Fields(s)
		return strings.Join(f[:min(len(f), 2)], " ") + " ..."
	}
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

func parseConnection(val string) (netip.Addr, error) {
	f := strings.Fields(val)
	if len(f) != 3 || f[0] != "IN" || (f[1] != "IP4" && f[1] != "IP6") {
		return netip.Addr{}, errors.New("want c=IN IP4|IP6 <address>")
	}
	host, _, _ := strings.Cut(f[2], "/") // multicast TTL
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("address %q", host)
	}
	return addr, nil
}

func parseMedia(val string) (Media, error) {
	f := strings.Fields(val)
	if len(f) < 3 {
		return Media{}, errors.New("m= needs media, port, proto and formats")
	}
	portText, _, _ := strings.Cut(f[1], "/")
	port, err := strconv.Atoi(portText)
	if err != nil || port < 0 || port > 65535 {
		return Media{}, fmt.Errorf("port %q", f[1])
	}
	m := Media{Type: f[0], Port: port, Proto: f[2]}
	if len(f) > 3+128 {
		return Media{}, errors.New("too many formats")
	}
	if !isRTP(m.Proto) {
		m.Fmt = f[3:] // not RTP: keep the line, formats are opaque
		return m, nil
	}
	for _, pt := range f[3:] {
		n, err := strconv.ParseUint(pt, 10, 8)
		if err != nil || n > 127 {
			return Media{}, fmt.Errorf("payload type %q", pt)
		}
		ft, ok := static[uint8(n)]
		if !ok {
			ft = Format{PayloadType: uint8(n)}
		}
		m.Formats = append(m.Formats, ft)
	}
	return m, nil
}

func parseAttribute(s *Session, m *Media, val string) error {
	name, rest, _ := strings.Cut(val, ":")
	switch name {
	case "sendrecv", "sendonly", "recvonly", "inactive":
		if m == nil {
			// A session-level direction applies to media without their own.
			return nil
		}
		m.Direction = map[string]Direction{"sendrecv": SendRecv, "sendonly": SendOnly, "recvonly": RecvOnly, "inactive": Inactive}[name]
	case "ptime":
		if m == nil {
			return nil
		}
		ms, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
		if err != nil || ms <= 0 || ms > 1000 {
			return fmt.Errorf("ptime %q", rest)
		}
		m.PacketTime = time.Duration(ms * float64(time.Millisecond))
	case "crypto":
		if m == nil {
			return errors.New("crypto outside a media section")
		}
		c, err := srtp.ParseCrypto(rest)
		if err != nil {
			return err
		}
		for _, o := range m.Crypto {
			if o.Tag == c.Tag {
				return fmt.Errorf("crypto tag %d twice", c.Tag)
			}
		}
		if len(m.Crypto) >= 32 {
			return errors.New("too many crypto lines")
		}
		m.Crypto = append(m.Crypto, c)
	case "rtpmap", "fmtp":
		if m != nil && !isRTP(m.Proto) {
			return keepAttribute(m, val)
		}
		if m == nil {
			return fmt.Errorf("%s outside a media section", name)
		}
		ptText, spec, ok := strings.Cut(rest, " ")
		if !ok {
			return fmt.Errorf("%s without a value", name)
		}
		pt, err := strconv.ParseUint(ptText, 10, 8)
		if err != nil {
			return fmt.Errorf("%s payload type %q", name, ptText)
		}
		i := formatIndex(m, uint8(pt))
		if i < 0 {
			return nil // for a format not offered: ignore
		}
		if name == "fmtp" {
			m.Formats[i].Params = strings.TrimSpace(spec)
			return nil
		}
		enc, rate, _ := strings.Cut(strings.TrimSpace(spec), "/")
		rateText, _, _ := strings.Cut(rate, "/") // channels
		r, err := strconv.Atoi(rateText)
		if err != nil || r <= 0 {
			return fmt.Errorf("rtpmap clock rate %q", rate)
		}
		m.Formats[i].Name, m.Formats[i].ClockRate = enc, r
	default:
		if m != nil && !isRTP(m.Proto) {
			return keepAttribute(m, val)
		}
	}
	return nil
}

func isRTP(proto string) bool { return strings.HasPrefix(proto, "RTP/") }

// maxAttributes bounds the attributes kept for a line that is not RTP.
const maxAttributes = 64

// keepAttribute keeps an attribute of a line that is not RTP (a T.38
// line's T38Fax* ones).
func keepAttribute(m *Media, val string) error {
	if len(m.Attributes) >= maxAttributes {
		return errors.New("too many attributes")
	}
	m.Attributes = append(m.Attributes, val)
	return nil
}

func formatIndex(m *Media, pt uint8) int {
	for i, f := range m.Formats {
		if f.PayloadType == pt {
			return i
		}
	}
	return -1
}

// Marshal writes the session description with CRLF line ends.
func (s *Session) Marshal() []byte {
	var b strings.Builder
	ipv := func(a netip.Addr) string {
		if a.Is4() || a.Is4In6() {
			return "IP4"
		}
		return "IP6"
	}
	b.WriteString("v=0\r\n")
	origin := s.Origin
	if origin == "" {
		addr := s.Addr
		if !addr.IsValid() {
			addr = netip.IPv4Unspecified()
		}
		origin = fmt.Sprintf("potsgate %d %d IN %s %s", s.Version, s.Version, ipv(addr), addr.Unmap())
	}
	fmt.Fprintf(&b, "o=%s\r\ns=%s\r\n", origin, orDash(s.Name))
	if s.Addr.IsValid() {
		fmt.Fprintf(&b, "c=IN %s %s\r\n", ipv(s.Addr), s.Addr.Unmap())
	}
	b.WriteString("t=0 0\r\n")
	for _, m := range s.Media {
		fmt.Fprintf(&b, "m=%s %d %s", m.Type, m.Port, m.Proto)
		for _, f := range m.Formats {
			fmt.Fprintf(&b, " %d", f.PayloadType)
		}
		for _, f := range m.Fmt {
			b.WriteString(" " + f)
		}
		b.WriteString("\r\n")
		if m.Addr.IsValid() {
			fmt.Fprintf(&b, "c=IN %s %s\r\n", ipv(m.Addr), m.Addr.Unmap())
		}
		for _, f := range m.Formats {
			if f.Name != "" {
				fmt.Fprintf(&b, "a=rtpmap:%d %s/%d\r\n", f.PayloadType, f.Name, f.ClockRate)
			}
			if f.Params != "" {
				fmt.Fprintf(&b, "a=fmtp:%d %s\r\n", f.PayloadType, f.Params)
			}
		}
		if m.PacketTime > 0 {
			fmt.Fprintf(&b, "a=ptime:%d\r\n", m.PacketTime.Milliseconds())
		}
		for _, c := range m.Crypto {
			fmt.Fprintf(&b, "a=crypto:%s\r\n", c)
		}
		for _, a := range m.Attributes {
			fmt.Fprintf(&b, "a=%s\r\n", a)
		}
		if !isRTP(m.Proto) && m.Direction == SendRecv {
			continue // a T.38 line says nothing of direction
		}
		fmt.Fprintf(&b, "a=%s\r\n", m.Direction)
	}
	return []byte(b.String())
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
