package line

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/telephony/digitmap"
)

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// at is an event at an offset from t0.
type at struct {
	d  time.Duration
	ev Event
}

func ev(k EventKind) Event { return Event{Kind: k} }

func key(d byte) Event { return Event{Kind: Digit, Digit: d} }

// machine is what the script runner drives: FXS or FXO.
type machine[M any] interface {
	Next(Event, time.Time) (M, []Action)
}

// runScript drives a machine with a tick every 10 ms up to end, injecting
// the script's events at their times, and returns the actions as
// "offset action" lines.
func runScript[M machine[M]](m M, end time.Duration, script ...at) (M, []string) {
	var log []string
	record := func(d time.Duration, acts []Action) {
		for _, a := range acts {
			log = append(log, fmt.Sprintf("%v %v", d, a))
		}
	}
	i := 0
	for d := time.Duration(0); d <= end; d += 10 * time.Millisecond {
		for i < len(script) && script[i].d <= d {
			var acts []Action
			m, acts = m.Next(script[i].ev, t0.Add(script[i].d))
			record(script[i].d, acts)
			i++
		}
		var acts []Action
		m, acts = m.Next(Event{Kind: Tick}, t0.Add(d))
		record(d, acts)
	}
	return m, log
}

func mustMap(t *testing.T, s string) *digitmap.Map {
	t.Helper()
	m, err := digitmap.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func wantLog(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("actions\n got: %s\nwant: %s", strings.Join(got, " | "), strings.Join(want, " | "))
	}
}

const ms = time.Millisecond

func TestFXSDialByDigitMap(t *testing.T) {
	m := NewFXS(FXSConfig{DigitMap: mustMap(t, "1xx|9xxxxxxT")})
	m, log := runScript(m, 3*time.Second,
		at{0, ev(HookOff)},
		at{500 * ms, key('1')},
		at{800 * ms, key('0')},
		at{1100 * ms, key('3')},
		at{2 * time.Second, ev(RemoteRinging)},
		at{2500 * ms, ev(RemoteAnswered)},
		at{2600 * ms, key('5')},
	)
	wantLog(t, log,
		"0s play-tone dial", "500ms play-tone none", "1.1s place-call 103",
		"2s play-tone ringback", "2.5s play-tone none", "2.5s media on", "2.6s send-digit 5")
	if m.State() != FXSConnected {
		t.Fatalf("state %v", m.State())
	}
}

func TestFXSInterDigitTimerAndRejection(t *testing.T) {
	cfg := FXSConfig{DigitMap: mustMap(t, "9xxxT|2xxx"), TimeBetweenDigits: 4 * time.Second, TimeForReorder: 10 * time.Second}
	// 9 + three digits: complete when the inter-digit timer expires.
	_, log := runScript(NewFXS(cfg), 6*time.Second, at{0, ev(HookOff)}, at{100 * ms, key('9')},
		at{200 * ms, key('1')}, at{300 * ms, key('2')}, at{400 * ms, key('3')})
	wantLog(t, log, "0s play-tone dial", "100ms play-tone none", "4.4s place-call 9123")

	// No rule for 5: reorder at once, howler after TimeForReorder.
	m, log := runScript(NewFXS(cfg), 11*time.Second, at{0, ev(HookOff)}, at{time.Second, key('5')})
	wantLog(t, log, "0s play-tone dial", "1s play-tone none", "1s play-tone reorder", "11s play-tone howler")
	if m.State() != FXSHowler {
		t.Fatalf("state %v", m.State())
	}

	// A partial number left hanging is rejected when the timer expires.
	_, log = runScript(NewFXS(cfg), 6*time.Second, at{0, ev(HookOff)}, at{100 * ms, key('2')}, at{200 * ms, key('1')})
	wantLog(t, log, "0s play-tone dial", "100ms play-tone none", "4.2s play-tone reorder")
}

func TestFXSHashEndsDiallingAndMaxDigits(t *testing.T) {
	_, log := runScript(NewFXS(FXSConfig{}), time.Second, at{0, ev(HookOff)},
		at{100 * ms, key('4')}, at{200 * ms, key('2')}, at{300 * ms, key('#')})
	wantLog(t, log, "0s play-tone dial", "100ms play-tone none", "300ms place-call 42")

	_, log = runScript(NewFXS(FXSConfig{MaxDigits: 3}), time.Second, at{0, ev(HookOff)},
		at{100 * ms, key('4')}, at{200 * ms, key('2')}, at{300 * ms, key('7')})
	wantLog(t, log, "0s play-tone dial", "100ms play-tone none", "300ms place-call 427")

	// A map rule that starts with # keeps # as a digit.
	_, log = runScript(NewFXS(FXSConfig{DigitMap: mustMap(t, "#xx")}), time.Second, at{0, ev(HookOff)},
		at{100 * ms, key('#')}, at{200 * ms, key('1')}, at{300 * ms, key('2')})
	wantLog(t, log, "0s play-tone dial", "100ms play-tone none", "300ms place-call #12")

	// Without a map the inter-digit timer completes the number.
	_, log = runScript(NewFXS(FXSConfig{}), 5*time.Second, at{0, ev(HookOff)}, at{100 * ms, key('7')})
	wantLog(t, log, "0s play-tone dial", "100ms play-tone none", "4.1s place-call 7")
}

func TestFXSDialToneTimeoutGivesHowler(t *testing.T) {
	m, log := runScript(NewFXS(FXSConfig{TimeForDialTone: 16 * time.Second}), 17*time.Second, at{0, ev(HookOff)})
	wantLog(t, log, "0s play-tone dial", "16s play-tone howler")
	_, log = runScript(m, time.Second, at{0, ev(HookOn)})
	wantLog(t, log, "700ms play-tone none")
}

// pulses returns the hook events of a rotary dial sending digit d at start.
func pulses(start time.Duration, d int) []at {
	var s []at
	for range d {
		s = append(s, at{start, ev(HookOn)}, at{start + 60*ms, ev(HookOff)})
		start += 100 * ms
	}
	return s
}

