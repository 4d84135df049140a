package t38

import (
	"errors"
	"fmt"
)

// Indicator is a T.30 signal an IFP packet announces (T.38 t30-indicator).
type Indicator uint8

// The indicators; those from V8ANSam on are extensions (T.38 version 1+).
const (
	NoSignal Indicator = iota
	CNG
	CED
	V21Preamble
	V27ter2400Training
	V27ter4800Training
	V29_7200Training
	V29_9600Training
	V17_7200ShortTraining
	V17_7200LongTraining
	V17_9600ShortTraining
	V17_9600LongTraining
	V17_12000ShortTraining
	V17_12000LongTraining
	V17_14400ShortTraining
	V17_14400LongTraining
	V8ANSam
	V8Signal
	V34CntlChannel1200
	V34PriChannel
	V34CCRetrain
	V33_12000Training
	V33_14400Training
	numIndicators
)

var indicatorNames = [...]string{"no-signal", "cng", "ced", "v21-preamble", "v27-2400-training", "v27-4800-training",
	"v29-7200-training", "v29-9600-training", "v17-7200-short-training", "v17-7200-long-training",
	"v17-9600-short-training", "v17-9600-long-training", "v17-12000-short-training", "v17-12000-long-training",
	"v17-14400-short-training", "v17-14400-long-training", "v8-ansam", "v8-signal", "v34-cntl-channel-1200",
	"v34-pri-channel", "v34-CC-retrain", "v33-12000-training", "v33-14400-training"}

func (i Indicator) String() string {
	if i < numIndicators {
		return indicatorNames[i]
	}
	return fmt.Sprintf("indicator(%d)", uint8(i))
}

// DataType is the modulation of an IFP data packet (T.38 data).
type DataType uint8

// The data types; those from V8 on are extensions.
const (
	V21 DataType = iota
	V27ter2400
	V27ter4800
	V29_7200
	V29_9600
	V17_7200
	V17_9600
	V17_12000
	V17_14400
	V8
	V34PriRate
	V34CC1200
	V34PriCh
	V33_12000
	V33_14400
	numDataTypes
)

var dataTypeNames = [...]string{"v21", "v27-2400", "v27-4800", "v29-7200", "v29-9600", "v17-7200", "v17-9600",
	"v17-12000", "v17-14400", "v8", "v34-pri-rate", "v34-CC-1200", "v34-pri-ch", "v33-12000", "v33-14400"}

func (d DataType) String() string {
	if d < numDataTypes {
		return dataTypeNames[d]
	}
	return fmt.Sprintf("data(%d)", uint8(d))
}

// FieldType is the kind of one data field (T.38 field-type).
type FieldType uint8

// The field types; those from CMMessage on are extensions.
const (
	HDLCData FieldType = iota
	HDLCSigEnd
	HDLCFCSOK
	HDLCFCSBad
	HDLCFCSOKSigEnd
	HDLCFCSBadSigEnd
	T4NonECMData
	T4NonECMSigEnd
	CMMessage
	JMMessage
	CIMessage
	V34Rate
	numFieldTypes
)

var fieldTypeNames = [...]string{"hdlc-data", "hdlc-sig-end", "hdlc-fcs-OK", "hdlc-fcs-BAD", "hdlc-fcs-OK-sig-end",
	"hdlc-fcs-BAD-sig-end", "t4-non-ecm-data", "t4-non-ecm-sig-end", "cm-message", "jm-message", "ci-message", "v34rate"}

func (f FieldType) String() string {
	if f < numFieldTypes {
		return fieldTypeNames[f]
	}
	return fmt.Sprintf("field(%d)", uint8(f))
}

// Field is one data field: its type and its octets (nil: none sent).
type Field struct {
	Type FieldType
	Data []byte
}

// IFP is an Internet Facsimile Protocol packet (T.38 IFPPacket): an
// indicator, or data of a modulation in one or more fields.
type IFP struct {
	IsData    bool
	Indicator Indicator // when !IsData
	DataType  DataType  // when IsData
	Fields    []Field   // data only
}

// Errors of the codecs. Decoding errors wrap ErrMalformed.
var (
	ErrMalformed = errors.New("t38: malformed packet")
	ErrInvalid   = errors.New("t38: value cannot be encoded")
)

func malformed(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, a...))
}

// maxLength is the largest length the packets carry in one length
// determinant (ITU-T X.691 10.9: 14 bits; longer ones are fragmented,
// which no T.38 packet needs).
const maxLength = 0x3FFF

// appendLength appends an X.691 aligned length determinant.
func appendLength(b []byte, n int) ([]byte, error) {
	switch {
	case n < 0 || n > maxLength:
		return b, fmt.Errorf("%w: length %d", ErrInvalid, n)
	case n < 0x80:
		return append(b, byte(n)), nil
	default:
		return append(b, 0x80|byte(n>>8), byte(n)), nil
	}
}

// readLength reads a length determinant at b[*p].
func readLength(b []byte, p *int, what string) (int, error) {
	if *p >= len(b) {
		return 0, malformed("%s: no length", what)
	}
	c := b[*p]
	switch {
	case c&0x80 == 0:
		*p++
		return int(c), nil
	case c&0xC0 == 0x80:
		if *p+1 >= len(b) {
			return 0, malformed("%s: length cut short", what)
		}
		n := int(c&0x3F)<<8 | int(b[*p+1])
		*p += 2
		return n, nil
	default:
		return 0, malformed("%s: fragmented length", what)
	}
}

// MarshalSize is the encoded size of the packet.
func (f *IFP) MarshalSize() int {
	b, err := f.AppendTo(nil)
	if err != nil {
		return 0
	}
	return len(b)
}

