package gateway

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/potsgate/potsgate/media/rtpsession"
	"github.com/potsgate/potsgate/provisioning/autoupdate"
	"github.com/potsgate/potsgate/sip/sas"
)

// Metrics presents the gateway's counters to Prometheus. It is a
// prometheus.Collector that reads the counters the status page and SNMP
// show when it is scraped: there is no second set of counters to keep in
// step, and nothing is added to the per-packet path. It reads whichever
// gateway gw returns, so a host that builds its gateway again at each
// restart keeps one Metrics; the gateway's counters start again from 0
// then, which Prometheus takes as a counter reset.
type Metrics struct {
	gw func() *Gateway

	// updates counts the Automatic Update file results, which outlive
	// the gateway (the updater drives restarts): by file and outcome.
	mu      sync.Mutex
	updates map[[2]string]uint64
}

// NewMetrics collects the metrics of whichever gateway gw returns (nil:
// only the Automatic Update results).
func NewMetrics(gw func() *Gateway) *Metrics {
	return &Metrics{gw: gw, updates: make(map[[2]string]uint64)}
}

// UpdateResult counts the result of one file of an Automatic Update
// cycle (an autoupdate.Observer hears them).
func (m *Metrics) UpdateResult(r autoupdate.FileResult) {
	key := [2]string{r.Kind.String(), strings.ReplaceAll(r.Outcome.String(), " ", "_")}
	m.mu.Lock()
	m.updates[key]++
	m.mu.Unlock()
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("potsgate_"+name, help, labels, nil)
}

// The metrics; README's "Prometheus metrics" lists them.
var (
	descInfo          = desc("info", "Product and software version (always 1).", "product", "version")
	descCalls         = desc("calls_total", "Calls by result: established (answered), busy, no_answer, no_route, failed.", "result")
	descCallsAttempt  = desc("calls_attempted_total", "Calls attempted, both directions.")
	descCallsForward  = desc("calls_forwarded_total", "Calls forwarded (302 or a new INVITE).")
	descCallsTransfer = desc("calls_transferred_total", "Calls transferred (REFER).")
	descCallsActive   = desc("calls_active", "SIP calls in progress.")
	descPorts         = desc("ports", "Ports by type.", "type")
	descPortsInCall   = desc("ports_in_call", "Ports in a call.")
	descPortsOOS      = desc("ports_out_of_service", "Ports out of service (OOSOnRegistrationFail).")
	descLocked        = desc("admin_locked", "1 while the gateway is administratively locked (or shutting down).")
	descRegs          = desc("registrations", "Registering endpoints by state.", "state")
	descAlarms        = desc("alarms_active", "Active alarms by kind.", "kind")
	descAlarmsRaised  = desc("alarms_raised_total", "Alarms raised.")
	descRTPPackets    = desc("rtp_packets_total", "RTP packets sent and received (audio and events).", "direction")
	descRTPBytes      = desc("rtp_payload_bytes_total", "RTP payload octets sent and received.", "direction")
	descRTPLost       = desc("rtp_packets_lost_total", "RTP packets lost (RFC 3550 cumulative loss, each session counted from 0).")
	descRTPLate       = desc("rtp_packets_late_total", "RTP packets too late for the jitter buffer.")
	descRTPConcealed  = desc("rtp_packets_concealed_total", "Packets' worth of audio concealed (lost, late or waited for).")
	descRTPSessions   = desc("rtp_sessions_total", "RTP sessions ended.")
	descRTPActive     = desc("rtp_sessions_active", "RTP sessions open.")
	descRTPJitter     = desc("rtp_jitter_seconds", "Largest interarrival jitter (RFC 3550 A.8) among the open RTP sessions.")
	descSRTPAuth      = desc("srtp_auth_failures_total", "SRTP (protocol rtp) and SRTCP (rtcp) packets dropped because their authentication failed (tampered, under a key we do not hold, or sent in clear).", "protocol")
	descSRTPReplayed  = desc("srtp_replayed_total", "SRTP and SRTCP packets dropped as replays.")
	descRTPJitterMax  = desc("rtp_jitter_buffer_delay_seconds", "Largest jitter buffer target delay among the open RTP sessions.")
	descUpdates       = desc("autoupdate_files_total", "Automatic Update file results by file and outcome.", "file", "result")
	descSASBindings   = desc("sas_bindings", "Phones registered with the SAS registrar.")
	descSASEmergency  = desc("sas_emergency", "1 while SAS is in emergency state (its proxy set is down, or it has none).")
	descSASRegister   = desc("sas_registers_total", "REGISTERs SAS handled, by handling.", "handling")
	descSASRouted     = desc("sas_requests_routed_total", "Requests SAS routed, by destination.", "to")
	descSASExpired    = desc("sas_bindings_expired_total", "SAS bindings expired.")
	descFaxT38        = desc("fax_t38_total", "T.38 events: reinvite (our re-INVITE to T.38 accepted), accepted (the far end's taken), refused, fallback (to G.711 pass-through), back_to_audio.", "event")
	descFaxActive     = desc("fax_calls_active", "Ports in a fax call, by transport: t38, g711.", "transport")
)