func TestFXSPulseDialling(t *testing.T) {
	script := []at{{0, ev(HookOff)}}
	script = append(script, pulses(time.Second, 4)...)
	script = append(script, pulses(2*time.Second, 10)...)
	_, log := runScript(NewFXS(FXSConfig{DigitMap: mustMap(t, "40")}), 4*time.Second, script...)
	// 4 pulses end at 1.36 s; the digit is known 300 ms after the last make.
	wantLog(t, log, "0s play-tone dial", "1.66s play-tone none", "3.26s place-call 40")
}

func TestFXSFlashAndHangUpWindows(t *testing.T) {
	cfg := FXSConfig{Hotline: "200"}
	m, log := runScript(NewFXS(cfg), 4*time.Second,
		at{0, ev(HookOff)},
		at{time.Second, ev(RemoteAnswered)},
		at{2 * time.Second, ev(HookOn)}, at{2050 * ms, ev(HookOff)}, // 50 ms: a glitch, ignored in a call
		at{3 * time.Second, ev(HookOn)}, at{3300 * ms, ev(HookOff)}, // 300 ms: flash
	)
	wantLog(t, log, "0s place-call 200", "1s media on", "3.3s send-flash")
	_, log = runScript(m, 2*time.Second, at{0, ev(HookOn)})
	wantLog(t, log, "700ms hangup", "700ms media off")
}

func TestFXSHotlineAfterDelay(t *testing.T) {
	_, log := runScript(NewFXS(FXSConfig{Hotline: "911", HotlineDelay: 3 * time.Second}), 4*time.Second, at{0, ev(HookOff)})
	wantLog(t, log, "0s play-tone dial", "3s play-tone none", "3s place-call 911")
	// A digit before the delay turns it into normal dialling.
	_, log = runScript(NewFXS(FXSConfig{Hotline: "911", HotlineDelay: 3 * time.Second, DigitMap: mustMap(t, "1xx")}), 4*time.Second,
		at{0, ev(HookOff)}, at{time.Second, key('1')}, at{1100 * ms, key('2')}, at{1200 * ms, key('3')})
	wantLog(t, log, "0s play-tone dial", "1s play-tone none", "1.2s place-call 123")
}

func TestFXSIncomingCallRingsWithCallerIDAndAnswers(t *testing.T) {
	cid := CallerID{Number: "5551234", Name: "ALICE"}
	m := NewFXS(FXSConfig{CallerID: true, ReversePolarity: true})
	m, log := runScript(m, 9*time.Second,
		at{0, Event{Kind: IncomingCall, CallerID: cid}},
		at{8500 * ms, ev(HookOff)},
	)
	wantLog(t, log, "0s set-ring on", "2s set-ring off", "2s send-caller-id 5551234", "6s set-ring on",
		"8s set-ring off", "8.5s answer", "8.5s media on")
	// A second call while busy is refused.
	m, log = runScript(m, 0, at{0, Event{Kind: IncomingCall}})
	wantLog(t, log, "0s reject-busy")
	// The far end hangs up: busy tone, then on-hook ends it.
	m, log = runScript(m, time.Second, at{0, ev(RemoteHangup)}, at{100 * ms, ev(HookOn)})
	wantLog(t, log, "0s media off", "0s play-tone busy", "800ms play-tone none")
	if m.State() != FXSIdle {
		t.Fatalf("state %v", m.State())
	}
}

func TestFXSCallerGivesUpWhileRinging(t *testing.T) {
	_, log := runScript(NewFXS(FXSConfig{}), 3*time.Second,
		at{0, Event{Kind: IncomingCall}}, at{2500 * ms, ev(RemoteHangup)})
	wantLog(t, log, "0s set-ring on", "2s set-ring off") // nothing else: the ringing just ends
	_, log = runScript(NewFXS(FXSConfig{}), 3*time.Second,
		at{0, Event{Kind: IncomingCall}}, at{1500 * ms, ev(RemoteHangup)})
	wantLog(t, log, "0s set-ring on", "1.5s set-ring off")
}

func TestFXSPolarityOnAnswerAndDisconnect(t *testing.T) {
	_, log := runScript(NewFXS(FXSConfig{ReversePolarity: true, DigitMap: mustMap(t, "1")}), 3*time.Second,
		at{0, ev(HookOff)}, at{100 * ms, key('1')}, at{time.Second, ev(RemoteAnswered)}, at{2 * time.Second, ev(RemoteHangup)})
	wantLog(t, log, "0s play-tone dial", "100ms play-tone none", "100ms place-call 1",
		"1s media on", "1s set-polarity on", "2s media off", "2s set-polarity off", "2s play-tone busy")
}

func TestFXSCallFailedBusyOrReorder(t *testing.T) {
	for cause, tone := range map[Cause]string{CauseBusy: "busy", CauseUnavailable: "reorder"} {
		_, log := runScript(NewFXS(FXSConfig{Hotline: "1"}), time.Second, at{0, ev(HookOff)}, at{500 * ms, Event{Kind: CallFailed, Cause: cause}})
		wantLog(t, log, "0s place-call 1", "500ms play-tone "+tone)
	}
}

func ExampleFXS() {
	dm, _ := digitmap.Parse("1xx")
	m := NewFXS(FXSConfig{DigitMap: dm})
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	for _, e := range []Event{{Kind: HookOff}, {Kind: Digit, Digit: '1'}, {Kind: Digit, Digit: '0'}, {Kind: Digit, Digit: '2'}} {
		var acts []Action
		m, acts = m.Next(e, now)
		for _, a := range acts {
			fmt.Println(a)
		}
		now = now.Add(time.Second)
	}
	fmt.Println(m.State())
	// Output:
	// play-tone dial
	// play-tone none
	// place-call 102
	// calling
}

