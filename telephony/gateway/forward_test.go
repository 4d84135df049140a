package gateway

import (
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/sip"
)

// TestCallForwarding: FwdInfo per port. 101 forwards unconditionally to an
// address, 102 when not answered in 1 s to a number (routed back to this
// gateway without PREFIX or proxy), 103 when busy, 104 is do not disturb.
func TestCallForwarding(t *testing.T) {
	r := newRig(t, `[ FwdInfo ]
FORMAT FwdInfo_Index = FwdInfo_Type, FwdInfo_Destination, FwdInfo_NoReplyTime;
FwdInfo 0 = 2, 5000@127.0.0.1:5999, 20;
FwdInfo 1 = 3, 6000, 1;
FwdInfo 2 = 1, 7000@192.0.2.7, 20;
FwdInfo 3 = 5, , 20;
[ \FwdInfo ]
`, 4, rtpFactory(t))
	g, phones := r.g, r.phones
	reg, _ := NewRegistry()
	call := func(number string, during func(*sip.Call)) sip.Event {
		t.Helper()
		c := r.dial(t, number, 40300)
		if during != nil {
			during(c)
		}
		return ended(t, c, 5*time.Second)
	}

	if ev := call("101", nil); ev.Code != 302 || ev.Target != "sip:5000@127.0.0.1:5999" {
		t.Errorf("101 (unconditional): ended %d, target %q", ev.Code, ev.Target)
	}
	if phones[0].Ringing() {
		t.Error("101 rang although forwarded unconditionally")
	}
	ev := call("102", func(*sip.Call) { waitFor(t, "102 rings before its no-answer forward", phones[1].Ringing) })
	if ev.Code != 302 || ev.Target != "sip:6000@"+g.SIPAddr() {
		t.Errorf("102 (no answer): ended %d, target %q, want 302 to 6000 at this gateway", ev.Code, ev.Target)
	}
	waitFor(t, "102 stops ringing", func() bool { return !phones[1].Ringing() })

	ev = call("103", func(c *sip.Call) {
		waitFor(t, "103 rings: on busy, and idle", phones[2].Ringing)
		_ = c.Hangup(r.ctx)
	})
	if ev.Code == 302 {
		t.Errorf("103 (on busy) forwarded while idle")
	}
	phones[2].PickUp()
	waitFor(t, "103 off hook", func() bool { return !g.ports[2].idle() })
	if ev := call("103", nil); ev.Code != 302 || !strings.HasPrefix(ev.Target, "sip:7000@192.0.2.7") {
		t.Errorf("103 (on busy) while busy: ended %d, target %q", ev.Code, ev.Target)
	}
	if ev := call("104", nil); ev.Code != 486 {
		t.Errorf("104 (do not disturb): ended %d, want 486", ev.Code)
	}
	if n := g.Counters().Forwarded.Load(); n != 3 {
		t.Errorf("%d calls counted as forwarded, want 3", n)
	}
	if _, err := reg.ApplyText(reg.Defaults(), "bad.ini", []byte("[ FwdInfo ]\nFORMAT FwdInfo_Index = FwdInfo_Type, FwdInfo_Destination;\nFwdInfo 0 = 2, \"a b\";\n[ \\FwdInfo ]\n")); err == nil {
		t.Error("a destination with a space accepted")
	}
}
