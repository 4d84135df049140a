package v27ter

// scrambler is V.27ter's self-synchronising scrambler, 1 + x^-6 + x^-7,
// with its guard against repetitive patterns: a counter runs while each
// line bit equals at least one of the line bits 8, 9 and 12 bit times
// before it, and when it has seen 33 such bits in a row the next line bit
// is inverted and the count starts again. The guard keeps periodic data
// (periods 1, 2, 3, 4, 6, 8, 9, 12) from giving the receiver a line
// signal without the transitions its timing and equaliser need. The same
// state descrambles, because the guard looks only at line bits.
type scrambler struct {
	reg   uint32 // line bits, bit 0 the latest
	count int
}

// guardRun is how many bits the guard lets a repetitive pattern run.
const guardRun = 33

// seg4Preset is the register at the start of training segment 4:
// 0011110 for delays 1 to 7, as V.27ter sets it.
const seg4Preset = 0x3C

// scramble turns data bit in into the next line bit.
func (s *scrambler) scramble(in int) int {
	out := (in ^ int(s.reg>>5) ^ int(s.reg>>6)) & 1
	if s.count >= guardRun {
		out ^= 1
		s.count = 0
	} else {
		s.guard(out)
	}
	s.reg = s.reg<<1 | uint32(out)
	return out
}

// descramble turns line bit in into the data bit it carries.
func (s *scrambler) descramble(in int) int {
	out := (in ^ int(s.reg>>5) ^ int(s.reg>>6)) & 1
	if s.count >= guardRun {
		out ^= 1
		s.count = 0
	} else {
		s.guard(in)
	}
	s.reg = s.reg<<1 | uint32(in&1)
	return out
}

// guard counts line bit b into the repetition counter.
func (s *scrambler) guard(b int) {
	r := uint32(b)
	if (s.reg>>7^r)&(s.reg>>8^r)&(s.reg>>11^r)&1 != 0 {
		s.count = 0
	} else {
		s.count++
	}
}

// Phase changes in units of 45 degrees (V.27ter tables 1 and 2). Tribits
// and dibits are read first bit in time as the most significant.
var (
	tribitPhase = [8]int{0b000: 1, 0b001: 0, 0b010: 2, 0b011: 3, 0b100: 6, 0b101: 7, 0b110: 5, 0b111: 4}
	dibitPhase  = [4]int{0b00: 0, 0b01: 2, 0b10: 6, 0b11: 4}
	phaseTribit = [8]int{0: 0b001, 1: 0b000, 2: 0b010, 3: 0b011, 4: 0b111, 5: 0b110, 6: 0b100, 7: 0b101}
	phaseDibit  = [4]int{0: 0b00, 1: 0b01, 2: 0b11, 3: 0b10}
)