func TestFXSDistinctiveRingingAndCallerIDInLongestPause(t *testing.T) {
	cad := []time.Duration{400 * ms, 200 * ms, 400 * ms, 2 * time.Second}
	_, log := runScript(NewFXS(FXSConfig{CallerID: true}), 6*time.Second,
		at{0, Event{Kind: IncomingCall, CallerID: CallerID{Number: "42"}, Cadence: cad}})
	wantLog(t, log, "0s set-ring on", "400ms set-ring off", "600ms set-ring on", "1s set-ring off",
		"1s send-caller-id 42", "3s set-ring on", "3.4s set-ring off", "3.6s set-ring on", "4s set-ring off",
		"6s set-ring on")
}

func TestFXSMessageWaiting(t *testing.T) {
	m, log := runScript(NewFXS(FXSConfig{}), time.Second,
		at{0, Event{Kind: MessageWaiting, On: true}}, at{100 * ms, Event{Kind: MessageWaiting, On: true}},
		at{500 * ms, ev(HookOff)})
	wantLog(t, log, "0s set-mwi on", "500ms play-tone stutter-dial")
	m, _ = runScript(m, time.Second, at{0, ev(HookOn)})
	_, log = runScript(m, time.Second, at{0, Event{Kind: MessageWaiting}}, at{500 * ms, ev(HookOff)})
	wantLog(t, log, "0s set-mwi off", "500ms play-tone dial")
}

func TestFXSCallWaitingWithType2CallerID(t *testing.T) {
	cfg := FXSConfig{CallWaiting: true, CallerID: true, Hotline: "1"}
	m, _ := runScript(NewFXS(cfg), time.Second, at{0, ev(HookOff)}, at{100 * ms, ev(RemoteAnswered)})
	second := Event{Kind: IncomingCall, CallerID: CallerID{Number: "777"}}
	// The phone acknowledges the CAS with D: type 2 caller ID follows.
	m, log := runScript(m, time.Second, at{0, second}, at{450 * ms, key('D')})
	wantLog(t, log, "0s play-tone call-waiting", "300ms send-cas", "450ms send-caller-id 777")
	// A flash takes the waiting call (the network swaps).
	_, log = runScript(m, time.Second, at{0, ev(HookOn)}, at{300 * ms, ev(HookOff)})
	wantLog(t, log, "300ms send-flash")

	// No acknowledgement: no caller ID, and the call goes on.
	m, _ = runScript(NewFXS(cfg), time.Second, at{0, ev(HookOff)}, at{100 * ms, ev(RemoteAnswered)})
	m, log = runScript(m, time.Second, at{0, second}, at{800 * ms, key('5')})
	wantLog(t, log, "0s play-tone call-waiting", "300ms send-cas", "800ms send-digit 5")
	// The waiting caller gives up; a third call is then alerted again.
	m, log = runScript(m, 0, at{0, Event{Kind: RemoteHangup, Waiting: true}}, at{0, second})
	wantLog(t, log, "0s play-tone call-waiting")
	if m.State() != FXSConnected {
		t.Fatalf("state %v", m.State())
	}

	// Without EnableCallWaiting a second call is refused busy.
	m, _ = runScript(NewFXS(FXSConfig{Hotline: "1"}), time.Second, at{0, ev(HookOff)}, at{100 * ms, ev(RemoteAnswered)})
	_, log = runScript(m, 0, at{0, second})
	wantLog(t, log, "0s reject-busy")
}

// TestFXSBlindTransfer: with Transfer, a flash in a call holds the far end
// (send-flash) and gives dial tone; the number dialled by the digit map is
// the transfer target. A refused transfer, a second flash, a rejected
// number or silence take the call back; hanging up ends the held call.
func TestFXSBlindTransfer(t *testing.T) {
	cfg := FXSConfig{Hotline: "200", Transfer: true, DigitMap: mustMap(t, "2xx|9xxxT"), TimeForDialTone: 5 * time.Second}
	connected, _ := runScript(NewFXS(cfg), time.Second, at{0, ev(HookOff)}, at{500 * ms, ev(RemoteAnswered)})
	flash := func(d time.Duration) []at { return []at{{d, ev(HookOn)}, {d + 300*ms, ev(HookOff)}} }

	m, log := runScript(connected, 2*time.Second, append(flash(0), at{time.Second, key('2')}, at{1100 * ms, key('0')}, at{1200 * ms, key('1')})...)
	wantLog(t, log, "300ms send-flash", "300ms play-tone dial", "1s play-tone none", "1.2s transfer 201")
	if m.State() != FXSTransferring || m.TransferTarget() != "201" {
		t.Fatalf("state %v, target %q", m.State(), m.TransferTarget())
	}
	// Refused: the call is back.
	back, log := runScript(m, 100*ms, at{0, Event{Kind: CallFailed}})
	wantLog(t, log)
	if back.State() != FXSConnected {
		t.Fatalf("after a refused transfer: %v", back.State())
	}
	// Done: the far end leaves, the phone hears it gone.
	_, log = runScript(m, 100*ms, at{0, ev(RemoteHangup)})
	wantLog(t, log, "0s media off", "0s play-tone busy")

	// A second flash before dialling takes the call back.
	_, log = runScript(connected, 2*time.Second, append(flash(0), flash(time.Second)...)...)
	wantLog(t, log, "300ms send-flash", "300ms play-tone dial", "1.3s play-tone none", "1.3s send-flash")
	// A number the map rejects takes it back too; so does dial tone left alone.
	_, log = runScript(connected, 2*time.Second, append(flash(0), at{time.Second, key('5')})...)
	wantLog(t, log, "300ms send-flash", "300ms play-tone dial", "1s play-tone none", "1s send-flash")
	_, log = runScript(connected, 6*time.Second, flash(0)...)
	wantLog(t, log, "300ms send-flash", "300ms play-tone dial", "5.3s play-tone none", "5.3s send-flash")
	// 9 and three digits: complete when the inter-digit timer runs out.
	_, log = runScript(connected, 6*time.Second, append(flash(0), at{time.Second, key('9')}, at{1100 * ms, key('1')}, at{1200 * ms, key('2')}, at{1300 * ms, key('3')})...)
	wantLog(t, log, "300ms send-flash", "300ms play-tone dial", "1s play-tone none", "5.3s transfer 9123")
	// Hanging up while dialling ends the held call.
	_, log = runScript(connected, 2*time.Second, append(flash(0), at{500 * ms, ev(HookOn)})...)
	wantLog(t, log, "300ms send-flash", "300ms play-tone dial", "1.2s hangup", "1.2s media off", "1.2s play-tone none")
	// Without Transfer a flash is only sent on (hold, or call waiting).
	cfg.Transfer = false
	plain, _ := runScript(NewFXS(cfg), time.Second, at{0, ev(HookOff)}, at{500 * ms, ev(RemoteAnswered)})
	_, log = runScript(plain, time.Second, flash(0)...)
	wantLog(t, log, "300ms send-flash")
}

