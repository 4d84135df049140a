package dahdi_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/potsgate/potsgate/hal/dahdi"
)

// A TDM410 with two FXS modules and two FXO modules, and a second card
// with an empty slot, an unconfigured channel and one FXS module.
func TestProcChannels(t *testing.T) {
	chans, err := dahdi.ProcChannels("testdata/proc")
	if err != nil {
		t.Fatal(err)
	}
	want := []dahdi.ChannelInfo{
		{1, "WCTDM/0/0", "FXOKS", dahdi.FXS, true},
		{2, "WCTDM/0/1", "FXOKS", dahdi.FXS, false},
		{3, "WCTDM/0/2", "FXSKS", dahdi.FXO, false},
		{4, "WCTDM/0/3", "FXSKS", dahdi.FXO, false},
		{5, "WCTDM/1/0", "Unconfigured", dahdi.AnyKind, false},
		{6, "WCTDM/1/1", "Unconfigured", dahdi.AnyKind, false},
		{7, "WCTDM/1/2", "FXOLS", dahdi.FXS, false},
	}
	if len(chans) != len(want) {
		t.Fatalf("got %+v", chans)
	}
	for i := range want {
		if chans[i] != want[i] {
			t.Errorf("channel %d: %+v, want %+v", i+1, chans[i], want[i])
		}
	}
	if a := dahdi.AnalogChannels(chans); len(a) != 5 || a[4].Channel != 7 {
		t.Fatalf("analog channels %+v", a)
	}
	if _, err := dahdi.ProcChannels("testdata/none"); err == nil || !strings.Contains(err.Error(), "driver loaded") {
		t.Fatalf("no /proc/dahdi: %v", err)
	}
	if _, err := dahdi.ParseProc(strings.NewReader("\t9999 X FXOKS\n")); err == nil {
		t.Fatal("channel 9999 accepted")
	}
}

func FuzzParseProc(f *testing.F) {
	f.Add([]byte("Span 1: WCTDM/0 \"x\"\n\t   1 WCTDM/0/0 FXOKS \n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		chans, err := dahdi.ParseProc(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, c := range chans {
			if c.Channel < 1 || c.Channel > 1024 || c.Name == "" || c.Signalling == "" {
				t.Fatalf("bad channel %+v", c)
			}
			if (c.Kind == dahdi.FXS) != slices.Contains([]string{"FXOKS", "FXOLS", "FXOGS"}, c.Signalling) {
				t.Fatalf("kind %v for %s", c.Kind, c.Signalling)
			}
		}
	})
}
