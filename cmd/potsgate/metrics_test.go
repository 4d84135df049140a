package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
)

const metricsUsers = `[ WebUsers ]
FORMAT WebUsers_Index = WebUsers_Username, WebUsers_Password, WebUsers_Privilege;
WebUsers 0 = "prom", "scrape-password", 0;
[ \WebUsers ]`

// scrape reads /metrics, with HTTP Basic credentials when user is set.
func scrape(t *testing.T, g *gw, user, pass string) (int, string) {
	t.Helper()
	code, text, err := scrapeMetrics(g.HTTP, user, pass)
	if err != nil {
		t.Fatal(err)
	}
	return code, text
}

// scrapeMetrics is scrape for any goroutine.
func scrapeMetrics(addr, user, pass string) (int, string, error) {
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return 0, "", err
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, string(b), err
}

// TestMetricsScrapedByPrometheus: SIPp places calls; /metrics passes
// promtool's checks, and a real prometheus server scraping the gateway
// (with HTTP Basic credentials, as the management pages are on) answers a
// query for the established calls with the number SIPp placed.
func TestMetricsScrapedByPrometheus(t *testing.T) {
	peer.Require(t, "prometheus")
	g := startGateway(t, "", metricsUsers)

	if code, _ := scrape(t, g, "", ""); code != http.StatusUnauthorized {
		t.Fatalf("/metrics without credentials while web accounts exist: %d, want 401", code)
	}
	if code, _ := scrape(t, g, "prom", "wrong-password"); code != http.StatusUnauthorized {
		t.Fatalf("/metrics with a wrong password: %d, want 401", code)
	}

	dir := t.TempDir()
	promPort := peer.FreeTCPPort(t)
	conf := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: potsgate
    basic_auth:
      username: prom
      password: scrape-password
    static_configs:
      - targets: ['%s']
`, g.HTTP)
	confPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	promAddr := "127.0.0.1:" + strconv.Itoa(promPort)
	peer.Start(t, dir, "prometheus", "--config.file="+confPath, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+promAddr, "--log.level=warn")
	peer.WaitListening(t, promAddr, 30*time.Second)

	const calls = 4
	// While SIPp calls, scrapes see the calls and their RTP sessions open
	// (each call lasts over a second; a scrape every 100 ms).
	stop := make(chan struct{})
	var peakCalls, peakRTP float64
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			if code, text, err := scrapeMetrics(g.HTTP, "prom", "scrape-password"); err == nil && code == http.StatusOK {
				peakCalls = max(peakCalls, sampleValue(text, "potsgate_calls_active"))
				peakRTP = max(peakRTP, sampleValue(text, "potsgate_rtp_sessions_active"))
			}
		}
	}()
	res := runSIPp(t, g.SIP, []string{"101", "102", "103", "104"}, calls, 1, 4, time.Second)
	close(stop)
	<-polled
	if peakCalls < 1 || peakRTP < 1 {
		t.Errorf("during the calls: at most %v active calls and %v RTP sessions seen, want 1 or more", peakCalls, peakRTP)
	}
	if res.ok != calls || res.failed != 0 {
		t.Fatalf("SIPp: %d calls succeeded, %d failed; want %d and 0", res.ok, res.failed, calls)
	}

	code, text := scrape(t, g, "prom", "scrape-password")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d\n%s", code, text)
	}
	peer.CheckMetrics(t, text)
	for _, want := range []string{
		`potsgate_calls_total{result="established"} 4`,
		`potsgate_calls_attempted_total 4`,
		`potsgate_calls_active 0`,
		`potsgate_ports{type="FXS"} 4`,
		`potsgate_rtp_sessions_total 4`,
		`potsgate_rtp_sessions_active 0`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("/metrics has no line %q", want)
		}
	}
	// SIPp streamed a tone for a second in each call and got it echoed:
	// at 20 ms packets, about 50 each way per call.
	if n := metricValue(t, text, `potsgate_rtp_packets_total{direction="received"}`); n < calls*40 {
		t.Errorf("RTP packets received %v, want at least %d", n, calls*40)
	}
	if n := metricValue(t, text, `potsgate_rtp_packets_total{direction="sent"}`); n < calls*40 {
		t.Errorf("RTP packets sent %v, want at least %d", n, calls*40)
	}

	// Prometheus's own view, after at least one scrape since the calls.
	query := func(q string) (float64, bool) {
		res, err := http.Get("http://" + promAddr + "/api/v1/query?query=" + url.QueryEscape(q))
		if err != nil {
			return 0, false
		}
		defer res.Body.Close()
		var r struct {
			Status string
			Data   struct {
				Result []struct {
					Value [2]any
				}
			}
		}
		if json.NewDecoder(res.Body).Decode(&r) != nil || r.Status != "success" || len(r.Data.Result) != 1 {
			return 0, false
		}
		s, _ := r.Data.Result[0].Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		return v, err == nil
	}
	var got float64
	peer.WaitFor(t, 30*time.Second, "prometheus to scrape the calls", func() bool {
		v, ok := query(`potsgate_calls_total{result="established"}`)
		got = v
		return ok && v == calls
	})
	if v, ok := query(`sum(potsgate_calls_total)`); !ok || v != calls {
		t.Errorf("prometheus: sum(potsgate_calls_total) = %v (%v), want %d", v, ok, calls)
	}
	if v, ok := query(`up{job="potsgate"}`); !ok || v != 1 {
		t.Errorf("prometheus: up = %v (%v), want 1", v, ok)
	}
	t.Logf("prometheus: potsgate_calls_total{result=\"established\"} = %v", got)
}

// sampleValue is the value of the sample of series in text (-1: none).
func sampleValue(text, series string) float64 {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				return f
			}
		}
	}
	return -1
}

// metricValue is sampleValue, failing the test when series is missing.
func metricValue(t *testing.T, text, series string) float64 {
	t.Helper()
	v := sampleValue(text, series)
	if v < 0 {
		t.Fatalf("/metrics has no %s", series)
	}
	return v
}