// TestFXSCallWaitingWithTransfer: once the waiting call is taken, flashes
// swap the two calls instead of starting a transfer; when the other call
// is gone, a flash starts a transfer again.
func TestFXSCallWaitingWithTransfer(t *testing.T) {
	cfg := FXSConfig{CallWaiting: true, Transfer: true, Hotline: "1", DigitMap: mustMap(t, "2xx")}
	m, _ := runScript(NewFXS(cfg), time.Second, at{0, ev(HookOff)}, at{100 * ms, ev(RemoteAnswered)})
	m, _ = runScript(m, time.Second, at{0, Event{Kind: IncomingCall, CallerID: CallerID{Number: "777"}}})
	flash := []at{{0, ev(HookOn)}, {300 * ms, ev(HookOff)}}
	m, log := runScript(m, time.Second, flash...) // take the waiting call
	wantLog(t, log, "300ms send-flash")
	m, log = runScript(m, time.Second, flash...) // swap
	wantLog(t, log, "300ms send-flash")
	if m.State() != FXSConnected {
		t.Fatalf("state %v after swapping", m.State())
	}
	m, _ = runScript(m, 0, at{0, Event{Kind: RemoteHangup, Waiting: true}}) // the other call left
	_, log = runScript(m, time.Second, flash...)
	wantLog(t, log, "300ms send-flash", "300ms play-tone dial")
}

// bouncyPulses is pulses with contact bounce: every make chatters open for
// 3 ms shortly after it closes.
func bouncyPulses(start time.Duration, d int) []at {
	var s []at
	for _, e := range pulses(start, d) {
		s = append(s, e)
		if e.ev.Kind == HookOff {
			s = append(s, at{e.d + 2*ms, ev(HookOn)}, at{e.d + 5*ms, ev(HookOff)})
		}
	}
	return s
}

