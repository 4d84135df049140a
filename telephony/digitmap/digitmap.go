// Package digitmap parses and matches DigitMapping dial plans, the way an
// analog gateway decides when a caller has finished dialling.
//
// # Syntax
//
// Rules are separated by `|` and may be enclosed in parentheses. In a rule:
// a digit, `*`, `#` or A-D matches itself; `x` any digit 0-9; `[...]` any
// of the listed symbols, with `n-m` ranges of digits; `.` any number
// (including none) of the element before it; a final `T` completes the
// number when the inter-digit timer (TimeBetweenDigits) expires; a final `S`
// completes it after the short timer, so that a longer rule can still
// match (`99S|998`). Letters are case-insensitive.
//
// # Matching
//
// A rule matched in full without T or S completes dialling at once, even if
// a longer rule could still match (`99|998` never reaches 998). Digits that
// no rule can match are rejected: a map without a catch-all rule such as
// `x.T` limits what can be dialled.
package digitmap

import (
	"errors"
	"fmt"
	"strings"
)

// ErrSyntax is wrapped by the errors of Parse.
var ErrSyntax = errors.New("digit map syntax error")

// symbols are the 16 dialable symbols; a set of them is a 16-bit mask.
const symbols = "0123456789*#ABCD"

func symbolBit(c byte) (uint16, bool) {
	if c >= 'a' && c <= 'd' {
		c -= 'a' - 'A'
	}
	i := strings.IndexByte(symbols, c)
	if i < 0 {
		return 0, false
	}
	return 1 << i, true
}

const anyDigit uint16 = 1<<10 - 1

type element struct {
	set    uint16
	repeat bool
}

// Timer is how a matched rule completes.
type Timer int

const (
	Immediate  Timer = iota // complete at once
	ShortTimer              // S: complete after the short timer
	LongTimer               // T: complete after the inter-digit timer
)

func (t Timer) String() string {
	switch t {
	case Immediate:
		return "immediate"
	case ShortTimer:
		return "short timer"
	case LongTimer:
		return "inter-digit timer"
	}
	return fmt.Sprintf("Timer(%d)", int(t))
}

type rule struct {
	text  string
	elems []element
	timer Timer
}

// Map is a parsed digit map. The zero Map has no rules: every number is
// accepted and dialling ends by MaxDigits, `#` or the inter-digit timer.
type Map struct {
	rules []rule
}

// Limits of the vendor's implementation, kept so a map that loads here
// loads on the device too.
const (
	MaxRules  = 52
	MaxLength = 152
)

// Parse parses a DigitMapping value.
func Parse(s string) (*Map, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		s = s[1 : len(s)-1]
	}
	m := &Map{}
	if s == "" {
		return m, nil
	}
	if len(s) > MaxLength {
		return nil, fmt.Errorf("%w: %d characters, at most %d", ErrSyntax, len(s), MaxLength)
	}
	for i, text := range strings.Split(s, "|") {
		if i == MaxRules {
			return nil, fmt.Errorf("%w: more than %d rules", ErrSyntax, MaxRules)
		}
		r, err := parseRule(strings.TrimSpace(text))
		if err != nil {
			return nil, fmt.Errorf("%w: rule %d %q: %s", ErrSyntax, i+1, text, err)
		}
		m.rules = append(m.rules, r)
	}
	return m, nil
}

func parseRule(text string) (rule, error) {
	r := rule{text: text}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == 'x' || c == 'X':
			r.elems = append(r.elems, element{set: anyDigit})
		case c == '.':
			if len(r.elems) == 0 || r.elems[len(r.elems)-1].repeat {
				return r, errors.New("'.' must follow an element")
			}
			r.elems[len(r.elems)-1].repeat = true
		case c == 'T' || c == 't' || c == 'S' || c == 's':
			if i != len(text)-1 {
				return r, fmt.Errorf("%c must end the rule", c)
			}
			if len(r.elems) == 0 {
				return r, fmt.Errorf("%c alone is not a rule", c)
			}
			r.timer = LongTimer
			if c == 'S' || c == 's' {
				r.timer = ShortTimer
			}
		case c == '[':
			end := strings.IndexByte(text[i:], ']')
			if end < 0 {
				return r, errors.New("'[' without ']'")
			}
			set, err := parseSet(text[i+1 : i+end])
			if err != nil {
				return r, err
			}
			r.elems = append(r.elems, element{set: set})
			i += end
		default:
			bit, ok := symbolBit(c)
			if !ok {
				return r, fmt.Errorf("unexpected %q", c)
			}
			r.elems = append(r.elems, element{set: bit})
		}
	}
	if len(r.elems) == 0 {
		return r, errors.New("empty rule")
	}
	if len(r.elems) > 63 { // positions are bits of a uint64
		return r, errors.New("more than 63 elements")
	}
	return r, nil
}

