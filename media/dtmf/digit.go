package dtmf

import (
	"errors"
	"fmt"
)

// Digit is a DTMF digit, stored as its ASCII character ('0'-'9', '*', '#',
// 'A'-'D'). The zero value is no digit.
type Digit byte

// None is the absence of a digit.
const None Digit = 0

// Digits lists all 16 DTMF digits in RFC 4733 event order (0-9, *, #, A-D).
const Digits = "0123456789*#ABCD"

// ErrDigit is returned for a character or event that is not a DTMF digit.
var ErrDigit = errors.New("dtmf: not a DTMF digit")

// Low-group and high-group frequencies in Hz (ITU-T Q.23).
var (
	lowFreqs  = [4]float64{697, 770, 852, 941}
	highFreqs = [4]float64{1209, 1336, 1477, 1633}
)

// keypad maps [row][column] to the digit.
const keypad = "123A456B789C*0#D"

// ParseDigit returns the digit for a character; lower-case a-d are accepted.
func ParseDigit(c rune) (Digit, error) {
	if c >= 'a' && c <= 'd' {
		c -= 'a' - 'A'
	}
	for _, d := range keypad {
		if d == c {
			return Digit(c), nil
		}
	}
	return None, fmt.Errorf("%w: %q", ErrDigit, c)
}

// Valid reports whether d is one of the 16 digits.
func (d Digit) Valid() bool {
	_, ok := d.position()
	return ok
}

func (d Digit) position() (int, bool) {
	for i := 0; i < len(keypad); i++ {
		if keypad[i] == byte(d) {
			return i, true
		}
	}
	return 0, false
}

// Frequencies returns the low-group and high-group frequencies of d in Hz.
func (d Digit) Frequencies() (low, high float64, ok bool) {
	i, ok := d.position()
	if !ok {
		return 0, 0, false
	}
	return lowFreqs[i/4], highFreqs[i%4], true
}

// String returns the digit character, or "none" / "Digit(n)".
func (d Digit) String() string {
	if d == None {
		return "none"
	}
	if !d.Valid() {
		return fmt.Sprintf("Digit(%d)", byte(d))
	}
	return string(rune(d))
}

// Event returns the RFC 4733 telephone-event code of d (0-15).
func (d Digit) Event() (int, bool) {
	for i := 0; i < len(Digits); i++ {
		if Digits[i] == byte(d) {
			return i, true
		}
	}
	return 0, false
}

// FromEvent returns the digit for an RFC 4733 telephone-event code 0-15.
func FromEvent(code int) (Digit, error) {
	if code < 0 || code >= len(Digits) {
		return None, fmt.Errorf("%w: event %d", ErrDigit, code)
	}
	return Digit(Digits[code]), nil
}

func digitAt(row, col int) Digit { return Digit(keypad[row*4+col]) }