// TestFXSOffhookDebounce: with OffhookDebounce a hook state shorter than it
// is contact bounce. An off-hook from idle or ringing acts at the first
// tick once it has lasted (as if it happened then); a shorter one does
// nothing at all. Off hook, a shorter break is neither a pulse nor a
// flash. Pulse dialling still works when the breaks outlast the debounce.
// Debounce 0 keeps the hardware-debounced behaviour (rows "no debounce").
func TestFXSOffhookDebounce(t *testing.T) {
	dial := func(cfg FXSConfig) FXSConfig { cfg.DigitMap = mustMap(t, "1|40"); return cfg }
	rotary := []at{{0, ev(HookOff)}}
	rotary = append(rotary, pulses(time.Second, 4)...)
	rotary = append(rotary, pulses(2*time.Second, 10)...)
	bouncy := []at{{0, ev(HookOff)}, {3 * ms, ev(HookOn)}, {7 * ms, ev(HookOff)}}
	bouncy = append(bouncy, bouncyPulses(time.Second, 4)...)
	bouncy = append(bouncy, bouncyPulses(2*time.Second, 10)...)
	ring := Event{Kind: IncomingCall}
	call := []at{{0, ev(HookOff)}, {100 * ms, ev(RemoteAnswered)}}

	for _, tc := range []struct {
		name      string
		cfg       FXSConfig
		end       time.Duration
		script    []at
		want      []string
		wantState FXSState
	}{
		{"idle blip ignored", FXSConfig{OffhookDebounce: 50 * ms}, time.Second,
			[]at{{0, ev(HookOff)}, {20 * ms, ev(HookOn)}},
			nil, FXSIdle},
		{"idle blip, no debounce", FXSConfig{}, time.Second,
			[]at{{0, ev(HookOff)}, {20 * ms, ev(HookOn)}},
			[]string{"0s play-tone dial", "720ms play-tone none"}, FXSIdle},
		{"off-hook acts after the debounce", FXSConfig{OffhookDebounce: 50 * ms}, time.Second,
			[]at{{0, ev(HookOff)}},
			[]string{"50ms play-tone dial"}, FXSDialTone},
		{"bouncing off-hook counts from the last make", FXSConfig{OffhookDebounce: 50 * ms}, time.Second,
			[]at{{0, ev(HookOff)}, {5 * ms, ev(HookOn)}, {12 * ms, ev(HookOff)}},
			[]string{"70ms play-tone dial"}, FXSDialTone}, // 62 ms, at the next tick
		{"dial tone timer starts at the debounced off-hook", FXSConfig{OffhookDebounce: 50 * ms, TimeForDialTone: time.Second}, 2 * time.Second,
			[]at{{0, ev(HookOff)}},
			[]string{"50ms play-tone dial", "1.05s play-tone howler"}, FXSHowler},
		{"hotline dials after the debounce", FXSConfig{OffhookDebounce: 50 * ms, Hotline: "1"}, time.Second,
			[]at{{0, ev(HookOff)}},
			[]string{"50ms place-call 1"}, FXSCalling},
		{"ringing: blip does not answer", FXSConfig{OffhookDebounce: 50 * ms}, time.Second,
			[]at{{0, ring}, {500 * ms, ev(HookOff)}, {520 * ms, ev(HookOn)}},
			[]string{"0s set-ring on"}, FXSRinging},
		{"ringing: answered after the debounce", FXSConfig{OffhookDebounce: 50 * ms}, time.Second,
			[]at{{0, ring}, {500 * ms, ev(HookOff)}},
			[]string{"0s set-ring on", "550ms set-ring off", "550ms answer", "550ms media on"}, FXSConnected},
		{"off hook for the debounce: a call is refused busy", FXSConfig{OffhookDebounce: 55 * ms}, time.Second,
			[]at{{0, ev(HookOff)}, {57 * ms, ring}}, // between ticks: the off-hook settles first
			[]string{"57ms play-tone dial", "57ms reject-busy"}, FXSDialTone},
		{"20 ms break in a call ignored", FXSConfig{OffhookDebounce: 50 * ms, Hotline: "1"}, 2 * time.Second,
			append(call, at{time.Second, ev(HookOn)}, at{1020 * ms, ev(HookOff)}, at{1100 * ms, key('5')}),
			[]string{"50ms place-call 1", "100ms media on", "1.1s send-digit 5"}, FXSConnected},
		{"break shorter than the debounce is no flash", FXSConfig{OffhookDebounce: 100 * ms, Hotline: "1"}, 2 * time.Second,
			append(call, at{time.Second, ev(HookOn)}, at{1095 * ms, ev(HookOff)}),
			[]string{"100ms place-call 1", "100ms media on"}, FXSConnected},
		{"the same break, no debounce: a flash", FXSConfig{Hotline: "1"}, 2 * time.Second,
			append(call, at{time.Second, ev(HookOn)}, at{1095 * ms, ev(HookOff)}),
			[]string{"0s place-call 1", "100ms media on", "1.095s send-flash"}, FXSConnected},
		{"20 ms break while dialling is no pulse", dial(FXSConfig{OffhookDebounce: 30 * ms}), 2 * time.Second,
			[]at{{0, ev(HookOff)}, {500 * ms, ev(HookOn)}, {520 * ms, ev(HookOff)}},
			[]string{"30ms play-tone dial"}, FXSDialTone},
		{"the same break, no debounce: digit 1", dial(FXSConfig{}), 2 * time.Second,
			[]at{{0, ev(HookOff)}, {500 * ms, ev(HookOn)}, {520 * ms, ev(HookOff)}},
			[]string{"0s play-tone dial", "820ms play-tone none", "820ms place-call 1"}, FXSCalling},
		{"60 ms pulses outlast a 30 ms debounce", dial(FXSConfig{OffhookDebounce: 30 * ms}), 4 * time.Second,
			rotary,
			[]string{"30ms play-tone dial", "1.66s play-tone none", "3.26s place-call 40"}, FXSCalling},
		{"bouncing rotary dial", dial(FXSConfig{OffhookDebounce: 30 * ms}), 4 * time.Second,
			bouncy, // the 3 ms chatter after each make is ignored; the off-hook settles at 37 ms
			[]string{"40ms play-tone dial", "1.66s play-tone none", "3.26s place-call 40"}, FXSCalling},
		{"hang-up still ends the call", FXSConfig{OffhookDebounce: 50 * ms, Hotline: "1"}, 2 * time.Second,
			append(call, at{time.Second, ev(HookOn)}),
			[]string{"50ms place-call 1", "100ms media on", "1.7s hangup", "1.7s media off"}, FXSIdle},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, log := runScript(NewFXS(tc.cfg), tc.end, tc.script...)
			wantLog(t, log, tc.want...)
			if m.State() != tc.wantState {
				t.Fatalf("state %v, want %v", m.State(), tc.wantState)
			}
		})
	}
}

func outOfService(b OOSBehavior) Event { return Event{Kind: OutOfService, On: true, OOS: b} }

