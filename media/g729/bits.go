package g729

// The 80 bits of a speech frame carry 11 parameters in this order and these
// widths (G.729 table 8, Annex A unchanged): L0+L1 (1+7), L2+L3 (5+5), P1,
// P0 (parity), C1, S1, GA1+GB1 (3+4), P2, C2, S2, GA2+GB2. A SID frame of
// Annex B carries four: the LSF predictor switch, the two LSF codebook
// indices and the quantised energy, 15 bits padded to 16.
var (
	speechBits = [speechParams]uint8{8, 10, 8, 1, 13, 4, 7, 5, 13, 4, 7}
	sidBits    = [sidParams]uint8{1, 5, 4, 5}
)

const (
	speechParams = 11
	sidParams    = 4
)

// unpack reads the parameters MSB first, in transmission order (RFC 3551
// section 4.5.6: the first bit of the frame is the MSB of the first octet).
func unpack(prm []int16, widths []uint8, frame []byte) {
	pos := 0
	for i, w := range widths {
		var v int16
		for b := 0; b < int(w); b++ {
			bit := frame[pos>>3] >> (7 - uint(pos&7)) & 1
			v = v<<1 | int16(bit)
			pos++
		}
		prm[i] = v
	}
}

// pack writes the parameters MSB first into dst, which it zeroes first.
func pack(dst []byte, prm []int16, widths []uint8) {
	clear(dst)
	pos := 0
	for i, w := range widths {
		for b := int(w) - 1; b >= 0; b-- {
			if prm[i]>>uint(b)&1 != 0 {
				dst[pos>>3] |= 0x80 >> uint(pos&7)
			}
			pos++
		}
	}
}
