package gateway

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/potsgate/potsgate/sip"
)

// TestCallDetailRecords: a SIP call answered by port 101 and hung up by
// the caller gives start, connect and end records (CDRReportLevel 4) with
// the numbers, times and reason; level 1 gives the end record only.
func TestCallDetailRecords(t *testing.T) {
	for _, tc := range []struct {
		level string
		want  []CDRKind
	}{{"4", []CDRKind{CDRStart, CDRConnect, CDREnd}}, {"1", []CDRKind{CDREnd}}} {
		var mu sync.Mutex
		var recs []CDR
		r := newRig(t, "CDRReportLevel = "+tc.level+"\n", 1, rtpFactory(t), func(o *Options) {
			o.OnCDR = func(c CDR) { mu.Lock(); recs = append(recs, c); mu.Unlock() }
		})
		c := r.dial(t, "101", 40260)
		waitFor(t, "101 rings", r.phones[0].Ringing)
		r.phones[0].PickUp()
		events{t, c}.next(sip.EventAnswered)
		time.Sleep(200 * time.Millisecond)
		_ = c.Hangup(r.ctx)
		waitFor(t, "the end record", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(recs) > 0 && recs[len(recs)-1].Kind == CDREnd
		})
		mu.Lock()
		var kinds []CDRKind
		for _, rec := range recs {
			kinds = append(kinds, rec.Kind)
		}
		end := recs[len(recs)-1]
		mu.Unlock()
		if len(kinds) != len(tc.want) || kinds[0] != tc.want[0] {
			t.Fatalf("level %s: records %v, want %v", tc.level, kinds, tc.want)
		}
		if end.Port != 1 || end.Outgoing || end.From != "555" || end.To != "101" || end.CallID != c.ID() ||
			end.Connected.IsZero() || end.Duration < 150*time.Millisecond || end.Reason != "remote hangup" {
			t.Errorf("end record %+v", end)
		}
	}
}

// TestSyslogCDR: records reach a syslog server as RFC 5424 messages.
func TestSyslogCDR(t *testing.T) {
	srv, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	send, closeFn, err := SyslogCDR(srv.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	at := time.Date(2026, 11, 26, 1, 2, 3, 0, time.UTC)
	send(CDR{Kind: CDREnd, CallID: "abc", Port: 2, From: "555", To: "102", Setup: at, Connected: at.Add(time.Second),
		Ended: at.Add(11 * time.Second), Duration: 10 * time.Second, Reason: "local hangup", Lost: 3, Jitter: 1500 * time.Microsecond})
	buf := make([]byte, 2048)
	srv.SetReadDeadline(time.Now().Add(3 * time.Second))
	n, _, err := srv.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	msg := string(buf[:n])
	for _, want := range []string{"<134>1 ", " potsgate - CDR - CDR end call=abc port=2 dir=in from=\"555\" to=\"102\"", "setup=2026-11-26T01:02:03Z",
		"duration=10.000s", `reason="local hangup"`, "lost=3", "jitter=1.5ms"} {
		if !strings.Contains(msg, want) {
			t.Errorf("syslog message %q lacks %q", msg, want)
		}
	}
}