var allDescs = []*prometheus.Desc{descInfo, descCalls, descCallsAttempt, descCallsForward, descCallsTransfer, descCallsActive,
	descPorts, descPortsInCall, descPortsOOS, descLocked, descRegs, descAlarms, descAlarmsRaised,
	descRTPPackets, descRTPBytes, descRTPLost, descRTPLate, descRTPConcealed, descRTPSessions, descRTPActive, descRTPJitter, descRTPJitterMax,
	descSRTPAuth, descSRTPReplayed, descUpdates, descSASBindings, descSASEmergency, descSASRegister, descSASRouted, descSASExpired,
	descFaxT38, descFaxActive}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range allDescs {
		ch <- d
	}
}

// Collect implements prometheus.Collector: one reading of every counter.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	gauge(descInfo, 1, ProductName, Version())
	m.mu.Lock()
	keys := make([][2]string, 0, len(m.updates))
	for k := range m.updates {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]string) int { return strings.Compare(a[0]+" "+a[1], b[0]+" "+b[1]) })
	for _, k := range keys {
		counter(descUpdates, float64(m.updates[k]), k[0], k[1])
	}
	m.mu.Unlock()

	var g *Gateway
	if m.gw != nil {
		g = m.gw()
	}
	if g == nil {
		return
	}
	c := &g.counters
	for _, r := range []struct {
		result string
		n      int64
	}{{"established", c.Established.Load()}, {"busy", c.Busy.Load()}, {"no_answer", c.NoAnswer.Load()},
		{"no_route", c.NoRoute.Load()}, {"failed", c.Failed.Load()}} {
		counter(descCalls, float64(r.n), r.result)
	}
	counter(descCallsAttempt, float64(c.Attempted.Load()))
	counter(descCallsForward, float64(c.Forwarded.Load()))
	counter(descCallsTransfer, float64(c.Transferred.Load()))
	gauge(descCallsActive, float64(len(g.ua.Calls())))

	var fxs, fxo, inCall, oos int
	for _, p := range g.ports {
		if p.fxs != nil {
			fxs++
		} else {
			fxo++
		}
		if p.inCall() {
			inCall++
		}
		if p.outOfService() {
			oos++
		}
	}
	gauge(descPorts, float64(fxs), "FXS")
	gauge(descPorts, float64(fxo), "FXO")
	gauge(descPortsInCall, float64(inCall))
	gauge(descPortsOOS, float64(oos))
	gauge(descLocked, boolGauge(g.Locked()))

	regs := map[string]int{"registered": 0, "unregistered": 0, "failed": 0}
	g.reg.mu.Lock()
	for _, s := range g.reg.states {
		regs[s.String()]++
	}
	g.reg.mu.Unlock()
	for _, s := range []string{"registered", "unregistered", "failed"} {
		gauge(descRegs, float64(regs[s]), s)
	}

	kinds := map[AlarmKind]int{}
	g.alarms.mu.Lock()
	for _, a := range g.alarms.active {
		kinds[a.Kind]++
	}
	raised := g.alarms.nextID
	g.alarms.mu.Unlock()
	for _, k := range []AlarmKind{AlarmRegistrationFailed, AlarmProxyLost, AlarmConfigurationError, AlarmPortFailed} {
		gauge(descAlarms, float64(kinds[k]), k.metricName())
	}
	counter(descAlarmsRaised, float64(raised))

	if rc, ok := g.opts.Media.(interface{ RTPCounters() RTPCounters }); ok {
		r := rc.RTPCounters()
		counter(descRTPPackets, float64(r.PacketsSent), "sent")
		counter(descRTPPackets, float64(r.PacketsReceived), "received")
		counter(descRTPBytes, float64(r.BytesSent), "sent")
		counter(descRTPBytes, float64(r.BytesReceived), "received")
		counter(descRTPLost, float64(r.Lost))
		counter(descRTPLate, float64(r.Late))
		counter(descRTPConcealed, float64(r.Concealed))
		counter(descRTPSessions, float64(r.Ended))
		gauge(descRTPActive, float64(r.Active))
		gauge(descRTPJitter, r.MaxJitter.Seconds())
		gauge(descRTPJitterMax, r.MaxJitterDelay.Seconds())
		counter(descSRTPAuth, float64(r.SRTPAuthFailed), "rtp")
		counter(descSRTPAuth, float64(r.SRTCPAuthFailed), "rtcp")
		counter(descSRTPReplayed, float64(r.SRTPReplayed))
	}

	tc := g.T38Counters()
	counter(descFaxT38, float64(tc.Reinvites), "reinvite")
	counter(descFaxT38, float64(tc.Accepted), "accepted")
	counter(descFaxT38, float64(tc.Refused), "refused")
	counter(descFaxT38, float64(tc.Fallbacks), "fallback")
	counter(descFaxT38, float64(tc.BackToAudio), "back_to_audio")
	t38Calls, g711Calls := g.faxCalls()
	gauge(descFaxActive, float64(t38Calls), "t38")
	gauge(descFaxActive, float64(g711Calls), "g711")

	if g.sas != nil {
		st := g.sas.Stats()
		gauge(descSASBindings, float64(st.Bindings))
		gauge(descSASEmergency, boolGauge(st.State == sas.StateEmergency))
		counter(descSASRegister, float64(st.RegisterLocal), "local")
		counter(descSASRegister, float64(st.RegisterRelayed), "relayed")
		counter(descSASRegister, float64(st.RegisterIgnored), "ignored")
		counter(descSASRouted, float64(st.ToProxy), "proxy")
		counter(descSASRouted, float64(st.ToBinding), "binding")
		counter(descSASRouted, float64(st.ToGateway), "gateway")
		counter(descSASExpired, float64(st.BindingsExpired))
	}
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// metricName is the kind as a label value.
func (k AlarmKind) metricName() string {
	switch k {
	case AlarmRegistrationFailed:
		return "registration_failed"
	case AlarmProxyLost:
		return "proxy_lost"
	case AlarmConfigurationError:
		return "configuration_error"
	case AlarmPortFailed:
		return "port_failed"
	}
	return "other"
}

