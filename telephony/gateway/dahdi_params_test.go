package gateway

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/potsgate/potsgate/hal/dahdi"
	"github.com/potsgate/potsgate/provisioning"
)

func TestParseDAHDIChannelMap(t *testing.T) {
	got, err := ParseDAHDIChannelMap(" 1-2:fxs, 4:FXO  3 ")
	want := []DAHDIChannel{{1, dahdi.FXS}, {2, dahdi.FXS}, {4, dahdi.FXO}, {3, dahdi.AnyKind}}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("got %v, %v; want %v", got, err, want)
	}
	for in, msg := range map[string]string{
		"0":       `"0" is not a DAHDI channel number`,
		"1025":    `"1025" is not a DAHDI channel number`,
		"5-3":     "the range ends before it starts",
		"1,2,1":   "channel 1 is mapped twice",
		"1:fxq":   "the kind is fxs or fxo",
		"one":     `"one" is not a DAHDI channel number`,
		"1-2-3:x": "the kind is fxs or fxo",
	} {
		if _, err := ParseDAHDIChannelMap(in); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: %v, want %q", in, err, msg)
		}
	}
}

// A bad map is refused on its line; a good one needs a restart.
func TestDAHDIChannelMapParam(t *testing.T) {
	reg, _ := NewRegistry()
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte("DAHDIChannelMap = '1-2:fxs,3-4:fxo'\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(res.RestartRequired, ParamDAHDIChannelMap) {
		t.Errorf("restart required for %v", res.RestartRequired)
	}
	_, err = reg.ApplyText(reg.Defaults(), "gw.ini", []byte("DAHDIChannelMap = '1-2:fxs 2'\n"))
	var ae *provisioning.ApplyError
	if !errors.As(err, &ae) || !strings.Contains(err.Error(), "channel 2 is mapped twice") {
		t.Fatalf("bad map: %v", err)
	}
}

func FuzzParseDAHDIChannelMap(f *testing.F) {
	f.Add("1-2:fxs,3-4:fxo")
	f.Add("7")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseDAHDIChannelMap(s)
		if err != nil {
			return
		}
		seen := map[int]bool{}
		for _, c := range m {
			if c.Channel < 1 || c.Channel > 1024 || seen[c.Channel] {
				t.Fatalf("%q: %v", s, m)
			}
			seen[c.Channel] = true
		}
	})
}
