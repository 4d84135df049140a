package routing

import (
	"errors"
	"fmt"
	"testing"
)

func mustPrefix(t *testing.T, s string) Prefix {
	t.Helper()
	p, err := ParsePrefix(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPrefixMatch(t *testing.T) {
	tests := []struct {
		prefix, number string
		want           bool
	}{
		{"*", "12345", true},
		{"", "", true},
		{"9", "9123", true},
		{"9", "8123", false},
		{"9xx", "912", true},
		{"9xx", "91", false},
		{"1xx#", "123", true},
		{"1xx#", "1234", false},
		{"[2-4]", "3", true},
		{"[2-4]", "5", false},
		{"[1,5,7]0", "50", true},
		{"[1,5,7]0", "60", false},
		{"*72", "*72", true},
		{"#", "#1", true},
		{"x", "*", false},
	}
	for _, tt := range tests {
		if got := mustPrefix(t, tt.prefix).Match(tt.number); got != tt.want {
			t.Errorf("%q matches %q = %v, want %v", tt.prefix, tt.number, got, tt.want)
		}
	}
	for _, bad := range []string{"[2-", "[9-1]", "12?", "[a]"} {
		if _, err := ParsePrefix(bad); !errors.Is(err, ErrSyntax) {
			t.Errorf("ParsePrefix(%q) = %v", bad, err)
		}
	}
}

func TestManipulation(t *testing.T) {
	rows := []Manipulation{
		{Destination: mustPrefix(t, "9"), Source: mustPrefix(t, "*"), RemoveFromLeft: 1},                         // 9 for an outside line
		{Destination: mustPrefix(t, "0[1-9]"), Source: mustPrefix(t, "*"), RemoveFromLeft: 1, Prefix2Add: "+49"}, // national to E.164
		{Destination: mustPrefix(t, "x"), Source: mustPrefix(t, "*"), LeaveFromRight: 4, Suffix2Add: "#"},
	}
	for in, want := range map[string]string{"95551234": "5551234", "0301234567": "+49301234567", "12345678": "5678#"} {
		if got, ok := Apply(rows, in, in, "101"); !ok || got != want {
			t.Errorf("Apply(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if got, ok := Apply(rows, "*72", "*72", "101"); ok || got != "*72" {
		t.Errorf("no row should match *72: %q %v", got, ok)
	}
}

func TestRouting(t *testing.T) {
	routes := []Route{
		{Destination: mustPrefix(t, "911#"), Source: mustPrefix(t, "*"), Address: "10.0.0.1:5060"},
		{Destination: mustPrefix(t, "2"), Source: mustPrefix(t, "10[1-2]"), Address: "10.0.0.2:5060"},
		{Destination: mustPrefix(t, "*"), Source: mustPrefix(t, "*"), Address: "10.0.0.3:5060"},
	}
	for _, tt := range []struct{ dest, src, want string }{
		{"911", "104", "10.0.0.1:5060"},
		{"9111", "104", "10.0.0.3:5060"},
		{"200", "101", "10.0.0.2:5060"},
		{"200", "103", "10.0.0.3:5060"},
	} {
		if got, _ := TelToIP(routes, tt.dest, tt.src); got != tt.want {
			t.Errorf("route %s from %s = %s, want %s", tt.dest, tt.src, got, tt.want)
		}
	}
	pstn := []PstnRoute{{Destination: mustPrefix(t, "55"), Source: mustPrefix(t, "*"), TrunkGroup: 2}}
	if tg, ok := IPToTel(pstn, "5512", "x"); !ok || tg != 2 {
		t.Fatalf("IPToTel = %d %v", tg, ok)
	}
	if _, ok := IPToTel(pstn, "66", "x"); ok {
		t.Fatal("no row should match 66")
	}
}

func ExampleApply() {
	strip9, _ := ParsePrefix("9")
	any, _ := ParsePrefix("*")
	rows := []Manipulation{{Destination: strip9, Source: any, RemoveFromLeft: 1, Prefix2Add: "+1"}}
	n, _ := Apply(rows, "95551234", "95551234", "101")
	fmt.Println(n)
	// Output: +15551234
}

func FuzzPrefix(f *testing.F) {
	f.Add("1[2-4,7]x#", "1375")
	f.Add("*", "")
	f.Fuzz(func(t *testing.T, prefix, number string) {
		p, err := ParsePrefix(prefix)
		if err != nil {
			return
		}
		if p.Match(number) && !p.any && len(number) < len(p.elems) {
			t.Fatalf("%q matched the shorter %q", prefix, number)
		}
	})
}
