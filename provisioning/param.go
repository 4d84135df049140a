package provisioning

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Kind is the type of a parameter or table column.
type Kind int

const (
	// KindInt is an integer in [Min, Max].
	KindInt Kind = iota
	// KindBool is 0 or 1.
	KindBool
	// KindEnum is an integer from a fixed set of named values.
	KindEnum
	// KindString is text of at most MaxLen bytes (0 = 255).
	KindString
	// KindIP is an IPv4 or IPv6 address, or empty.
	KindIP
	// KindHostPort is a host name or address with an optional :port, or empty.
	KindHostPort
	// KindTimeOfDay is 'HH:MM', or empty for none.
	KindTimeOfDay
	// KindList is a comma-separated list of strings.
	KindList
)

func (k Kind) String() string {
	switch k {
	case KindInt:
		return "integer"
	case KindBool:
		return "boolean"
	case KindEnum:
		return "enumeration"
	case KindString:
		return "string"
	case KindIP:
		return "IP address"
	case KindHostPort:
		return "host[:port]"
	case KindTimeOfDay:
		return "time of day"
	case KindList:
		return "list"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// EnumValue is one allowed value of a KindEnum parameter.
type EnumValue struct {
	Value int64
	Name  string
}

// Param describes one parameter.
type Param struct {
	Name string
	Kind Kind
	// Min and Max bound KindInt values (both zero: no bound).
	Min, Max int64
	// Enum lists the values of a KindEnum parameter.
	Enum []EnumValue
	// MaxLen bounds KindString and each KindList item (0 = 255).
	MaxLen int
	// Default is the value when none is configured, in ini text form
	// ("3600", "1", "example.com"; items separated by commas for lists).
	Default string
	// RestartRequired marks parameters that take effect only after a restart.
	RestartRequired bool
	// Secret marks passwords and keys: exported as `*`, never logged.
	Secret bool
	// Action marks a one-shot command such as ResetNow: it is acted on when a
	// file carries it and is never stored or exported.
	Action bool
	// KeepOnReset keeps the running value when a file omits the parameter,
	// even with SetDefaultOnIniFileProcess = 1. The Automatic Update
	// parameters use it: a downloaded ini that forgets IniFileURL must not
	// cut the device off from its provisioning server.
	KeepOnReset bool
	// Indexed marks a KindList parameter that the device's users spell one
	// element at a time, Name_0, Name_1, ... (SNMPTrustedMgr_x): a file may
	// use either that form or the whole list, and Export writes the indexed
	// form. Positions matter (SNMPManagerTrapPort_x goes with
	// SNMPManagerTableIP_x), so an element left out is an empty item.
	Indexed bool
	// Check, when set, validates a non-empty value beyond its kind (a digit
	// map's syntax, say); its error is reported on the file's line.
	Check       func(string) error
	Description string
}

// Column describes one table column; the fields mean what they do in Param.
type Column struct {
	Name    string
	Kind    Kind
	Min     int64
	Max     int64
	Enum    []EnumValue
	MaxLen  int
	Default string
	Secret  bool
	Check   func(string) error
}

// TableDef describes a table such as PREFIX or TrunkGroup.
type TableDef struct {
	Name    string
	Columns []Column
	// MaxRows bounds the row index: 0 <= index < MaxRows (0 = 256).
	MaxRows         int
	RestartRequired bool
	Description     string
}

func (c Column) param() Param {
	return Param{Name: c.Name, Kind: c.Kind, Min: c.Min, Max: c.Max, Enum: c.Enum, MaxLen: c.MaxLen, Default: c.Default, Secret: c.Secret, Check: c.Check}
}

// normalize checks one value and returns its canonical text (what Config
// stores and Export writes).
func (p *Param) normalize(text string) (string, error) {
	v, err := p.normalizeKind(text)
	if err == nil && p.Check != nil && v != "" {
		err = p.Check(v)
	}
	return v, err
}

func (p *Param) normalizeKind(text string) (string, error) {
	switch p.Kind {
	case KindInt, KindBool, KindEnum:
		v, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
		if err != nil {
			if p.Kind == KindEnum {
				for _, e := range p.Enum {
					if strings.EqualFold(e.Name, text) {
						return strconv.FormatInt(e.Value, 10), nil
					}
				}
			}
			return "", fmt.Errorf("%q is not an integer", text)
		}
		switch p.Kind {
		case KindBool:
			if v != 0 && v != 1 {
				return "", fmt.Errorf("%d is not 0 or 1", v)
			}
		case KindEnum:
			if !p.enumHas(v) {
				return "", fmt.Errorf("%d is not one of %s", v, p.enumList())
			}
		default:
			if (p.Min != 0 || p.Max != 0) && (v < p.Min || v > p.Max) {
				return "", fmt.Errorf("%d is out of range [%d, %d]", v, p.Min, p.Max)
			}
		}
		return strconv.FormatInt(v, 10), nil
	case KindString:
		if err := p.checkLen(text); err != nil {
			return "", err
		}
		return text, nil
	case KindIP:
		if text == "" {
			return "", nil
		}
		a, err := netip.ParseAddr(strings.TrimSpace(text))
		if err != nil {
			return "", fmt.Errorf("%q is not an IP address", text)
		}
		return a.String(), nil
	case KindHostPort:
		return normalizeHostPort(text)
	case KindTimeOfDay:
		if text == "" {
			return "", nil
		}
		h, m, ok := parseTimeOfDay(text)
		if !ok {
			return "", fmt.Errorf("%q is not a time of day HH:MM", text)
		}
		return fmt.Sprintf("%02d:%02d", h, m), nil
	case KindList:
		return "", fmt.Errorf("internal: list normalized per item")
	}
	return "", fmt.Errorf("unknown kind %v", p.Kind)
}

func (p *Param) checkLen(s string) error {
	max := p.MaxLen
	if max == 0 {
		max = 255
	}
	if len(s) > max {
		return fmt.Errorf("%d characters, longer than %d", len(s), max)
	}
	return nil
}

func (p *Param) enumHas(v int64) bool {
	for _, e := range p.Enum {
		if e.Value == v {
			return true
		}
	}
	return false
}

func (p *Param) enumList() string {
	parts := make([]string, len(p.Enum))
	for i, e := range p.Enum {
		parts[i] = fmt.Sprintf("%d (%s)", e.Value, e.Name)
	}
	return strings.Join(parts, ", ")
}

func parseTimeOfDay(s string) (h, m int, ok bool) {
	hs, ms, found := strings.Cut(strings.TrimSpace(s), ":")
	if !found || len(hs) == 0 || len(hs) > 2 || len(ms) != 2 {
		return 0, 0, false
	}
	h, err1 := strconv.Atoi(hs)
	m, err2 := strconv.Atoi(ms)
	if err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, 0, false
	}
	return h, m, true
}

// ParseTimeOfDay parses 'HH:MM' as stored by a KindTimeOfDay parameter.
func ParseTimeOfDay(s string) (hour, minute int, ok bool) { return parseTimeOfDay(s) }

func normalizeHostPort(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	host, port := s, ""
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.String(), nil
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 && !strings.Contains(s[:i], ":") {
		host, port = s[:i], s[i+1:]
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("%q has a bad port", s)
		}
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return s, nil
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 {
			return "", fmt.Errorf("%q is not a host name or address", s)
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return "", fmt.Errorf("%q is not a host name or address", s)
			}
		}
	}
	return s, nil
}