// RTPCounters add up the RTP sessions of an RTPMedia: the ones ended and
// the ones open, read now.
type RTPCounters struct {
	PacketsSent, PacketsReceived, BytesSent, BytesReceived uint64
	Lost, Late, Concealed                                  uint64
	Ended, Active                                          uint64 // sessions
	SRTPAuthFailed, SRTCPAuthFailed, SRTPReplayed          uint64 // packets dropped
	MaxJitter, MaxJitterDelay                              time.Duration
}

// rtpTotals keeps the legs of one RTPMedia for RTPCounters: the open ones
// are read when asked (a scrape), the closed ones were added up once, when
// they closed. Nothing here runs per packet.
type rtpTotals struct {
	mu    sync.Mutex
	open  map[*rtpLeg]struct{}
	ended RTPCounters
}

func (t *rtpTotals) opened(l *rtpLeg) {
	t.mu.Lock()
	if t.open == nil {
		t.open = make(map[*rtpLeg]struct{})
	}
	t.open[l] = struct{}{}
	t.mu.Unlock()
}

// closing takes the leg's last counters, before its session closes. The
// leg's counters are read under t.mu (here and in RTPCounters), so a
// scrape counts a closing leg once, open or ended, and counters never go
// back.
func (t *rtpTotals) closing(l *rtpLeg) {
	t.mu.Lock()
	st, ok := l.Stats()
	delete(t.open, l)
	if ok {
		addStats(&t.ended, st)
		t.ended.Ended++
	}
	t.mu.Unlock()
}

func addStats(c *RTPCounters, st rtpsession.Stats) {
	c.PacketsSent += st.PacketsSent
	c.PacketsReceived += st.PacketsReceived
	c.BytesSent += st.BytesSent
	c.BytesReceived += st.BytesReceived
	if st.Lost > 0 { // RFC 3550's count goes below 0 with duplicates
		c.Lost += uint64(st.Lost)
	}
	c.Late += st.Late
	c.Concealed += st.Concealed
	c.SRTPAuthFailed += st.SRTPAuthFailed
	c.SRTCPAuthFailed += st.SRTCPAuthFailed
	c.SRTPReplayed += st.SRTPReplayed
}

// RTPCounters returns the RTP counters of every session, ended or open.
func (m *RTPMedia) RTPCounters() RTPCounters {
	t := &m.totals
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.ended
	for l := range t.open {
		st, ok := l.Stats()
		if !ok {
			continue
		}
		addStats(&c, st)
		c.Active++
		c.MaxJitter = max(c.MaxJitter, st.Jitter)
		c.MaxJitterDelay = max(c.MaxJitterDelay, st.JitterDelay)
	}
	return c
}