// Marshal encodes the packet in X.691 aligned PER, as T.38 (and spandsp)
// send it.
func (f *IFP) Marshal() ([]byte, error) { return f.AppendTo(nil) }

// AppendTo appends the encoded packet to b.
func (f *IFP) AppendTo(b []byte) ([]byte, error) {
	start := len(b)
	if !f.IsData {
		if len(f.Fields) != 0 {
			return b, fmt.Errorf("%w: an indicator with data fields", ErrInvalid)
		}
		switch {
		case f.Indicator <= V17_14400LongTraining:
			b = append(b, byte(f.Indicator)<<1)
		case f.Indicator < numIndicators:
			e := byte(f.Indicator - V8ANSam)
			b = append(b, 0x20|(e>>2)&0x03, e<<6)
		default:
			return b, fmt.Errorf("%w: %v", ErrInvalid, f.Indicator)
		}
		return b, nil
	}
	switch {
	case f.DataType <= V17_14400:
		b = append(b, 0x40|byte(f.DataType)<<1)
	case f.DataType < numDataTypes:
		e := byte(f.DataType - V8)
		b = append(b, 0x60|(e>>2)&0x03, e<<6)
	default:
		return b, fmt.Errorf("%w: %v", ErrInvalid, f.DataType)
	}
	if len(f.Fields) == 0 {
		return b, nil
	}
	b[start] |= 0x80
	var err error
	if b, err = appendLength(b, len(f.Fields)); err != nil {
		return b, err
	}
	for _, fl := range f.Fields {
		present := byte(0)
		if len(fl.Data) > 0 {
			present = 0x80
		}
		switch {
		case fl.Type <= T4NonECMSigEnd:
			// The presence bit, the extension bit, three bits of type.
			b = append(b, present|byte(fl.Type)<<3)
		case fl.Type < numFieldTypes:
			e := byte(fl.Type - CMMessage)
			b = append(b, present|0x40|(e>>2)&0x03, e<<6)
		default:
			return b, fmt.Errorf("%w: %v", ErrInvalid, fl.Type)
		}
		if present != 0 {
			if len(fl.Data) > 65535 {
				return b, fmt.Errorf("%w: field of %d octets", ErrInvalid, len(fl.Data))
			}
			// OCTET STRING (SIZE(1..65535)): a 16-bit count less one.
			n := len(fl.Data) - 1
			b = append(b, byte(n>>8), byte(n))
			b = append(b, fl.Data...)
		}
	}
	return b, nil
}

// Unmarshal decodes an IFP packet. Field data alias b.
func (f *IFP) Unmarshal(b []byte) error {
	*f = IFP{}
	if len(b) == 0 {
		return malformed("empty IFP packet")
	}
	c := b[0]
	hasData := c&0x80 != 0
	p := 1
	if c&0x40 == 0 {
		if c&0x20 == 0 {
			f.Indicator = Indicator(c >> 1 & 0x0F)
		} else {
			if len(b) < 2 {
				return malformed("extended indicator cut short")
			}
			e := (c&0x03)<<2 | b[1]>>6
			if int(e) >= int(numIndicators-V8ANSam) {
				return malformed("unknown indicator extension %d", e)
			}
			f.Indicator = V8ANSam + Indicator(e)
			p = 2
		}
		if hasData {
			return malformed("an indicator with data fields")
		}
		if p != len(b) {
			return malformed("%d octets after the indicator", len(b)-p)
		}
		return nil
	}
	f.IsData = true
	if c&0x20 == 0 {
		f.DataType = DataType(c >> 1 & 0x0F)
		if f.DataType > V17_14400 {
			return malformed("unknown data type %d", f.DataType)
		}
	} else {
		if len(b) < 2 {
			return malformed("extended data type cut short")
		}
		e := (c&0x03)<<2 | b[1]>>6
		if int(e) >= int(numDataTypes-V8) {
			return malformed("unknown data type extension %d", e)
		}
		f.DataType = V8 + DataType(e)
		p = 2
	}
	if !hasData {
		if p != len(b) {
			return malformed("%d octets after the data type", len(b)-p)
		}
		return nil
	}
	count, err := readLength(b, &p, "data fields")
	if err != nil {
		return err
	}
	if count == 0 || count > len(b) {
		return malformed("%d data fields", count)
	}
	f.Fields = make([]Field, 0, count)
	for i := range count {
		if p >= len(b) {
			return malformed("field %d missing", i)
		}
		c := b[p]
		var fl Field
		if c&0x40 == 0 {
			fl.Type = FieldType(c >> 3 & 0x07)
			p++
		} else {
			if p+1 >= len(b) {
				return malformed("field %d: extended type cut short", i)
			}
			e := (c&0x03)<<2 | b[p+1]>>6
			if int(e) >= int(numFieldTypes-CMMessage) {
				return malformed("field %d: unknown type extension %d", i, e)
			}
			fl.Type = CMMessage + FieldType(e)
			p += 2
		}
		if c&0x80 != 0 {
			if p+2 > len(b) {
				return malformed("field %d: length cut short", i)
			}
			n := int(b[p])<<8 | int(b[p+1]) + 1
			p += 2
			if p+n > len(b) {
				return malformed("field %d: %d octets announced, %d there", i, n, len(b)-p)
			}
			fl.Data = b[p : p+n : p+n]
			p += n
		}
		f.Fields = append(f.Fields, fl)
	}
	if p != len(b) {
		return malformed("%d octets after the last field", len(b)-p)
	}
	return nil
}

func (f IFP) String() string {
	if !f.IsData {
		return f.Indicator.String()
	}
	s := f.DataType.String()
	for _, fl := range f.Fields {
		s += fmt.Sprintf(" %v:%x", fl.Type, fl.Data)
	}
	return s
}
