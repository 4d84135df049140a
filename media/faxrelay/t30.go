package faxrelay

// T.30 facsimile control fields as the HDLC receiver assembles them (the
// first bit sent is bit 0; bit 0 of the FCF is T.30's X bit, except in
// the initial identification frames where it tells DIS from DTC).
const (
	fcfDIS    = 0x80
	fcfDTC    = 0x81
	fcfDCS    = 0x82
	fcfCFR    = 0x84
	fcfFTT    = 0x44
	fcfMCF    = 0x8C
	fcfRTN    = 0x4C
	fcfRTP    = 0xCC
	fcfEOM    = 0x8E
	fcfMPS    = 0x4E
	fcfEOP    = 0x2E
	fcfPRIEOM = 0x9E
	fcfPRIMPS = 0x5E
	fcfPRIEOP = 0x3E
	fcfPPS    = 0xBE
	fcfDCN    = 0xFA
)

// fcf is a frame's control field, the X bit dropped where it is one.
func fcf(f []byte) (byte, bool) {
	if len(f) < 3 {
		return 0, false
	}
	c := f[2]
	switch c {
	case fcfDIS, fcfDTC, 0x40, 0x41, 0x20, 0x21:
		return c, true
	}
	return c &^ 1, true
}

// Modulation is a high-speed modem T.30 negotiates.
type Modulation int

// The modulations.
const (
	NoModulation Modulation = iota
	V27ter                  // 2400, 4800 bit/s
	V29                     // 7200, 9600 bit/s
	V17                     // 7200-14400 bit/s
)

func (m Modulation) String() string {
	switch m {
	case V27ter:
		return "v27ter"
	case V29:
		return "v29"
	case V17:
		return "v17"
	}
	return "none"
}

// dcsRate decodes the DCS's data signalling rate (bits 11-14, T.30
// table 2).
func dcsRate(f []byte) (Modulation, int) {
	if len(f) < 5 {
		return NoModulation, 0
	}
	switch (f[4] >> 2) & 0x0F {
	case 0:
		return V27ter, 2400
	case 2:
		return V27ter, 4800
	case 1:
		return V29, 9600
	case 3:
		return V29, 7200
	case 8:
		return V17, 14400
	case 10:
		return V17, 12000
	case 9:
		return V17, 9600
	case 11:
		return V17, 7200
	}
	return NoModulation, 0
}

// ecmBit: DIS/DTC/DCS bit 27, error correction mode; t6Bit: bit 31, T.6
// coding, which needs ECM.
const (
	ecmOctet = 6
	ecmBit   = 0x04
	t6Bit    = 0x40
)

// hasECM reports a DCS's ECM bit.
func hasECM(f []byte) bool { return len(f) > ecmOctet && f[ecmOctet]&ecmBit != 0 }

// spoofDIS limits a DIS or DTC in place to what the gateway relays: the
// modems above maxRate taken out (V.17 below 14400 bit/s, V.29 below
// 7200, V.27ter's 4800 at 2400) and, when ecm is false, ECM and T.6
// (T.38 clause 5 lets a gateway change these capability bits). It
// reports whether it changed anything; the transmitter computes the new
// FCS.
func spoofDIS(f []byte, maxRate int, ecm bool) bool {
	changed := false
	clear := func(i int, mask byte) {
		if len(f) > i && f[i]&mask != 0 {
			f[i] &^= mask
			changed = true
		}
	}
	switch {
	case maxRate < 4800:
		clear(4, 0x3C)
	case maxRate < 7200:
		clear(4, 0x34) // V.29, V.17 (and bit 13)
	case maxRate < 14400:
		clear(4, 0x20) // V.17
	}
	if !ecm {
		clear(ecmOctet, ecmBit|t6Bit)
	}
	return changed
}

// rev reverses the bits of an octet: T.38 carries HDLC and T.4 octets
// with the first bit sent in the most significant place, the HDLC
// framer works with it in the least.
var rev = func() (t [256]byte) {
	for i := range t {
		var r byte
		for b := range 8 {
			if i&(1<<b) != 0 {
				r |= 0x80 >> b
			}
		}
		t[i] = r
	}
	return t
}()