func parseSet(s string) (uint16, error) {
	var set uint16
	for i := 0; i < len(s); i++ {
		if i+2 < len(s) && s[i+1] == '-' {
			lo, hi := s[i], s[i+2]
			if lo < '0' || lo > '9' || hi < lo || hi > '9' {
				return 0, fmt.Errorf("bad range %q", s[i:i+3])
			}
			for c := lo; c <= hi; c++ {
				set |= 1 << (c - '0')
			}
			i += 2
			continue
		}
		bit, ok := symbolBit(s[i])
		if !ok {
			return 0, fmt.Errorf("unexpected %q in [%s]", s[i], s)
		}
		set |= bit
	}
	if set == 0 {
		return 0, errors.New("empty []")
	}
	return set, nil
}

// state runs digits through a rule's elements as a set of positions (an
// NFA without backtracking) and reports whether the rule matches them in
// full and whether more digits could still extend them into a match.
func (r *rule) state(digits string) (full, partial bool) {
	var cur, next uint64 // bit i: before element i; bit len: after the last
	n := len(r.elems)
	closure := func(set uint64) uint64 {
		for i := range n { // a repeated element may be skipped
			if set&(1<<i) != 0 && r.elems[i].repeat {
				set |= 1 << (i + 1)
			}
		}
		return set
	}
	cur = closure(1)
	for k := 0; k < len(digits); k++ {
		bit, ok := symbolBit(digits[k])
		if !ok {
			return false, false
		}
		next = 0
		for i := range n {
			if cur&(1<<i) == 0 || r.elems[i].set&bit == 0 {
				continue
			}
			if r.elems[i].repeat {
				next |= 1 << i
			} else {
				next |= 1 << (i + 1)
			}
		}
		cur = closure(next)
		if cur == 0 {
			return false, false
		}
	}
	return cur&(1<<n) != 0, cur&(1<<n-1) != 0
}

// Verdict is what the gateway does with the digits dialled so far.
type Verdict int

const (
	// More: keep collecting; the number is not complete yet.
	More Verdict = iota
	// Complete: dial now.
	Complete
	// CompleteOnTimer: dial when Result.Timer expires unless another digit
	// comes first.
	CompleteOnTimer
	// Reject: no rule can match; play reorder tone.
	Reject
)

func (v Verdict) String() string {
	switch v {
	case More:
		return "more"
	case Complete:
		return "complete"
	case CompleteOnTimer:
		return "complete on timer"
	case Reject:
		return "reject"
	}
	return fmt.Sprintf("Verdict(%d)", int(v))
}

// Result is the verdict on a digit string and, for CompleteOnTimer, which
// timer; Rule is the text of the rule that decided it.
type Result struct {
	Verdict Verdict
	Timer   Timer
	Rule    string
}

// Match judges the digits dialled so far. An empty map always answers More
// with the inter-digit timer: without rules, dialling ends by MaxDigits, `#`
// or the timer.
func (m *Map) Match(digits string) Result {
	if m == nil || len(m.rules) == 0 {
		return Result{Verdict: CompleteOnTimer, Timer: LongTimer}
	}
	best := Result{Verdict: Reject}
	for i := range m.rules {
		r := &m.rules[i]
		full, partial := r.state(digits)
		switch {
		case full && r.timer == Immediate:
			return Result{Verdict: Complete, Rule: r.text}
		case full:
			// The shorter timer wins when two rules complete on timers.
			if best.Verdict != CompleteOnTimer || r.timer == ShortTimer && best.Timer == LongTimer {
				best = Result{Verdict: CompleteOnTimer, Timer: r.timer, Rule: r.text}
			}
		case partial && best.Verdict == Reject:
			best = Result{Verdict: More, Rule: r.text}
		}
	}
	return best
}

// Accepts reports whether digits match some rule in full, whatever its
// timer: the test for a number ended early with `#`. An empty map accepts
// any non-empty number.
func (m *Map) Accepts(digits string) bool {
	if m == nil || len(m.rules) == 0 {
		return digits != ""
	}
	for i := range m.rules {
		if full, _ := m.rules[i].state(digits); full {
			return true
		}
	}
	return false
}

// String returns the map in DigitMapping syntax.
func (m *Map) String() string {
	if m == nil {
		return ""
	}
	texts := make([]string, len(m.rules))
	for i, r := range m.rules {
		texts[i] = r.text
	}
	return strings.Join(texts, "|")
}
