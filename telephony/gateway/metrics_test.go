package gateway

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/provisioning/autoupdate"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
)

func getMetrics(t *testing.T, url, user, pass string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url+"/metrics", nil)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func wantLines(t *testing.T, text string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(text, "\n"+l+"\n") {
			t.Errorf("no line %q in the metrics:\n%s", l, text)
		}
	}
}

// TestMetrics: the collector reads the gateway's own counters, alarms and
// the host's Automatic Update results at each scrape; the text passes
// promtool. Open like /status with no web account, behind HTTP Basic or
// a session with accounts.
func TestMetrics(t *testing.T) {
	r := newRig(t, "", 2, noMedia{})
	host := newFakeHost(t, "")
	m := NewMetrics(func() *Gateway { return r.g })
	srv := httptest.NewServer(NewAdminHandler(func() *Gateway { return r.g }, host, AdminOptions{Metrics: m}))
	defer srv.Close()

	code, text := getMetrics(t, srv.URL, "", "")
	if code != http.StatusOK {
		t.Fatalf("/metrics with management off: %d", code)
	}
	peer.CheckMetrics(t, text)
	wantLines(t, text, `potsgate_calls_total{result="busy"} 0`, `potsgate_ports{type="FXS"} 2`, `potsgate_calls_active 0`,
		`potsgate_alarms_active{kind="configuration_error"} 0`, `potsgate_alarms_raised_total 0`)

	r.g.counters.Busy.Add(2)
	r.g.counters.Attempted.Add(3)
	r.g.ConfigurationResult("ini", errors.New("gw.ini:3: RingOnPeriod: not an integer"))
	m.UpdateResult(autoupdate.FileResult{Kind: autoupdate.FileIni, Outcome: autoupdate.NotModified})
	m.UpdateResult(autoupdate.FileResult{Kind: autoupdate.FileIni, Outcome: autoupdate.NotModified})
	m.UpdateResult(autoupdate.FileResult{Kind: autoupdate.FileCPT, Outcome: autoupdate.Failed})
	_, text = getMetrics(t, srv.URL, "", "")
	peer.CheckMetrics(t, text)
	wantLines(t, text, `potsgate_calls_total{result="busy"} 2`, `potsgate_calls_attempted_total 3`,
		`potsgate_alarms_active{kind="configuration_error"} 1`, `potsgate_alarms_raised_total 1`,
		`potsgate_autoupdate_files_total{file="ini",result="not_modified"} 2`,
		`potsgate_autoupdate_files_total{file="cpt",result="failed"} 1`)

	// The gateway's own StatusHandler serves it too.
	plain := httptest.NewServer(r.g.StatusHandler(func() provisioning.Config { return r.g.opts.Config }))
	defer plain.Close()
	if code, text := getMetrics(t, plain.URL, "", ""); code != http.StatusOK || !strings.Contains(text, "\npotsgate_calls_total{result=\"busy\"} 2\n") {
		t.Errorf("StatusHandler /metrics: %d\n%s", code, text)
	}

	host.set(t, webUsersIni)
	if code, _ := getMetrics(t, srv.URL, "", ""); code != http.StatusUnauthorized {
		t.Errorf("/metrics without credentials, accounts configured: %d, want 401", code)
	}
	if code, text := getMetrics(t, srv.URL, "watch", monitorPass); code != http.StatusOK || !strings.Contains(text, "potsgate_calls_attempted_total 3") {
		t.Errorf("/metrics with a monitor's credentials: %d\n%s", code, text)
	}
}

// TestRTPCounters: two RTP legs send to each other; RTPCounters adds the
// open sessions' counters at the time of asking, and a closed session's
// counters stay in the totals.
func TestRTPCounters(t *testing.T) {
	reg, _ := NewRegistry()
	base := 30000 + 2*int(time.Now().UnixNano()%5000)
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(fmt.Sprintf("BaseUDPPort = %d\nRTPPortCount = 10\n", base)))
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewRTPMedia(res.Config, sip.Config{PacketTime: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	a, err := m.Open(nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Open(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if c := m.RTPCounters(); c.Active != 0 || c.Ended != 0 || c.PacketsSent != 0 {
		t.Fatalf("before the sessions start: %+v", c)
	}
	to := func(l MediaLeg) sdp.Choice {
		return sdp.Choice{Codec: pcmu, Remote: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(l.Port())), Direction: sdp.SendRecv}
	}
	if err := a.Start(to(b)); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(to(a)); err != nil {
		t.Fatal(err)
	}
	frame := make([]int16, 80)
	for range 20 { // 200 ms: 10 packets of 20 ms each way
		a.WriteFrame(frame)
		b.WriteFrame(frame)
	}
	peer.WaitFor(t, 5*time.Second, "20 packets received", func() bool { return m.RTPCounters().PacketsReceived == 20 })
	c := m.RTPCounters()
	if c.PacketsSent != 20 || c.Active != 2 || c.BytesSent != 20*160 {
		t.Fatalf("two open sessions: %+v, want 20 packets of 160 octets sent", c)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	_ = a.Close() // idempotent: counted once
	c = m.RTPCounters()
	if c.PacketsSent != 20 || c.PacketsReceived != 20 || c.Active != 1 || c.Ended != 1 {
		t.Fatalf("after one session closed: %+v, want the same packets, 1 open and 1 ended", c)
	}
	if c.Lost != 0 {
		t.Errorf("lost %d on loopback", c.Lost)
	}
}
