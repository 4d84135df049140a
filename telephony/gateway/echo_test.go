package gateway

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/media/tone"
	"github.com/potsgate/potsgate/media/wav"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
	"github.com/potsgate/potsgate/snmp"
)

func TestEchoParams(t *testing.T) {
	reg, _ := NewRegistry()
	if o := EchoOptions(reg.Defaults()); !o.Enabled || o.Tail != 64*time.Millisecond {
		t.Errorf("defaults %+v, want enabled with a 64 ms tail", o)
	}
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte("EchoCancellerLength = 128\nMaxEchoCancellerLength = 32\nIsEchoCancellerEnabled = 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	if o := EchoOptions(res.Config); o.Enabled || o.Tail != 32*time.Millisecond {
		t.Errorf("%+v, want disabled, cut to 32 ms", o)
	}
	if _, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte("EchoCancellerLength = 100\n")); err == nil {
		t.Error("a 100 ms tail was accepted")
	}
}

// farEndSpeech is espeak-ng speech (resampled to 8 kHz by sox), repeated
// to n samples.
func farEndSpeech(t *testing.T, n int) []int16 {
	t.Helper()
	espeak := peer.Require(t, "espeak-ng")
	sox := peer.Require(t, "sox")
	dir := t.TempDir()
	raw, s8 := filepath.Join(dir, "s.wav"), filepath.Join(dir, "s8k.wav")
	text := "Hello, this is the far end. Can you hear me well, or do you hear your own voice coming back?"
	if out, err := peer.Run(t, time.Minute, dir, espeak, "-v", "en", "-w", raw, text); err != nil {
		t.Fatalf("espeak-ng: %v\n%s", err, out)
	}
	if out, err := peer.Run(t, time.Minute, dir, sox, raw, "-r", "8000", "-b", "16", "-c", "1", s8); err != nil {
		t.Fatalf("sox: %v\n%s", err, out)
	}
	f, err := os.Open(s8)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, pcm, err := wav.Read(f)
	if err != nil || len(pcm) == 0 {
		t.Fatalf("speech: %d samples, %v", len(pcm), err)
	}
	out := make([]int16, n)
	for i := range out {
		out[i] = pcm[i%len(pcm)]
	}
	return out
}

// echoCallOverRTP calls an FXO port whose line has a G.168 D.5 hybrid
// (6 dB ERL) from a SIP agent that plays speech over RTP, and returns what
// the agent received over RTP after 4 s of the call, for 3 s.
func echoCallOverRTP(t *testing.T, ini string, talk []int16) ([]int16, *EchoStatus, snmp.PortStatus) {
	t.Helper()
	reg, _ := NewRegistry()
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(ini))
	if err != nil {
		t.Fatal(err)
	}
	us, _ := tone.Country("US")
	exch := sim.NewLine()
	hybrid, err := sim.NewEchoPath(sim.Hybrid{Response: sim.G168D5.Response(6), Delay: 3 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	exch.SetEcho(hybrid)
	g, err := New(Options{Config: res.Config, Ports: []Port{{Number: "201", FXO: exch}}, Tones: us, Media: rtpFactory(t), Paced: true,
		SIP: sip.Config{ListenAddr: "127.0.0.1:0", Codecs: []sdp.Format{pcmu}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	caller, err := sip.Listen(sip.Config{ListenAddr: "127.0.0.1:0", Codecs: []sdp.Format{pcmu}}, refuseAll{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	go caller.Serve(ctx)
	t.Cleanup(func() { caller.Close() })

	// The far end's own RTP leg, from the gateway's media code.
	leg, err := rtpFactory(t).Open(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer leg.Close()
	c, err := caller.Dial(ctx, sip.Dial{To: "201", Host: g.SIPAddr(), From: "555", LocalPort: leg.Port()})
	if err != nil {
		t.Fatal(err)
	}
	ev := events{t, c}.next(sip.EventAnswered)
	if err := leg.Start(ev.Choice); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Hangup(ctx) }()
	// Real time: the paced gateway runs 10 ms frames on its clock.
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	frame := make([]int16, 80)
	var heard []int16
	for i := 0; i+80 <= 7*8000; i += 80 {
		<-tick.C
		leg.WriteFrame(talk[i : i+80])
		leg.ReadFrame(frame)
		if i >= 4*8000 {
			heard = append(heard, frame...)
		}
	}
	return heard, g.Status().Ports[0].Echo, (&SNMPDevice{G: g}).Ports()[0]
}

// TestFXOEchoOverRTP: a SIP caller talks (espeak-ng speech) to a line
// behind an FXO port whose hybrid returns its voice 6 dB down (G.168 model
// D.5). Measured on the RTP it receives, after convergence, the echo is
// more than 30 dB lower with the canceller (the default) than without.
func TestFXOEchoOverRTP(t *testing.T) {
	talk := farEndSpeech(t, 7*8000)
	// The line is seized and dialled at once (no dial tone to wait for),
	// then answered toward SIP.
	const line = "IsWaitForDialTone = 0\n"
	without, off, offSNMP := echoCallOverRTP(t, line+"IsEchoCancellerEnabled = 0\n", talk)
	with, on, onSNMP := echoCallOverRTP(t, line, talk)
	// The status page (and Status) and SNMP show each port's canceller.
	if off != nil || on == nil || on.ERLE < 20 || on.ERL < 3 || on.State == "idle" {
		t.Errorf("echo status without canceller %+v, with %+v", off, on)
	}
	if offSNMP.Echo != snmp.EchoOff || onSNMP.Echo < snmp.EchoActive || onSNMP.EchoERLE < 200 {
		t.Errorf("pgPortEcho* without canceller %v, with %v (ERL %d, ERLE %d)", offSNMP.Echo, onSNMP.Echo, onSNMP.EchoERL, onSNMP.EchoERLE)
	}
	e := func(x []int16) float64 {
		var s float64
		for _, v := range x {
			s += float64(v) * float64(v)
		}
		return s
	}
	if e(without) < 1e3*float64(len(without)) {
		t.Fatalf("without canceller the caller hears no echo (mean square %.0f): the hybrid is not in the path", e(without)/float64(len(without)))
	}
	reduction := 10 * math.Log10(e(without)/(e(with)+1))
	t.Logf("echo on the received RTP: %.1f dB lower with the canceller", reduction)
	if reduction < 30 {
		t.Errorf("echo reduced by %.1f dB, want >= 30", reduction)
	}
}
