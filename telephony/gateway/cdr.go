package gateway

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/sip"
)

// Call detail records: for every SIP call of a port, a record when it
// starts, when it is answered and when it ends, as CDRReportLevel asks.
// The gateway hands them to Options.OnCDR; SyslogCDR sends them to a
// syslog server (RFC 5424 over UDP), as the device does.

// CDRKind is the moment a record describes.
type CDRKind int

const (
	CDRStart CDRKind = iota + 1
	CDRConnect
	CDREnd
)

func (k CDRKind) String() string {
	switch k {
	case CDRStart:
		return "start"
	case CDRConnect:
		return "connect"
	case CDREnd:
		return "end"
	}
	return "CDRKind(" + strconv.Itoa(int(k)) + ")"
}

// CDR is one call detail record.
type CDR struct {
	Kind      CDRKind
	CallID    string
	Port      int
	Outgoing  bool // placed by the port (Tel-to-IP)
	From, To  string
	Setup     time.Time
	Connected time.Time // zero if never answered
	Ended     time.Time // End records only
	Duration  time.Duration
	// Code and Reason say why the call ended (Code 0 for a BYE).
	Code   int
	Reason string
	// RTP receive statistics of the call (End records).
	Lost   int64
	Jitter time.Duration
}

// String is the record as one syslog line.
func (r CDR) String() string {
	dir := "in"
	if r.Outgoing {
		dir = "out"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CDR %s call=%s port=%d dir=%s from=%q to=%q setup=%s", r.Kind, r.CallID, r.Port, dir, r.From, r.To, r.Setup.UTC().Format(time.RFC3339Nano))
	if !r.Connected.IsZero() {
		fmt.Fprintf(&b, " connect=%s", r.Connected.UTC().Format(time.RFC3339Nano))
	}
	if r.Kind == CDREnd {
		fmt.Fprintf(&b, " end=%s duration=%.3fs code=%d reason=%q lost=%d jitter=%.1fms",
			r.Ended.UTC().Format(time.RFC3339Nano), r.Duration.Seconds(), r.Code, r.Reason, r.Lost, float64(r.Jitter)/float64(time.Millisecond))
	}
	return b.String()
}

// CDR parameters.
const (
	ParamCDRReportLevel    = "CDRReportLevel"
	ParamEnableSyslog      = "EnableSyslog"
	ParamSyslogServerIP    = "SyslogServerIP"
	ParamSyslogServerPort  = "SyslogServerPort"
	ParamCDRSyslogServerIP = "CDRSyslogServerIP"
)

// CDR report levels, the device's values.
const (
	CDRNone = iota
	CDREndOnly
	CDRStartEnd
	CDRConnectEnd
	CDRAll
)

// CDRParams are the CDR and syslog parameters.
func CDRParams() []provisioning.Param {
	return []provisioning.Param{
		{Name: ParamCDRReportLevel, Kind: provisioning.KindEnum, Default: "0",
			Enum: []provisioning.EnumValue{{Value: CDRNone, Name: "none"}, {Value: CDREndOnly, Name: "end call"},
				{Value: CDRStartEnd, Name: "start and end call"}, {Value: CDRConnectEnd, Name: "connect and end call"},
				{Value: CDRAll, Name: "start, connect and end call"}},
			Description: "which call detail records are sent"},
		{Name: ParamEnableSyslog, Kind: provisioning.KindBool, Default: "0", RestartRequired: true, Description: "send the log and call detail records to SyslogServerIP"},
		{Name: ParamSyslogServerIP, Kind: provisioning.KindIP, RestartRequired: true, Description: "syslog server"},
		{Name: ParamSyslogServerPort, Kind: provisioning.KindInt, Min: 1, Max: 65535, Default: "514", RestartRequired: true},
		{Name: ParamCDRSyslogServerIP, Kind: provisioning.KindIP, RestartRequired: true, Description: "syslog server for call detail records (empty: SyslogServerIP)"},
	}
}

// cdrWanted reports whether the report level asks for records of kind k.
func cdrWanted(level int64, k CDRKind) bool {
	switch k {
	case CDRStart:
		return level == CDRStartEnd || level == CDRAll
	case CDRConnect:
		return level == CDRConnectEnd || level == CDRAll
	case CDREnd:
		return level != CDRNone
	}
	return false
}

// callRecord follows one call for its records.
type callRecord struct {
	g   *Gateway
	cdr CDR
}

func (g *Gateway) newCallRecord(p *port, c *sip.Call, outgoing bool) *callRecord {
	if g.opts.OnCDR == nil || g.config().Int(ParamCDRReportLevel) == CDRNone {
		return nil
	}
	r := &callRecord{g: g, cdr: CDR{CallID: c.ID(), Port: p.index, Outgoing: outgoing, From: c.From(), To: c.To(), Setup: time.Now()}}
	r.emit(CDRStart)
	return r
}

func (r *callRecord) emit(k CDRKind) {
	if r == nil || !cdrWanted(r.g.config().Int(ParamCDRReportLevel), k) {
		return
	}
	rec := r.cdr
	rec.Kind = k
	r.g.opts.OnCDR(rec)
}

func (r *callRecord) connected() {
	if r == nil {
		return
	}
	r.cdr.Connected = time.Now()
	r.emit(CDRConnect)
}

func (r *callRecord) ended(ev sip.Event, leg MediaLeg) {
	if r == nil {
		return
	}
	r.cdr.Ended = time.Now()
	if !r.cdr.Connected.IsZero() {
		r.cdr.Duration = r.cdr.Ended.Sub(r.cdr.Connected)
	}
	r.cdr.Code, r.cdr.Reason = ev.Code, ev.Reason
	if s, ok := leg.(interface{ MediaStats() (int64, time.Duration) }); ok {
		r.cdr.Lost, r.cdr.Jitter = s.MediaStats()
	}
	r.emit(CDREnd)
}

// SyslogCDR sends records as RFC 5424 syslog messages over UDP to addr
// (host:port), facility local0, severity informational. Close the
// returned closer when done.
func SyslogCDR(addr string) (func(CDR), func() error, error) {
	conn, host, err := dialSyslog(addr)
	if err != nil {
		return nil, nil, err
	}
	var mu sync.Mutex
	send := func(r CDR) {
		// <PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG; PRI = local0*8 + info
		msg := fmt.Sprintf("<134>1 %s %s potsgate - CDR - %s", time.Now().UTC().Format(time.RFC3339Nano), host, r)
		mu.Lock()
		defer mu.Unlock()
		_, _ = conn.Write([]byte(msg))
	}
	return send, conn.Close, nil
}

// SyslogCDRAddr is where CDRs go by the configuration: "" when syslog is
// off, no server is set or no record is asked for.
func SyslogCDRAddr(c provisioning.Config) string {
	if !c.Bool(ParamEnableSyslog) || c.Int(ParamCDRReportLevel) == CDRNone {
		return ""
	}
	ip := c.String(ParamCDRSyslogServerIP)
	if ip == "" {
		ip = c.String(ParamSyslogServerIP)
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ""
	}
	return netip.AddrPortFrom(a, uint16(c.Int(ParamSyslogServerPort))).String()
}
