package callerid

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Sentinel errors. Returned errors wrap one of these; test with errors.Is.
var (
	// ErrInvalidMessage reports a Message that cannot be encoded (bad
	// characters, too long, missing date for SDMF, ...).
	ErrInvalidMessage = errors.New("callerid: invalid message")
	// ErrUnsupported reports a combination the chosen Standard cannot carry
	// (SDMF on ETSI, message waiting over DTMF, a DTMF receiver, ...).
	ErrUnsupported = errors.New("callerid: unsupported by this standard")
	// ErrChecksum reports received message bytes whose checksum is wrong.
	ErrChecksum = errors.New("callerid: bad checksum")
	// ErrTruncated reports received message bytes shorter than their length
	// field says.
	ErrTruncated = errors.New("callerid: truncated message")
	// ErrUnknownType reports a message type byte this package does not know.
	ErrUnknownType = errors.New("callerid: unknown message type")
)

// Standard selects the caller ID signalling system.
type Standard int

const (
	// Bellcore is Telcordia GR-30-CORE: Bell 202 FSK (1200/2200 Hz).
	Bellcore Standard = iota
	// ETSI is ETSI EN 300 659-1 FSK: ITU-T V.23 (1300/2100 Hz).
	ETSI
	// ETSIDTMF is caller ID sent as DTMF digits (EN 300 659-1 annex B,
	// ETSI ES 200 778-1 DTMF variant): A<number>C.
	ETSIDTMF
)

// String returns the standard's name as used by the example's -type flag.
func (s Standard) String() string {
	switch s {
	case Bellcore:
		return "bellcore"
	case ETSI:
		return "etsi"
	case ETSIDTMF:
		return "dtmf"
	}
	return "Standard(" + strconv.Itoa(int(s)) + ")"
}

