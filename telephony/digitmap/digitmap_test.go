package digitmap

import (
	"errors"
	"fmt"
	"testing"
)

func TestMatch(t *testing.T) {
	m, err := Parse("(11xS|00T|[1-7]xxx|8xxxxxxx|#xx|*xx|91xxxxxxxxxx|9011x.T|99|998)")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		digits string
		want   Verdict
		timer  Timer
	}{
		{"", More, 0},
		{"1", More, 0},
		{"11", More, 0},
		{"112", CompleteOnTimer, ShortTimer},
		{"00", CompleteOnTimer, LongTimer},
		{"0", More, 0},
		{"01", Reject, 0},
		{"2", More, 0},
		{"234", More, 0},
		{"2345", Complete, 0},
		{"23456", Reject, 0},
		{"#12", Complete, 0},
		{"*7", More, 0},
		{"*72", Complete, 0},
		{"901", More, 0},
		{"9011", CompleteOnTimer, LongTimer}, // x. may repeat zero times
		{"90114", CompleteOnTimer, LongTimer},
		{"9011441234", CompleteOnTimer, LongTimer},
		{"912125551234", Complete, 0},
		{"99", Complete, 0}, // 99 wins over 998, as on the device
		{"8", More, 0},
		{"81234567", Complete, 0},
		{"A", Reject, 0},
		{"1a", Reject, 0},
	}
	for _, tt := range tests {
		got := m.Match(tt.digits)
		if got.Verdict != tt.want || tt.want == CompleteOnTimer && got.Timer != tt.timer {
			t.Errorf("Match(%q) = %v %v (rule %q), want %v %v", tt.digits, got.Verdict, got.Timer, got.Rule, tt.want, tt.timer)
		}
	}
}

func TestShortTimerLetsLongerRuleMatch(t *testing.T) {
	m, _ := Parse("99S|998")
	if r := m.Match("99"); r.Verdict != CompleteOnTimer || r.Timer != ShortTimer {
		t.Fatalf("99: %v", r)
	}
	if r := m.Match("998"); r.Verdict != Complete {
		t.Fatalf("998: %v", r)
	}
}

func TestRangesListsAndRepeat(t *testing.T) {
	m, _ := Parse("[2-46]x.#|[*#]0")
	for digits, want := range map[string]Verdict{
		"2#": Complete, "3555#": Complete, "6#": Complete, "5": Reject, "7": Reject,
		"*0": Complete, "#0": Complete, "#1": Reject,
	} {
		if got := m.Match(digits).Verdict; got != want {
			t.Errorf("Match(%q) = %v, want %v", digits, got, want)
		}
	}
}

func TestEmptyMapAndAccepts(t *testing.T) {
	var empty Map
	if r := empty.Match("123"); r.Verdict != CompleteOnTimer || r.Timer != LongTimer {
		t.Fatalf("empty map: %v", r)
	}
	if !empty.Accepts("1") || empty.Accepts("") {
		t.Fatal("empty map Accepts")
	}
	m, _ := Parse("1xxT|5")
	if !m.Accepts("123") || m.Accepts("12") || !m.Accepts("5") {
		t.Fatal("Accepts")
	}
}

func TestParseErrors(t *testing.T) {
	for _, bad := range []string{"1|", "[1-", "[]", "x..", ".1", "1T2", "T", "12?", "[9-1]"} {
		if _, err := Parse(bad); !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) = %v, want a syntax error", bad, err)
		}
	}
}

func FuzzMatch(f *testing.F) {
	f.Add("11xS|00T|[1-7]xxx|9011x.T", "9011")
	f.Fuzz(func(t *testing.T, spec, digits string) {
		m, err := Parse(spec)
		if err != nil {
			return
		}
		r := m.Match(digits)
		if r.Verdict == Complete && !m.Accepts(digits) {
			t.Fatalf("%q completes %q but does not accept it", spec, digits)
		}
		if _, err := Parse(m.String()); err != nil {
			t.Fatalf("String() of %q does not parse: %v", spec, err)
		}
	})
}

func Example() {
	m, _ := Parse("11xS|[2-7]xxx|9011x.T")
	for _, d := range []string{"2", "2345", "112", "90114", "8"} {
		r := m.Match(d)
		fmt.Println(d, r.Verdict)
	}
	// Output:
	// 2 more
	// 2345 complete
	// 112 complete on timer
	// 90114 complete on timer
	// 8 reject
}
