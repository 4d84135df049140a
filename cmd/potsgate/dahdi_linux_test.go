package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/hal/dahdi"
	"github.com/potsgate/potsgate/hal/dahdi/dahditest"
	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/telephony/gateway"
)

// dahdiIni is the embedded default on a TDM410 with two FXS and two FXO
// modules, on free ports.
func dahdiIni(t *testing.T, channelMap string) string {
	t.Helper()
	sas := peer.FreeUDPPort(t)
	base := 20000 + 2*int(time.Now().UnixNano()%5000)
	ini := string(defaultIni) + fmt.Sprintf("\nLocalSIPPort = %d\nBaseUDPPort = %d\nRTPPortCount = 100\nSASLocalSIPUDPPort = %d\nProxyIP = '127.0.0.1:%d'\nDAHDIChannelMap = '%s'\n",
		peer.FreeUDPPort(t), base, sas, sas, channelMap)
	path := filepath.Join(t.TempDir(), "gw.ini")
	if err := os.WriteFile(path, []byte(ini), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// potsgate -hal dahdi on a (fake) TDM410: the phone on channel 1 dials
// 102 and the phone on channel 2 rings, through the DAHDI ports paced by
// the card's clock; the channels are closed when the gateway stops.
func TestDAHDIGatewayCall(t *testing.T) {
	dev := dahditest.New(dahditest.NewRealTime())
	a, b := sim.NewPhone(), sim.NewPhone()
	a.Record(false)
	b.Record(false)
	chA := dev.AddFXS(1, a)
	dev.AddFXS(2, b)
	chFXO := dev.AddFXO(3, sim.NewLine())
	dev.AddFXO(4, sim.NewLine())
	path := dahdiIni(t, "1-2:fxs,3-4:fxo")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	up, done := make(chan running, 1), make(chan error, 1)
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	go func() {
		done <- runGateway(ctx, gatewayFlags{config: path, tones: "us", state: t.TempDir(), hal: halDAHDI, dahdi: dahdi.Options{Kernel: dev}}, log, func(r running) { up <- r })
	}()
	select {
	case <-up:
	case err := <-done:
		t.Fatalf("gateway did not start: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("gateway did not start")
	}
	if !chA.Settings().Open || !chFXO.Settings().Open {
		t.Fatal("channels not open")
	}
	a.PickUp()
	a.Wait(500 * time.Millisecond)
	a.DialDTMF("102")
	deadline := time.Now().Add(20 * time.Second)
	for len(b.RingChanges()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("102 never rang (phone A at %v)", a.Now())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("gateway: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("gateway did not stop")
	}
	if chA.Settings().Open || chFXO.Settings().Open {
		t.Fatal("channels left open after the gateway stopped")
	}
}

// Bad input stops the start with an error naming the channel.
func TestDAHDIGatewayBadChannels(t *testing.T) {
	dev := dahditest.New(nil)
	dev.AddFXS(1, sim.NewPhone())
	dev.AddFXS(2, sim.NewPhone())
	dev.AddFXO(3, sim.NewLine())
	dev.AddFXO(4, sim.NewLine())
	held, err := dahdi.Open(4, dahdi.FXO, dahdi.Options{Kernel: dev})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	for m, want := range map[string]string{
		"1,2,9,3":         "port 3: dahdi: channel 9 does not exist",
		"1-2:fxs,3:fxs,4": "port 3: dahdi: channel 3 has FXSKS signalling, an FXO port, not FXS",
		"1-4":             "port 4: dahdi: channel 4 is already open",
	} {
		err := runGateway(t.Context(), gatewayFlags{config: dahdiIni(t, m), tones: "us", state: t.TempDir(), hal: halDAHDI, dahdi: dahdi.Options{Kernel: dev}},
			slog.New(slog.DiscardHandler), nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", m, err, want)
		}
	}
}

func TestHalFlag(t *testing.T) {
	var stderr strings.Builder
	if code := run([]string{"-hal", "pcm"}, &strings.Builder{}, &stderr); code != 2 || !strings.Contains(stderr.String(), `-hal "pcm"`) {
		t.Fatalf("exit %d, %q", code, stderr.String())
	}
}

// The TDM410 ini of docs/hardware.md is valid and builds four ports on a
// TDM410 with two FXS and two FXO modules.
func TestTDM410Ini(t *testing.T) {
	reg, err := gateway.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := loadConfig(reg, "testdata/tdm410.ini")
	if err != nil {
		t.Fatal(err)
	}
	numbers, err := portNumbers(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dev := dahditest.New(nil)
	dev.AddFXS(1, sim.NewPhone())
	dev.AddFXS(2, sim.NewPhone())
	dev.AddFXO(3, sim.NewLine())
	dev.AddFXO(4, sim.NewLine())
	ports, closePorts, err := gateway.DAHDIPorts(cfg, numbers, dahdi.Options{Kernel: dev}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer closePorts()
	if len(ports) != 4 || ports[0].Number != "101" || ports[1].FXS == nil || ports[2].FXO == nil || ports[3].Number != "104" {
		t.Fatalf("ports %+v", ports)
	}
	if err := gateway.CheckConfig(cfg, ports); err != nil {
		t.Fatal(err)
	}
}