// ParseStandard is the inverse of Standard.String.
func ParseStandard(s string) (Standard, error) {
	for _, st := range []Standard{Bellcore, ETSI, ETSIDTMF} {
		if st.String() == s {
			return st, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown standard %q", ErrUnsupported, s)
}

// Kind is what a message announces.
type Kind int

const (
	// CallSetup announces an incoming call (date, number, name).
	CallSetup Kind = iota
	// MessageWaiting sets or clears the visual message waiting indicator
	// (VMWI); Message.Waiting holds the state.
	MessageWaiting
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case CallSetup:
		return "CallSetup"
	case MessageWaiting:
		return "MessageWaiting"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Format is the FSK message layout.
type Format int

const (
	// MDMF is the multiple data message format (type 0x80 / 0x82 with
	// parameters); the only format of ETSI and the default.
	MDMF Format = iota
	// SDMF is Bellcore's single data message format (type 0x04 / 0x06).
	SDMF
)

// String returns the format's name.
func (f Format) String() string {
	switch f {
	case MDMF:
		return "MDMF"
	case SDMF:
		return "SDMF"
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

// Absence is the reason a number or name is not delivered.
type Absence int

const (
	// Present means no absence reason is sent.
	Present Absence = iota
	// Private: withheld by the caller ('P'; DTMF code 00).
	Private
	// Unavailable: out of area / not available ('O'; DTMF code 10).
	Unavailable
)

// String returns the absence reason's name.
func (a Absence) String() string {
	switch a {
	case Present:
		return "Present"
	case Private:
		return "Private"
	case Unavailable:
		return "Unavailable"
	}
	return "Absence(" + strconv.Itoa(int(a)) + ")"
}

func (a Absence) code() byte {
	if a == Private {
		return 'P'
	}
	return 'O'
}

func absenceFromCode(c byte) Absence {
	switch c {
	case 'P':
		return Private
	case 'O':
		return Unavailable
	}
	return Present
}

// Message types and MDMF parameter types (GR-30-CORE, EN 300 659-3).
const (
	typeSDMFCallSetup = 0x04
	typeSDMFMWI       = 0x06
	typeMDMFCallSetup = 0x80
	typeMDMFMWI       = 0x82

	paramDateTime      = 0x01
	paramNumber        = 0x02
	paramNumberAbsence = 0x04
	paramName          = 0x07
	paramNameAbsence   = 0x08
	paramVMWI          = 0x0B
)

// Limits enforced by Encode.
const (
	MaxNumberLen = 20 // digits of the calling number
	MaxNameLen   = 50 // characters of the calling name (Bellcore CPE show 15)
)

// Message is one caller ID or message waiting message.
//
// Time carries month, day, hour and minute only; a decoded Time has year 0
// and UTC location. A zero Time is not sent in MDMF (SDMF requires it).
type Message struct {
	Kind          Kind
	Format        Format // FSK layout; ignored by ETSIDTMF
	Time          time.Time
	Number        string
	NumberAbsence Absence // sent when Number is empty and this is not Present
	Name          string
	NameAbsence   Absence // sent when Name is empty and this is not Present
	Waiting       bool    // MessageWaiting: indicator on
}

// Encode returns the message as sent on the line: for Bellcore and ETSI the
// FSK message bytes (type, length, body, checksum); for ETSIDTMF the DTMF
// digit string (e.g. "A5551234C") as ASCII.
func Encode(std Standard, m Message) ([]byte, error) {
	if err := validate(m); err != nil {
		return nil, err
	}
	switch std {
	case Bellcore, ETSI:
		if m.Format == SDMF {
			if std != Bellcore {
				return nil, fmt.Errorf("%w: SDMF on %v", ErrUnsupported, std)
			}
			return encodeSDMF(m)
		}
		if m.Format != MDMF {
			return nil, fmt.Errorf("%w: format %v", ErrInvalidMessage, m.Format)
		}
		return encodeMDMF(m), nil
	case ETSIDTMF:
		return encodeDTMF(m)
	}
	return nil, fmt.Errorf("%w: %v", ErrUnsupported, std)
}

func validate(m Message) error {
	if m.Kind != CallSetup && m.Kind != MessageWaiting {
		return fmt.Errorf("%w: kind %v", ErrInvalidMessage, m.Kind)
	}
	if len(m.Number) > MaxNumberLen {
		return fmt.Errorf("%w: number has %d digits, max %d", ErrInvalidMessage, len(m.Number), MaxNumberLen)
	}
	for i := 0; i < len(m.Number); i++ {
		if c := m.Number[i]; (c < '0' || c > '9') && c != '*' && c != '#' {
			return fmt.Errorf("%w: number character %q", ErrInvalidMessage, c)
		}
	}
	if len(m.Name) > MaxNameLen {
		return fmt.Errorf("%w: name has %d characters, max %d", ErrInvalidMessage, len(m.Name), MaxNameLen)
	}
	for i := 0; i < len(m.Name); i++ {
		if c := m.Name[i]; c < 0x20 || c > 0x7e {
			return fmt.Errorf("%w: name character %q", ErrInvalidMessage, c)
		}
	}
	for _, a := range []Absence{m.NumberAbsence, m.NameAbsence} {
		if a < Present || a > Unavailable {
			return fmt.Errorf("%w: absence %v", ErrInvalidMessage, a)
		}
	}
	return nil
}

func appendDate(b []byte, t time.Time) []byte {
	return fmt.Appendf(b, "%02d%02d%02d%02d", int(t.Month()), t.Day(), t.Hour(), t.Minute())
}

func finish(b []byte) []byte {
	b[1] = byte(len(b) - 2)
	var sum byte
	for _, c := range b {
		sum += c
	}
	return append(b, -sum)
}

func encodeSDMF(m Message) ([]byte, error) {
	if m.Kind == MessageWaiting {
		v := byte(0x6F)
		if m.Waiting {
			v = 0x42
		}
		return finish([]byte{typeSDMFMWI, 0, v, v, v}), nil
	}
	if m.Time.IsZero() {
		return nil, fmt.Errorf("%w: SDMF needs the date and time", ErrInvalidMessage)
	}
	b := appendDate([]byte{typeSDMFCallSetup, 0}, m.Time)
	switch {
	case m.Number != "":
		b = append(b, m.Number...)
	case m.NumberAbsence != Present:
		b = append(b, m.NumberAbsence.code())
	default:
		return nil, fmt.Errorf("%w: SDMF needs a number or an absence reason", ErrInvalidMessage)
	}
	return finish(b), nil
}

func encodeMDMF(m Message) []byte {
	if m.Kind == MessageWaiting {
		v := byte(0x00)
		if m.Waiting {
			v = 0xFF
		}
		return finish([]byte{typeMDMFMWI, 0, paramVMWI, 1, v})
	}
	b := []byte{typeMDMFCallSetup, 0}
	if !m.Time.IsZero() {
		b = append(b, paramDateTime, 8)
		b = appendDate(b, m.Time)
	}
	switch {
	case m.Number != "":
		b = append(b, paramNumber, byte(len(m.Number)))
		b = append(b, m.Number...)
	case m.NumberAbsence != Present:
		b = append(b, paramNumberAbsence, 1, m.NumberAbsence.code())
	}
	switch {
	case m.Name != "":
		b = append(b, paramName, byte(len(m.Name)))
		b = append(b, m.Name...)
	case m.NameAbsence != Present:
		b = append(b, paramNameAbsence, 1, m.NameAbsence.code())
	}
	return finish(b)
}

func encodeDTMF(m Message) ([]byte, error) {
	if m.Kind != CallSetup {
		return nil, fmt.Errorf("%w: %v over DTMF", ErrUnsupported, m.Kind)
	}
	for i := 0; i < len(m.Number); i++ {
		if c := m.Number[i]; c < '0' || c > '9' {
			return nil, fmt.Errorf("%w: DTMF caller ID carries digits only, not %q", ErrInvalidMessage, c)
		}
	}
	switch {
	case m.Number != "":
		return []byte("A" + m.Number + "C"), nil
	case m.NumberAbsence == Private:
		return []byte("B00C"), nil
	case m.NumberAbsence == Unavailable:
		return []byte("B10C"), nil
	}
	return nil, fmt.Errorf("%w: DTMF caller ID needs a number or an absence reason", ErrInvalidMessage)
}

// Decode parses FSK message bytes (type, length, body, checksum) as produced
// by Encode or received from the line. Bytes after the checksum are
// ignored; unknown MDMF parameters are skipped.
func Decode(b []byte) (Message, error) {
	var m Message
	if len(b) < 2 || len(b) < int(b[1])+3 {
		return m, fmt.Errorf("%w: %d bytes", ErrTruncated, len(b))
	}
	b = b[:int(b[1])+3]
	var sum byte
	for _, c := range b {
		sum += c
	}
	if sum != 0 {
		return m, fmt.Errorf("%w: sum 0x%02x", ErrChecksum, sum)
	}
	body := b[2 : len(b)-1]
	switch b[0] {
	case typeSDMFCallSetup:
		m.Format = SDMF
		if len(body) < 8 {
			return m, fmt.Errorf("%w: SDMF body of %d bytes", ErrTruncated, len(body))
		}
		m.Time = parseDate(body[:8])
		num := body[8:]
		if len(num) == 1 && absenceFromCode(num[0]) != Present {
			m.NumberAbsence = absenceFromCode(num[0])
		} else {
			m.Number = string(num)
		}
	case typeSDMFMWI:
		m.Format, m.Kind = SDMF, MessageWaiting
		m.Waiting = len(body) > 0 && body[0] == 0x42
	case typeMDMFCallSetup, typeMDMFMWI:
		if b[0] == typeMDMFMWI {
			m.Kind = MessageWaiting
		}
		for len(body) > 0 {
			if len(body) < 2 || len(body) < int(body[1])+2 {
				return m, fmt.Errorf("%w: parameter 0x%02x", ErrTruncated, body[0])
			}
			p, v := body[0], body[2:2+int(body[1])]
			body = body[2+len(v):]
			switch p {
			case paramDateTime:
				if len(v) >= 8 {
					m.Time = parseDate(v[:8])
				}
			case paramNumber:
				m.Number = string(v)
			case paramNumberAbsence:
				if len(v) > 0 {
					m.NumberAbsence = absenceFromCode(v[0])
				}
			case paramName:
				m.Name = string(v)
			case paramNameAbsence:
				if len(v) > 0 {
					m.NameAbsence = absenceFromCode(v[0])
				}
			case paramVMWI:
				m.Waiting = len(v) > 0 && v[0] == 0xFF
			}
		}
	default:
		return m, fmt.Errorf("%w: 0x%02x", ErrUnknownType, b[0])
	}
	return m, nil
}

func parseDate(d []byte) time.Time {
	n := func(i int) int {
		a, b := int(d[i]-'0'), int(d[i+1]-'0')
		if a < 0 || a > 9 || b < 0 || b > 9 {
			return 0
		}
		return a*10 + b
	}
	return time.Date(0, time.Month(n(0)), n(2), n(4), n(6), 0, 0, time.UTC)
}

// DecodeDTMF parses a DTMF caller ID digit string ("A5551234C", "B00C";
// a trailing '#' is accepted in place of 'C').
func DecodeDTMF(s string) (Message, error) {
	var m Message
	if len(s) < 2 {
		return m, fmt.Errorf("%w: %q", ErrTruncated, s)
	}
	end := s[len(s)-1]
	if end != 'C' && end != '#' {
		return m, fmt.Errorf("%w: %q does not end with C", ErrTruncated, s)
	}
	body := s[1 : len(s)-1]
	for i := 0; i < len(body); i++ {
		if body[i] < '0' || body[i] > '9' {
			return m, fmt.Errorf("%w: digit %q in %q", ErrInvalidMessage, body[i], s)
		}
	}
	switch s[0] {
	case 'A', 'D':
		m.Number = body
	case 'B':
		switch body {
		case "00":
			m.NumberAbsence = Private
		default:
			m.NumberAbsence = Unavailable
		}
	default:
		return m, fmt.Errorf("%w: start digit %q", ErrUnknownType, s[0])
	}
	return m, nil
}