// TestFXSOutOfService: the treatment of each FXSOOSBehavior value on an
// idle line and at the next off-hook, refused calls both ways, calls in
// progress left alone, and the return to service.
func TestFXSOutOfService(t *testing.T) {
	inService := Event{Kind: OutOfService}
	dial := func(start time.Duration) []at {
		return []at{{start, key('1')}, {start + 100*ms, key('0')}, {start + 200*ms, key('3')}}
	}
	cfg := FXSConfig{DigitMap: mustMap(t, "1xx"), TimeForReorder: 2 * time.Second}
	call := []at{{0, ev(HookOff)}, {100 * ms, ev(RemoteAnswered)}} // with Hotline: a call up at 100 ms
	for _, tc := range []struct {
		name      string
		cfg       FXSConfig
		end       time.Duration
		script    []at
		want      []string
		wantState FXSState
	}{
		{"none: dial tone, the call dialled is refused with reorder", cfg, time.Second,
			append([]at{{0, outOfService(OOSNone)}, {100 * ms, ev(HookOff)}}, dial(300*ms)...),
			[]string{"100ms play-tone dial", "300ms play-tone none", "500ms play-tone reorder"}, FXSDisconnected},
		{"none: the hotline is refused too", FXSConfig{Hotline: "200"}, time.Second,
			[]at{{0, outOfService(OOSNone)}, {100 * ms, ev(HookOff)}},
			[]string{"100ms play-tone reorder"}, FXSDisconnected},
		{"reorder: reorder instead of dial tone, then the off-hook warning", cfg, 3 * time.Second,
			append([]at{{0, outOfService(OOSReorder)}, {100 * ms, ev(HookOff)}}, dial(300*ms)...),
			[]string{"100ms play-tone reorder", "2.1s play-tone howler"}, FXSHowler},
		{"polarity: reversed at once and kept through dialling and hanging up", cfg, 2 * time.Second,
			append([]at{{0, outOfService(OOSPolarity)}, {100 * ms, ev(HookOff)}, {time.Second, ev(HookOn)}}, dial(300*ms)...),
			[]string{"0s set-polarity on", "100ms play-tone dial", "300ms play-tone none", "500ms play-tone reorder", "1.7s play-tone none"}, FXSIdle},
		{"reorder and polarity", cfg, time.Second,
			[]at{{0, outOfService(OOSReorderPolarity)}, {100 * ms, ev(HookOff)}},
			[]string{"0s set-polarity on", "100ms play-tone reorder"}, FXSDisconnected},
		{"current disconnect: the phone hears nothing, dials nothing, gets no warning", cfg, 20 * time.Second,
			append([]at{{0, outOfService(OOSCurrentDisconnect)}, {100 * ms, ev(HookOff)}}, dial(300*ms)...),
			[]string{"0s set-loop-current off"}, FXSCurrentOff},
		{"current disconnect: hanging up leaves the current cut", cfg, 2 * time.Second,
			[]at{{0, outOfService(OOSCurrentDisconnect)}, {100 * ms, ev(HookOff)}, {500 * ms, ev(HookOn)}},
			[]string{"0s set-loop-current off"}, FXSIdle},

		{"incoming call refused", cfg, time.Second,
			[]at{{0, outOfService(OOSNone)}, {100 * ms, Event{Kind: IncomingCall}}},
			[]string{"100ms reject-unavailable"}, FXSIdle},
		{"a second call next to a call in progress is refused",
			FXSConfig{Hotline: "1", CallWaiting: true}, time.Second,
			append(call, at{200 * ms, outOfService(OOSReorder)}, at{300 * ms, Event{Kind: IncomingCall}}),
			[]string{"0s place-call 1", "100ms media on", "300ms reject-unavailable"}, FXSConnected},

		{"a call in progress goes on; the treatment comes with the hang-up",
			FXSConfig{Hotline: "1", ReversePolarity: true}, 2 * time.Second,
			append(call, at{200 * ms, outOfService(OOSReorderPolarity)}, at{300 * ms, Event{Kind: RemoteDigit, Digit: '5'}},
				at{400 * ms, key('7')}, at{500 * ms, ev(HookOn)}),
			[]string{"0s place-call 1", "100ms media on", "100ms set-polarity on", "300ms play-digit 5", "400ms send-digit 7",
				"1.2s hangup", "1.2s media off"}, FXSIdle}, // reversed already by the call: no change
		{"a call ended by the far end signals it, then the treatment",
			FXSConfig{Hotline: "1", ReversePolarity: true}, 2 * time.Second,
			append(call, at{200 * ms, outOfService(OOSPolarity)}, at{300 * ms, ev(RemoteHangup)}, at{400 * ms, ev(HookOn)}),
			[]string{"0s place-call 1", "100ms media on", "100ms set-polarity on", "300ms media off", "300ms set-polarity off",
				"300ms play-tone busy", "1.1s set-polarity on", "1.1s play-tone none"}, FXSIdle},
		{"a ringing call can be answered; the current is cut after it", cfg, 2 * time.Second,
			[]at{{0, Event{Kind: IncomingCall}}, {100 * ms, outOfService(OOSCurrentDisconnect)}, {200 * ms, ev(HookOff)}, {500 * ms, ev(HookOn)}},
			[]string{"0s set-ring on", "200ms set-ring off", "200ms answer", "200ms media on",
				"1.2s hangup", "1.2s media off", "1.2s set-loop-current off"}, FXSIdle},
		{"a caller giving up while ringing leaves the line idle with the treatment", cfg, time.Second,
			[]at{{0, Event{Kind: IncomingCall}}, {100 * ms, outOfService(OOSPolarity)}, {200 * ms, ev(RemoteHangup)}},
			[]string{"0s set-ring on", "200ms set-ring off", "200ms set-polarity on"}, FXSIdle},

		{"back in service: polarity restored, dial tone at the next off-hook", cfg, time.Second,
			[]at{{0, outOfService(OOSReorderPolarity)}, {100 * ms, inService}, {200 * ms, ev(HookOff)}},
			[]string{"0s set-polarity on", "100ms set-polarity off", "200ms play-tone dial"}, FXSDialTone},
		{"back in service: current restored, dial tone at the next off-hook", cfg, time.Second,
			[]at{{0, outOfService(OOSCurrentDisconnect)}, {100 * ms, inService}, {200 * ms, ev(HookOff)}},
			[]string{"0s set-loop-current off", "100ms set-loop-current on", "200ms play-tone dial"}, FXSDialTone},
		{"back in service with the phone off hook in the dark: dial tone at once", cfg, 2 * time.Second,
			append([]at{{0, outOfService(OOSCurrentDisconnect)}, {100 * ms, ev(HookOff)}, {500 * ms, inService}}, dial(time.Second)...),
			[]string{"0s set-loop-current off", "500ms set-loop-current on", "500ms play-tone dial", "1s play-tone none", "1.2s place-call 103"}, FXSCalling},
		{"back in service while dialling: polarity restored at once, the call goes out", cfg, time.Second,
			append([]at{{0, outOfService(OOSPolarity)}, {100 * ms, ev(HookOff)}, {200 * ms, inService}}, dial(300*ms)...),
			[]string{"0s set-polarity on", "100ms play-tone dial", "200ms set-polarity off", "300ms play-tone none", "500ms place-call 103"}, FXSCalling},
		{"back in service with reorder playing: reorder until hang-up", cfg, time.Second,
			[]at{{0, outOfService(OOSReorder)}, {100 * ms, ev(HookOff)}, {200 * ms, inService}},
			[]string{"100ms play-tone reorder"}, FXSDisconnected},
		{"a new treatment while out of service replaces the old", cfg, time.Second,
			[]at{{0, outOfService(OOSPolarity)}, {100 * ms, outOfService(OOSCurrentDisconnect)}, {200 * ms, outOfService(OOSReorder)}, {300 * ms, ev(HookOff)}},
			[]string{"0s set-polarity on", "100ms set-polarity off", "100ms set-loop-current off", "200ms set-loop-current on", "300ms play-tone reorder"}, FXSDisconnected},
		{"current cut, then reorder with the phone off hook: reorder at once", cfg, time.Second,
			[]at{{0, outOfService(OOSCurrentDisconnect)}, {100 * ms, ev(HookOff)}, {200 * ms, outOfService(OOSReorderPolarity)}},
			[]string{"0s set-loop-current off", "200ms set-loop-current on", "200ms play-tone reorder", "200ms set-polarity on"}, FXSDisconnected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			slices.SortStableFunc(tc.script, func(a, b at) int { return int(a.d - b.d) })
			m, log := runScript(NewFXS(tc.cfg), tc.end, tc.script...)
			wantLog(t, log, tc.want...)
			if m.State() != tc.wantState {
				t.Fatalf("state %v, want %v", m.State(), tc.wantState)
			}
		})
	}
}

