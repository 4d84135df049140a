// Package routing holds the gateway's number routing and manipulation:
// the Tel-to-IP routing table (PREFIX), the IP-to-Tel routing table
// (PstnPrefix) and the number manipulation tables (NumberMapTel2Ip,
// NumberMapIp2Tel), as pure functions over rows.
//
// # Prefix notation
//
// A prefix is matched against the start of a number: digits, `*`, `#` and
// A-D match themselves; `x` matches any digit; `[n-m]` a range and
// `[a,b,c]` a list of digits; a trailing `#` means "and the number ends
// here"; a prefix of `*` alone matches every number. Rows are tried in
// table order and the first match wins, as on the device.
package routing

import (
	"errors"
	"fmt"
	"strings"
)

// ErrSyntax is wrapped by prefix syntax errors.
var ErrSyntax = errors.New("routing: bad prefix")

// Prefix is a compiled prefix pattern.
type Prefix struct {
	text  string
	elems []prefixElem
	exact bool // ends with #: the number must end where the prefix does
	any   bool // "*": everything
}

type prefixElem struct {
	set uint16 // bits 0-9 digits, 10 '*', 11 '#', 12-15 A-D
}

const symbols = "0123456789*#ABCD"

func bit(c byte) (uint16, bool) {
	if c >= 'a' && c <= 'd' {
		c -= 'a' - 'A'
	}
	i := strings.IndexByte(symbols, c)
	if i < 0 {
		return 0, false
	}
	return 1 << i, true
}

// ParsePrefix compiles a prefix. The empty prefix matches every number.
func ParsePrefix(s string) (Prefix, error) {
	p := Prefix{text: s}
	s = strings.TrimSpace(s)
	if s == "*" || s == "" {
		p.any = true
		return p, nil
	}
	if strings.HasSuffix(s, "#") && len(s) > 1 {
		p.exact = true
		s = s[:len(s)-1]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == 'x' || c == 'X':
			p.elems = append(p.elems, prefixElem{set: 1<<10 - 1})
		case c == '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return p, fmt.Errorf("%w %q: '[' without ']'", ErrSyntax, p.text)
			}
			set, err := parseSet(s[i+1 : i+end])
			if err != nil {
				return p, fmt.Errorf("%w %q: %v", ErrSyntax, p.text, err)
			}
			p.elems = append(p.elems, prefixElem{set: set})
			i += end
		default:
			b, ok := bit(c)
			if !ok {
				return p, fmt.Errorf("%w %q: unexpected %q", ErrSyntax, p.text, c)
			}
			p.elems = append(p.elems, prefixElem{set: b})
		}
	}
	return p, nil
}

func parseSet(s string) (uint16, error) {
	var set uint16
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		if !isRange {
			hi = lo
		}
		if len(lo) != 1 || len(hi) != 1 || lo[0] < '0' || lo[0] > '9' || hi[0] < lo[0] || hi[0] > '9' {
			return 0, fmt.Errorf("bad set element %q", part)
		}
		for c := lo[0]; c <= hi[0]; c++ {
			set |= 1 << (c - '0')
		}
	}
	return set, nil
}

// String is the prefix as written.
func (p Prefix) String() string { return p.text }

// Match reports whether number starts with the prefix (and ends with it,
// for a prefix ending in #).
func (p Prefix) Match(number string) bool {
	if p.any {
		return true
	}
	if len(number) < len(p.elems) || p.exact && len(number) != len(p.elems) {
		return false
	}
	for i, e := range p.elems {
		b, ok := bit(number[i])
		if !ok || e.set&b == 0 {
			return false
		}
	}
	return true
}

// Manipulation is one row of a number manipulation table.
type Manipulation struct {
	Destination, Source Prefix // which calls it applies to
	RemoveFromLeft      int
	RemoveFromRight     int
	LeaveFromRight      int // 0 = leave all
	Prefix2Add          string
	Suffix2Add          string
}

// Apply returns the number changed by the first row that matches the call
// (dest, src), and whether one did. Which number is changed is the
// caller's choice: the destination (NumberMap...) or the source.
func Apply(rows []Manipulation, number, dest, src string) (string, bool) {
	for _, r := range rows {
		if !r.Destination.Match(dest) || !r.Source.Match(src) {
			continue
		}
		n := number
		n = n[min(r.RemoveFromLeft, len(n)):]
		n = n[:len(n)-min(r.RemoveFromRight, len(n))]
		if r.LeaveFromRight > 0 && len(n) > r.LeaveFromRight {
			n = n[len(n)-r.LeaveFromRight:]
		}
		return r.Prefix2Add + n + r.Suffix2Add, true
	}
	return number, false
}

// Route is one row of the Tel-to-IP routing table.
type Route struct {
	Destination, Source Prefix
	Address             string // host:port of the far end
}

// TelToIP returns the address of the first row that matches the call.
func TelToIP(rows []Route, dest, src string) (string, bool) {
	for _, r := range rows {
		if r.Destination.Match(dest) && r.Source.Match(src) {
			return r.Address, true
		}
	}
	return "", false
}

// PstnRoute is one row of the IP-to-Tel routing table: calls whose
// destination (and source) match go to a trunk group.
type PstnRoute struct {
	Destination, Source Prefix
	TrunkGroup          int
}

// IPToTel returns the trunk group of the first row that matches the call.
func IPToTel(rows []PstnRoute, dest, src string) (int, bool) {
	for _, r := range rows {
		if r.Destination.Match(dest) && r.Source.Match(src) {
			return r.TrunkGroup, true
		}
	}
	return 0, false
}
