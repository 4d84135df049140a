package gateway

import (
	"math"
	"sync"
	"testing"
	"time"

	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
)

// captureLeg is a media leg that keeps what the line sends.
type captureLeg struct {
	mu      sync.Mutex
	updates []sdp.Choice
	sent    []int16 // since the last Update
}

func (l *captureLeg) Port() int              { return 40500 }
func (l *captureLeg) Start(sdp.Choice) error { return nil }
func (l *captureLeg) ReadFrame(dst []int16)  { clear(dst) }
func (l *captureLeg) SendDigit(byte)         {}
func (l *captureLeg) Close() error           { return nil }
func (l *captureLeg) WriteFrame(src []int16) {
	l.mu.Lock()
	l.sent = append(l.sent, src...)
	l.mu.Unlock()
}
func (l *captureLeg) Update(c sdp.Choice) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.updates, l.sent = append(l.updates, c), nil
	return nil
}

func (l *captureLeg) snapshot() ([]sdp.Choice, []int16) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]sdp.Choice(nil), l.updates...), append([]int16(nil), l.sent...)
}

type captureMedia struct{ leg *captureLeg }

func (m captureMedia) Open(func(byte)) (MediaLeg, error) { return m.leg, nil }

// TestHoldByHookFlash: the phone of port 101, in a call from SIP, flashes:
// the caller is put on hold (re-INVITE, it answers recvonly) and hears the
// hold tone instead of the phone; the next flash takes it back.
func TestHoldByHookFlash(t *testing.T) {
	leg := &captureLeg{}
	r := newRig(t, "", 1, captureMedia{leg})
	phone := r.phones[0]
	c := r.dial(t, "101", 40200)
	waitFor(t, "101 rings", phone.Ringing)
	phone.PickUp()
	next := events{t, c}.next
	next(sip.EventAnswered)
	voice := make([]int16, 16000) // the phone talks: 1 kHz for 2 s
	for i := range voice {
		voice[i] = int16(8000 * math.Sin(2*math.Pi*1000*float64(i)/8000))
	}

	phone.Flash(300 * time.Millisecond)
	phone.Say(voice) // on hold
	if ev := next(sip.EventModified); ev.Choice.Direction != sdp.RecvOnly {
		t.Fatalf("caller's direction on hold %v, want recvonly", ev.Choice.Direction)
	}
	time.Sleep(250 * time.Millisecond) // inside the hold tone's first 300 ms burst
	updates, sent := leg.snapshot()
	if len(updates) != 1 || updates[0].Direction != sdp.SendOnly {
		t.Fatalf("media updates %+v, want one sendonly", updates)
	}
	// A frame of the other sound may straddle the switch: compare, with margin.
	if len(sent) < 800 || goertzel(sent, 440) < 1e5 || goertzel(sent, 440) < 10*goertzel(sent, 1000) {
		t.Errorf("the held caller does not hear the US hold tone (440 Hz) instead of the phone: 440 Hz %.0f, 1 kHz %.0f, %d samples",
			goertzel(sent, 440), goertzel(sent, 1000), len(sent))
	}

	phone.Flash(300 * time.Millisecond) // once the 2 s of voice are over
	phone.Say(voice)
	if ev := next(sip.EventModified); ev.Choice.Direction != sdp.SendRecv {
		t.Fatalf("caller's direction after retrieve %v, want sendrecv", ev.Choice.Direction)
	}
	time.Sleep(250 * time.Millisecond)
	updates, sent = leg.snapshot()
	if len(updates) != 2 || updates[1].Direction != sdp.SendRecv {
		t.Fatalf("media updates %+v, want sendonly then sendrecv", updates)
	}
	if len(sent) < 800 || goertzel(sent, 1000) < 1e5 || goertzel(sent, 1000) < 10*goertzel(sent, 440) {
		t.Errorf("after retrieve the caller does not hear the phone again: 1 kHz %.0f, 440 Hz %.0f, %d samples",
			goertzel(sent, 1000), goertzel(sent, 440), len(sent))
	}
	_ = c.Hangup(r.ctx)
}

// TestRefusedTransferTakesCallBack: the phone flashes and dials 102 to
// transfer the SIP caller, whose agent refuses REFER: the caller is taken
// off hold again and the phone is back in the call.
func TestRefusedTransferTakesCallBack(t *testing.T) {
	r := newRig(t, "DigitMapping = '1xx'\n", 2, rtpFactory(t))
	phone := r.phones[0]
	c := r.dial(t, "101", 40220)
	waitFor(t, "101 rings", phone.Ringing)
	phone.PickUp()
	var dirs []sdp.Direction
	next := events{t, c}.next
	next(sip.EventAnswered)
	phone.Flash(300 * time.Millisecond)
	dirs = append(dirs, next(sip.EventModified).Choice.Direction)
	phone.Wait(500 * time.Millisecond)
	phone.DialDTMF("102")
	dirs = append(dirs, next(sip.EventModified).Choice.Direction)
	if dirs[0] != sdp.RecvOnly || dirs[1] != sdp.SendRecv {
		t.Fatalf("caller's media %v, want held (recvonly) then back (sendrecv)", dirs)
	}
	waitFor(t, "101 back in the call", func() bool { return r.g.Status().Ports[0].State == "connected" })
	if n := r.g.Counters().Transferred.Load(); n != 0 {
		t.Errorf("%d transfers counted", n)
	}
	_ = c.Hangup(r.ctx)
}