// TestFXSOutOfServiceKeptByNewConfig: a configuration taken while out of
// service (withConfig) keeps the service state and what the port was told.
func TestFXSOutOfServiceKeptByNewConfig(t *testing.T) {
	m, log := runScript(NewFXS(FXSConfig{}), 0, at{0, outOfService(OOSReorderPolarity)})
	wantLog(t, log, "0s set-polarity on")
	m = m.withConfig(FXSConfig{DigitMap: mustMap(t, "1xx")})
	if !m.OutOfService() || !m.LoopCurrent() {
		t.Fatalf("out of service %v, loop current %v", m.OutOfService(), m.LoopCurrent())
	}
	_, log = runScript(m, time.Second, at{0, ev(HookOff)}, at{500 * ms, ev(HookOn)}, at{time.Second, Event{Kind: OutOfService}})
	wantLog(t, log, "0s play-tone reorder", "1s set-polarity off") // on hook since 500 ms, not yet hung up
}

// TestFXSThreeWayConference: with Conference, the number dialled after a
// flash is called as a consultation call while the first far end stays
// held; a flash while talking to it joins the three. A flash in the
// conference, while the consultation call rings or after it failed, drops
// it and takes the held call back. Either far end leaving a conference
// leaves the phone in a call with the other.
func TestFXSThreeWayConference(t *testing.T) {
	cfg := FXSConfig{Hotline: "200", Conference: true, DigitMap: mustMap(t, "2xx"), TimeForReorder: 5 * time.Second}
	connected, _ := runScript(NewFXS(cfg), time.Second, at{0, ev(HookOff)}, at{500 * ms, ev(RemoteAnswered)})
	flash := func(d time.Duration) []at { return []at{{d, ev(HookOn)}, {d + 300*ms, ev(HookOff)}} }
	state := func(m FXS, want FXSState) {
		t.Helper()
		if m.State() != want {
			t.Fatalf("state %v, want %v", m.State(), want)
		}
	}

	calling, log := runScript(connected, 2*time.Second, append(flash(0), at{time.Second, key('2')}, at{1100 * ms, key('0')}, at{1200 * ms, key('1')})...)
	wantLog(t, log, "300ms send-flash", "300ms play-tone dial", "1s play-tone none", "1.2s consult-call 201")
	state(calling, FXSConsultCalling)
	if calling.TransferTarget() != "201" {
		t.Fatalf("consulted %q", calling.TransferTarget())
	}
	consulting, log := runScript(calling, time.Second, at{0, ev(RemoteRinging)}, at{500 * ms, ev(RemoteAnswered)}, at{600 * ms, key('5')})
	wantLog(t, log, "0s play-tone ringback", "500ms play-tone none", "600ms send-digit 5")
	state(consulting, FXSConsulting)

	conf, log := runScript(consulting, time.Second, flash(0)...)
	wantLog(t, log, "300ms conference")
	state(conf, FXSConference)
	_, log = runScript(conf, time.Second, at{0, Event{Kind: RemoteDigit, Digit: '7'}})
	wantLog(t, log, "0s play-digit 7")

	// A flash in the conference drops the consulted party.
	m, log := runScript(conf, time.Second, flash(0)...)
	wantLog(t, log, "300ms retrieve")
	state(m, FXSConnected)
	// Either far end leaving: a call with the other, then its end.
	m, log = runScript(conf, time.Second, at{0, Event{Kind: RemoteHangup, Waiting: true}})
	wantLog(t, log)
	state(m, FXSConnected)
	_, log = runScript(m, 0, at{0, ev(RemoteHangup)})
	wantLog(t, log, "0s media off", "0s play-tone busy")
	// Hanging up in the conference ends both (the network's Hangup).
	m, log = runScript(conf, time.Second, at{0, ev(HookOn)})
	wantLog(t, log, "700ms hangup", "700ms media off")
	state(m, FXSIdle)

	// The consulted party leaves: busy, the held one is still there and a
	// flash takes it back.
	failed, log := runScript(consulting, 0, at{0, ev(RemoteHangup)})
	wantLog(t, log, "0s play-tone busy")
	state(failed, FXSConsultFailed)
	m, log = runScript(failed, 6*time.Second, flash(5500*ms)...)
	wantLog(t, log, "5s play-tone howler", "5.8s play-tone none", "5.8s retrieve")
	state(m, FXSConnected)
	// The held party leaves while the phone consults: the consultation
	// call is all there is.
	m, log = runScript(consulting, 0, at{0, Event{Kind: RemoteHangup, Waiting: true}})
	wantLog(t, log)
	state(m, FXSConnected)
	m, log = runScript(calling, 0, at{0, Event{Kind: RemoteHangup, Waiting: true}}, at{0, ev(RemoteAnswered)})
	wantLog(t, log, "0s media on")
	state(m, FXSConnected)
	// ... and after the consultation failed, nothing is left.
	m, log = runScript(failed, 0, at{0, Event{Kind: RemoteHangup, Waiting: true}})
	wantLog(t, log, "0s media off") // busy tone already
	state(m, FXSDisconnected)

	// Busy or unanswered consultation: busy or reorder, then a flash.
	m, log = runScript(calling, time.Second, append([]at{{0, Event{Kind: CallFailed, Cause: CauseBusy}}}, flash(500*ms)...)...)
	wantLog(t, log, "0s play-tone busy", "800ms play-tone none", "800ms retrieve")
	state(m, FXSConnected)
	_, log = runScript(calling, 0, at{0, Event{Kind: CallFailed, Cause: CauseUnavailable}})
	wantLog(t, log, "0s play-tone reorder")
	// A flash while it rings drops it.
	m, log = runScript(calling, time.Second, append([]at{{0, ev(RemoteRinging)}}, flash(100*ms)...)...)
	wantLog(t, log, "0s play-tone ringback", "400ms play-tone none", "400ms retrieve")
	state(m, FXSConnected)
	// Without Transfer, hanging up during the consultation ends both.
	_, log = runScript(consulting, time.Second, at{0, ev(HookOn)})
	wantLog(t, log, "700ms hangup", "700ms media off")
	_, log = runScript(failed, time.Second, at{0, ev(HookOn)})
	wantLog(t, log, "700ms hangup", "700ms media off", "700ms play-tone none")
	// A number the map rejects still takes the call back by a flash.
	_, log = runScript(connected, 2*time.Second, append(flash(0), at{time.Second, key('5')})...)
	wantLog(t, log, "300ms send-flash", "300ms play-tone dial", "1s play-tone none", "1s send-flash")
}

