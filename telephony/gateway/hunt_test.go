package gateway

import (
	"fmt"
	"strings"
	"testing"
)

type fakePort struct {
	num  string
	busy bool
}

func (f *fakePort) phoneNumber() string { return f.num }
func (f *fakePort) idle() bool          { return !f.busy }

// TestChannelSelectModes: each mode picks the port the device's manual
// describes, over a group of four ports 201-204 (indexes 0-3).
func TestChannelSelectModes(t *testing.T) {
	type call struct{ called, caller string }
	cases := []struct {
		mode  ChannelSelectMode
		busy  []int // port indexes off hook
		calls []call
		want  string // chosen port numbers, "-" for none, "B" for busy
	}{
		{ByDestNumber, nil, []call{{"203", "x"}, {"209", "x"}}, "203 -"},
		{ByDestNumber, []int{2}, []call{{"203", "x"}}, "B"},
		{Ascending, nil, []call{{"9", "x"}, {"9", "x"}}, "201 201"},
		{Ascending, []int{0, 1}, []call{{"9", "x"}}, "203"},
		{Descending, nil, []call{{"9", "x"}, {"9", "x"}}, "204 204"},
		{Descending, []int{3}, []call{{"9", "x"}}, "203"},
		{CyclicAscending, nil, []call{{"9", "x"}, {"9", "x"}, {"9", "x"}, {"9", "x"}, {"9", "x"}}, "201 202 203 204 201"},
		{CyclicAscending, []int{1}, []call{{"9", "x"}, {"9", "x"}, {"9", "x"}}, "201 203 204"},
		{CyclicDescending, nil, []call{{"9", "x"}, {"9", "x"}, {"9", "x"}, {"9", "x"}, {"9", "x"}}, "204 203 202 201 204"},
		{DestNumberCyclicAscending, nil, []call{{"202", "x"}, {"9", "x"}, {"9", "x"}}, "202 201 202"},
		{DestNumberCyclicAscending, []int{1}, []call{{"202", "x"}}, "B"},
		{DestNumberAscending, []int{0}, []call{{"204", "x"}, {"9", "x"}}, "204 202"},
		{BySourceNumber, nil, []call{{"9", "202"}, {"9", "555"}}, "202 -"},
		{Ascending, []int{0, 1, 2, 3}, []call{{"9", "x"}}, "B"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/busy%v", c.mode, c.busy), func(t *testing.T) {
			ports := []*fakePort{{num: "201"}, {num: "202"}, {num: "203"}, {num: "204"}}
			for _, i := range c.busy {
				ports[i].busy = true
			}
			hg := huntGroup{ports: []int{0, 1, 2, 3}, mode: c.mode}
			var h hunter
			var got []string
			for _, cl := range c.calls {
				pos, busy := h.pick(1, hg, func(i int) candidate { return ports[i] }, cl.called, cl.caller)
				switch {
				case busy:
					got = append(got, "B")
				case pos < 0:
					got = append(got, "-")
				default:
					got = append(got, ports[hg.ports[pos]].num)
				}
			}
			if g := strings.Join(got, " "); g != c.want {
				t.Errorf("picked %q, want %q", g, c.want)
			}
		})
	}
}

// TestChannelSelectModeConfig: the global mode applies to groups without a
// TrunkGroupSettings row; values the analog device does not have are
// refused by name.
func TestChannelSelectModeConfig(t *testing.T) {
	reg, err := NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(`ChannelSelectMode = 4
[ TrunkGroup ]
FORMAT TrunkGroup_Index = TrunkGroup_TrunkGroupNum, TrunkGroup_FirstBChannel, TrunkGroup_LastBChannel, TrunkGroup_FirstPhoneNumber;
TrunkGroup 0 = 1, 1, 2, 101;
TrunkGroup 1 = 2, 3, 4, 201;
[ \TrunkGroup ]
[ TrunkGroupSettings ]
FORMAT TrunkGroupSettings_Index = TrunkGroupSettings_TrunkGroupId, TrunkGroupSettings_ChannelSelectMode;
TrunkGroupSettings 0 = 2, 1;
[ \TrunkGroupSettings ]
`))
	if err != nil {
		t.Fatal(err)
	}
	pl, err := newPlan(res.Config, 4)
	if err != nil {
		t.Fatal(err)
	}
	if g := pl.groups[1]; g.mode != Descending || fmt.Sprint(g.ports) != "[0 1]" {
		t.Errorf("group 1: %+v, want descending over ports [0 1]", g)
	}
	if g := pl.groups[2]; g.mode != CyclicAscending || fmt.Sprint(g.ports) != "[2 3]" {
		t.Errorf("group 2: %+v, want cyclic ascending over ports [2 3]", g)
	}
	if _, err := reg.ApplyText(reg.Defaults(), "bad.ini", []byte("ChannelSelectMode = 8\n")); err == nil || !strings.Contains(err.Error(), "ChannelSelectMode") {
		t.Errorf("mode 8 (digital trunks only) accepted or not named: %v", err)
	}
}
