package t38

import "fmt"

// UDPTL is a UDPTL packet (T.38 clause 9.1, UDPTLPacket): a
// sequence number, the primary IFP packet and the error recovery, either
// redundant copies of the previous IFP packets (newest first) or FEC.
type UDPTL struct {
	Seq     uint16
	Primary []byte // an encoded IFP packet
	// Secondary holds the previous IFP packets, Secondary[0] being that
	// of Seq-1 (redundancy). Without FEC, an empty Secondary is sent.
	Secondary [][]byte
	// FEC, when set, replaces the redundancy: FEC.Data[i] is the XOR of
	// the IFP packets Seq-1-i-k*len(Data) for k < FEC.Packets (T.38
	// D.2.2).
	FEC *FEC
}

// FEC is UDPTL's forward error correction.
type FEC struct {
	Packets int // fec-npackets: IFP packets each FEC entry covers
	Data    [][]byte
}

// maxSecondary bounds the entries of the error recovery a decoder takes.
const maxSecondary = 32

// AppendTo appends the encoded packet to b.
func (u *UDPTL) AppendTo(b []byte) ([]byte, error) {
	b = append(b, byte(u.Seq>>8), byte(u.Seq))
	var err error
	if b, err = appendOpen(b, u.Primary); err != nil {
		return b, fmt.Errorf("primary: %w", err)
	}
	if u.FEC == nil {
		b = append(b, 0x00)
		if b, err = appendLength(b, len(u.Secondary)); err != nil {
			return b, err
		}
		for _, s := range u.Secondary {
			if b, err = appendOpen(b, s); err != nil {
				return b, fmt.Errorf("secondary: %w", err)
			}
		}
		return b, nil
	}
	if u.FEC.Packets < 0 || u.FEC.Packets > 255 {
		return b, fmt.Errorf("%w: fec-npackets %d", ErrInvalid, u.FEC.Packets)
	}
	// fec-npackets, an unconstrained INTEGER: a length octet and the value.
	b = append(b, 0x80, 1, byte(u.FEC.Packets))
	if b, err = appendLength(b, len(u.FEC.Data)); err != nil {
		return b, err
	}
	for _, d := range u.FEC.Data {
		if b, err = appendOpen(b, d); err != nil {
			return b, fmt.Errorf("fec-data: %w", err)
		}
	}
	return b, nil
}

// Marshal encodes the packet.
func (u *UDPTL) Marshal() ([]byte, error) { return u.AppendTo(nil) }

func appendOpen(b, x []byte) ([]byte, error) {
	b, err := appendLength(b, len(x))
	if err != nil {
		return b, err
	}
	return append(b, x...), nil
}

func readOpen(b []byte, p *int, what string) ([]byte, error) {
	n, err := readLength(b, p, what)
	if err != nil {
		return nil, err
	}
	if *p+n > len(b) {
		return nil, malformed("%s: %d octets announced, %d there", what, n, len(b)-*p)
	}
	x := b[*p : *p+n : *p+n]
	*p += n
	return x, nil
}

// Unmarshal decodes a UDPTL packet; the IFP packets alias b. It checks
// the framing, not the IFP packets inside (decode them with IFP).
func (u *UDPTL) Unmarshal(b []byte) error {
	*u = UDPTL{}
	if len(b) < 3 {
		return malformed("UDPTL packet of %d octets", len(b))
	}
	u.Seq = uint16(b[0])<<8 | uint16(b[1])
	p := 2
	var err error
	if u.Primary, err = readOpen(b, &p, "primary IFP"); err != nil {
		return err
	}
	if len(u.Primary) == 0 {
		return malformed("empty primary IFP")
	}
	if p >= len(b) {
		return malformed("no error recovery")
	}
	choice := b[p]
	p++
	switch choice & 0x80 {
	case 0x00:
		n, err := readLength(b, &p, "secondary IFPs")
		if err != nil {
			return err
		}
		if n > maxSecondary {
			return malformed("%d secondary IFPs", n)
		}
		if n > 0 {
			u.Secondary = make([][]byte, 0, n)
		}
		for i := range n {
			s, err := readOpen(b, &p, fmt.Sprintf("secondary IFP %d", i))
			if err != nil {
				return err
			}
			u.Secondary = append(u.Secondary, s)
		}
	default:
		k, err := readOpen(b, &p, "fec-npackets")
		if err != nil {
			return err
		}
		if len(k) != 1 {
			return malformed("fec-npackets of %d octets", len(k))
		}
		n, err := readLength(b, &p, "fec-data")
		if err != nil {
			return err
		}
		if n > maxSecondary {
			return malformed("%d fec-data entries", n)
		}
		u.FEC = &FEC{Packets: int(k[0]), Data: make([][]byte, 0, n)}
		for i := range n {
			d, err := readOpen(b, &p, fmt.Sprintf("fec-data %d", i))
			if err != nil {
				return err
			}
			u.FEC.Data = append(u.FEC.Data, d)
		}
	}
	if p != len(b) {
		return malformed("%d octets after the error recovery", len(b)-p)
	}
	return nil
}