// TestFXSConsultationTransfer: with Conference and Transfer, hanging up
// while the consulted party rings or talks transfers the held far end to
// it; once the consultation failed, or in a conference, hanging up ends
// the calls.
func TestFXSConsultationTransfer(t *testing.T) {
	cfg := FXSConfig{Hotline: "200", Conference: true, Transfer: true, DigitMap: mustMap(t, "2xx")}
	connected, _ := runScript(NewFXS(cfg), time.Second, at{0, ev(HookOff)}, at{500 * ms, ev(RemoteAnswered)})
	calling, log := runScript(connected, 2*time.Second, at{0, ev(HookOn)}, at{300 * ms, ev(HookOff)}, at{time.Second, key('2')}, at{1100 * ms, key('0')}, at{1200 * ms, key('1')})
	wantLog(t, log, "300ms send-flash", "300ms play-tone dial", "1s play-tone none", "1.2s consult-call 201")
	consulting, _ := runScript(calling, 0, at{0, ev(RemoteAnswered)})
	hangUp := at{0, ev(HookOn)}

	m, log := runScript(consulting, time.Second, hangUp)
	wantLog(t, log, "700ms transfer-consultation", "700ms media off")
	if m.State() != FXSIdle {
		t.Fatalf("state %v after the transfer", m.State())
	}
	_, log = runScript(calling, time.Second, at{0, ev(RemoteRinging)}, hangUp)
	wantLog(t, log, "0s play-tone ringback", "700ms transfer-consultation", "700ms media off", "700ms play-tone none")
	failed, _ := runScript(calling, 0, at{0, Event{Kind: CallFailed, Cause: CauseBusy}})
	_, log = runScript(failed, time.Second, hangUp)
	wantLog(t, log, "700ms hangup", "700ms media off", "700ms play-tone none")
	conf, _ := runScript(consulting, time.Second, at{0, ev(HookOn)}, at{300 * ms, ev(HookOff)})
	_, log = runScript(conf, time.Second, hangUp)
	wantLog(t, log, "700ms hangup", "700ms media off")
}

// TestFXSCurrentDisconnectOnRemoteHangup: with CurrentDisconnect the far
// end's hang-up cuts the loop current for the pulse, then busy tone is
// heard; a phone (a PBX trunk, say) that hangs up during the pulse leaves
// the line idle with current fed; a call the phone ends sends no pulse.
func TestFXSCurrentDisconnectOnRemoteHangup(t *testing.T) {
	cfg := FXSConfig{CurrentDisconnect: 900 * ms, FlashHookPeriod: 300 * ms}
	t.Run("pulse then busy", func(t *testing.T) {
		_, log := runScript(NewFXS(cfg), 3*time.Second,
			at{0, Event{Kind: IncomingCall}}, at{100 * ms, ev(HookOff)}, at{time.Second, ev(RemoteHangup)})
		wantLog(t, log, "0s set-ring on", "100ms set-ring off", "100ms answer", "100ms media on",
			"1s media off", "1s play-tone busy", "1s set-loop-current off", "1.9s set-loop-current on")
	})
	t.Run("hung up during the pulse", func(t *testing.T) {
		m, log := runScript(NewFXS(cfg), 3*time.Second,
			at{0, Event{Kind: IncomingCall}}, at{100 * ms, ev(HookOff)}, at{time.Second, ev(RemoteHangup)},
			at{1100 * ms, ev(HookOn)})
		wantLog(t, log, "0s set-ring on", "100ms set-ring off", "100ms answer", "100ms media on",
			"1s media off", "1s play-tone busy", "1s set-loop-current off",
			"1.4s play-tone none", "1.4s set-loop-current on")
		if m.State() != FXSIdle || !m.LoopCurrent() {
			t.Fatalf("after hanging up in the pulse: %v, current %v; want idle with current", m.State(), m.LoopCurrent())
		}
	})
	t.Run("phone hangs up first", func(t *testing.T) {
		_, log := runScript(NewFXS(cfg), 3*time.Second,
			at{0, Event{Kind: IncomingCall}}, at{100 * ms, ev(HookOff)}, at{time.Second, ev(HookOn)})
		for _, l := range log {
			if strings.Contains(l, "loop-current") {
				t.Fatalf("a pulse for a call the phone ended: %s", strings.Join(log, " | "))
			}
		}
	})
}
