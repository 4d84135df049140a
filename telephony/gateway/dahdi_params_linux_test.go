package gateway

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/hal/dahdi"
	"github.com/potsgate/potsgate/hal/dahdi/dahditest"
	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/provisioning"
)

// tdm410 is a fake TDM410 with two FXS modules (channels 1, 2) and two
// FXO modules (3, 4), and its /proc/dahdi.
func tdm410(t *testing.T) (*dahditest.Device, string) {
	t.Helper()
	dev := dahditest.New(nil)
	dev.AddFXS(1, sim.NewPhone())
	dev.AddFXS(2, sim.NewPhone())
	dev.AddFXO(3, sim.NewLine())
	dev.AddFXO(4, sim.NewLine())
	proc := t.TempDir()
	span := "Span 1: WCTDM/0 \"Wildcard TDM410P\" (MASTER)\n\n\t   1 WCTDM/0/0 FXOKS \n\t   2 WCTDM/0/1 FXOKS \n\t   3 WCTDM/0/2 FXSKS \n\t   4 WCTDM/0/3 FXSKS \n"
	if err := os.WriteFile(filepath.Join(proc, "1"), []byte(span), 0o644); err != nil {
		t.Fatal(err)
	}
	return dev, proc
}

func withMap(t *testing.T, m string) provisioning.Config {
	t.Helper()
	reg, _ := NewRegistry()
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte("DAHDIChannelMap = '"+m+"'\n"))
	if err != nil {
		t.Fatal(err)
	}
	return res.Config
}

func TestDAHDIPorts(t *testing.T) {
	dev, proc := tdm410(t)
	numbers := []string{"101", "102", "103", "104"}
	reg, _ := NewRegistry()
	for name, cfg := range map[string]provisioning.Config{"map": withMap(t, "1-2:fxs,3-4:fxo"), "proc": reg.Defaults()} {
		ports, closePorts, err := DAHDIPorts(cfg, numbers, dahdi.Options{Kernel: dev}, proc)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(ports) != 4 || ports[0].FXS == nil || ports[1].FXS == nil || ports[2].FXO == nil || ports[3].FXO == nil || ports[3].Number != "104" {
			t.Fatalf("%s: ports %+v", name, ports)
		}
		closePorts()
	}
	res, err := reg.ApplyText(withMap(t, "1-4"), "gw.ini", []byte("DAHDIDriverEchoTail = 64\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, closePorts, err := DAHDIPorts(res.Config, numbers, dahdi.Options{Kernel: dev}, proc)
	if err != nil {
		t.Fatal(err)
	}
	defer closePorts()
	if taps := dev.Channel(3).Settings().EchoTaps; taps != 512 {
		t.Fatalf("driver echo canceller taps %d, want 512 for 64 ms", taps)
	}
	if rx := dev.Channel(1).Settings().RxFlash; rx != 700*time.Millisecond {
		t.Fatalf("receive flash time %v, want FlashHookPeriod's 700 ms", rx)
	}
}

// Bad input: an error at start naming the port and the channel, and
// nothing left open.
func TestDAHDIPortsErrors(t *testing.T) {
	dev, proc := tdm410(t)
	held, err := dahdi.Open(2, dahdi.FXS, dahdi.Options{Kernel: dev})
	if err != nil {
		t.Fatal(err)
	}
	numbers := []string{"101", "102", "103"}
	for m, want := range map[string]string{
		"1,9,3":       "port 2: dahdi: channel 9 does not exist",
		"1,2,3":       "port 2: dahdi: channel 2 is already open",
		"1,3:fxs,4":   "port 2: dahdi: channel 3 has FXSKS signalling, an FXO port, not FXS",
		"1-4":         "DAHDIChannelMap maps 4 channels for the 3 ports",
		"1:fxs,3:fxo": "DAHDIChannelMap maps 2 channels for the 3 ports",
	} {
		_, _, err := DAHDIPorts(withMap(t, m), numbers, dahdi.Options{Kernel: dev}, proc)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", m, err, want)
		}
	}
	held.Close()
	// Channel 1 was opened and closed again by each failure.
	p, err := dahdi.Open(1, dahdi.FXS, dahdi.Options{Kernel: dev})
	if err != nil {
		t.Fatalf("channel 1 left open: %v", err)
	}
	p.Close()
	reg, _ := NewRegistry()
	_, _, err = DAHDIPorts(reg.Defaults(), []string{"1", "2", "3", "4", "5"}, dahdi.Options{Kernel: dev}, proc)
	if err == nil || !strings.Contains(err.Error(), "5 ports in the TrunkGroup table, 4 FXS/FXO channels") {
		t.Errorf("more ports than channels: %v", err)
	}
}
