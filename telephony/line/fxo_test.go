package line

import (
	"testing"
	"time"
)

func TestFXOOneStageWithCallerID(t *testing.T) {
	cid := CallerID{Number: "5551234", Name: "BOB"}
	m := NewFXO(FXOConfig{Target: "101", DisconnectOnPolarity: true})
	m, log := runScript(m, 9*time.Second,
		at{0, ev(RingStart)}, at{2 * time.Second, ev(RingStop)},
		at{3 * time.Second, Event{Kind: CallerIDReceived, CallerID: cid}},
		at{6 * time.Second, ev(RingStart)}, at{8 * time.Second, ev(RingStop)},
		at{8500 * ms, ev(RemoteAnswered)},
	)
	wantLog(t, log, "6s place-call 101", "8.5s seize on", "8.5s media on")
	if m.State() != FXOConnected || m.caller.Number != "5551234" {
		t.Fatalf("state %v caller %+v", m.State(), m.caller)
	}
	// The PBX signals disconnect by polarity reversal.
	m, log = runScript(m, 0, at{0, ev(PolarityReversal)})
	wantLog(t, log, "0s hangup", "0s media off", "0s seize off")
	if m.State() != FXOIdle {
		t.Fatalf("state %v", m.State())
	}
}

func TestFXOCallerGivesUpBeforeAnswer(t *testing.T) {
	_, log := runScript(NewFXO(FXOConfig{Target: "101"}), 20*time.Second,
		at{0, ev(RingStart)}, at{2 * time.Second, ev(RingStop)},
		at{6 * time.Second, ev(RingStart)}, at{8 * time.Second, ev(RingStop)})
	// No ring for RingTimeout (8 s) after the last one began: cancel.
	wantLog(t, log, "6s place-call 101", "14s hangup")
}

func TestFXOTwoStage(t *testing.T) {
	m := NewFXO(FXOConfig{TwoStageDial: true, NumberOfRings: 1, DigitMap: mustMap(t, "1xx"), DisconnectOnCurrentLoss: true})
	m, log := runScript(m, 10*time.Second,
		at{0, ev(RingStart)}, at{2 * time.Second, ev(RingStop)},
		at{6 * time.Second, ev(RingStart)},
		at{7 * time.Second, key('1')}, at{7200 * ms, key('0')}, at{7400 * ms, key('4')},
		at{8 * time.Second, ev(RemoteRinging)}, at{9 * time.Second, ev(RemoteAnswered)},
	)
	wantLog(t, log, "6s seize on", "6s play-tone dial", "7s play-tone none", "7.4s place-call 104",
		"8s play-tone ringback", "9s media on")
	_, log = runScript(m, 0, at{0, ev(LoopCurrentLoss)})
	wantLog(t, log, "0s hangup", "0s media off", "0s play-tone none", "0s seize off")
}

func TestFXOOutgoingWaitsForDialTone(t *testing.T) {
	m := NewFXO(FXOConfig{WaitForDialTone: true, DisconnectOnBusyTone: true})
	m, log := runScript(m, 2*time.Second,
		at{0, Event{Kind: IncomingCall, Number: "0123456"}},
		at{800 * ms, ev(DialToneDetected)},
	)
	wantLog(t, log, "0s seize on", "800ms dial-digits 0123456", "800ms answer", "800ms media on")
	_, log = runScript(m, 0, at{0, ev(BusyToneDetected)})
	wantLog(t, log, "0s hangup", "0s media off", "0s seize off")

	// No dial tone: give up after DialToneTimeout.
	_, log = runScript(NewFXO(FXOConfig{WaitForDialTone: true}), 6*time.Second, at{0, Event{Kind: IncomingCall, Number: "1"}})
	wantLog(t, log, "0s seize on", "5s seize off", "5s hangup")

	// Without waiting: dial WaitForDialTime after seizing.
	_, log = runScript(NewFXO(FXOConfig{}), 2*time.Second, at{0, Event{Kind: IncomingCall, Number: "1"}})
	wantLog(t, log, "0s seize on", "1s dial-digits 1", "1s answer", "1s media on")
}

func TestFXONetworkHangupReleasesLine(t *testing.T) {
	m, _ := runScript(NewFXO(FXOConfig{}), 2*time.Second, at{0, Event{Kind: IncomingCall, Number: "1"}})
	m, log := runScript(m, 0, at{0, ev(RemoteHangup)}, at{0, Event{Kind: IncomingCall, Number: "2"}})
	wantLog(t, log, "0s media off", "0s seize off", "0s seize on")
	_, log = runScript(m, 0, at{0, Event{Kind: IncomingCall, Number: "3"}})
	wantLog(t, log, "0s reject-busy")
}

func TestFXOAnswerSupervisionByPolarity(t *testing.T) {
	m := NewFXO(FXOConfig{AnswerOnPolarity: true, DisconnectOnPolarity: true})
	m, log := runScript(m, 5*time.Second,
		at{0, Event{Kind: IncomingCall, Number: "42"}},
		at{3 * time.Second, ev(PolarityReversal)}, // the called party answers
	)
	wantLog(t, log, "0s seize on", "1s dial-digits 42", "1s media on", "3s answer")
	_, log = runScript(m, 0, at{0, ev(PolarityReversal)}) // and hangs up
	wantLog(t, log, "0s hangup", "0s media off", "0s seize off")
}

func TestFXOSilenceDisconnect(t *testing.T) {
	m, _ := runScript(NewFXO(FXOConfig{SilenceTimeout: time.Minute}), 2*time.Second, at{0, Event{Kind: IncomingCall, Number: "1"}})
	_, log := runScript(m, 0, at{0, ev(SilenceDetected)})
	wantLog(t, log, "0s hangup", "0s media off", "0s seize off")
	// Without a silence timeout the event is ignored.
	m, _ = runScript(NewFXO(FXOConfig{}), 2*time.Second, at{0, Event{Kind: IncomingCall, Number: "1"}})
	_, log = runScript(m, 0, at{0, ev(SilenceDetected)})
	wantLog(t, log)
}
