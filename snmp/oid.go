package snmp

import (
	"math"
	"strconv"
	"strings"
)

// oid is an object identifier as a list of arcs.
type oid []uint32

// parseOID parses gosnmp's dotted form (".1.3.6.1"). Arcs larger than 32
// bits are saturated, which keeps GETNEXT ordering sane for hostile input.
func parseOID(s string) oid {
	s = strings.TrimPrefix(s, ".")
	if s == "" {
		return nil
	}
	n := strings.Count(s, ".") + 1
	if n > 128 {
		n = 128 // RFC 2578: at most 128 sub-identifiers
	}
	out := make(oid, 0, n)
	for s != "" && len(out) < 128 {
		part := s
		if i := strings.IndexByte(s, '.'); i >= 0 {
			part, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		v, err := strconv.ParseUint(part, 10, 32)
		if err != nil {
			v = math.MaxUint32
		}
		out = append(out, uint32(v))
	}
	return out
}

func mustOID(s string) oid { return parseOID(s) }

func (o oid) String() string {
	var b strings.Builder
	b.Grow(len(o) * 4)
	for _, a := range o {
		b.WriteByte('.')
		b.WriteString(strconv.FormatUint(uint64(a), 10))
	}
	return b.String()
}

// cmp compares two OIDs lexicographically (a prefix sorts first).
func (o oid) cmp(p oid) int {
	n := min(len(o), len(p))
	for i := 0; i < n; i++ {
		switch {
		case o[i] < p[i]:
			return -1
		case o[i] > p[i]:
			return 1
		}
	}
	switch {
	case len(o) < len(p):
		return -1
	case len(o) > len(p):
		return 1
	}
	return 0
}

// hasPrefix reports whether p is a prefix of o.
func (o oid) hasPrefix(p oid) bool {
	if len(o) < len(p) {
		return false
	}
	for i := range p {
		if o[i] != p[i] {
			return false
		}
	}
	return true
}

// child returns o with arcs appended, in a new slice.
func (o oid) child(arcs ...uint32) oid {
	out := make(oid, 0, len(o)+len(arcs))
	out = append(out, o...)
	return append(out, arcs...)
}
