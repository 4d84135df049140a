package gateway

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/potsgate/potsgate/provisioning"
)

// ParamGWDebugLevel turns debug messages on in the log and syslog.
const ParamGWDebugLevel = "GWDebugLevel"

// LogParams are the logging parameters.
func LogParams() []provisioning.Param {
	return []provisioning.Param{{Name: ParamGWDebugLevel, Kind: provisioning.KindInt, Min: 0, Max: 7, Default: "0",
		Description: "0 = no debug messages; 1-7 = debug messages too, in the log and to syslog"}}
}

// LogLevel is the level GWDebugLevel asks for.
func LogLevel(c provisioning.Config) slog.Level {
	if c.Int(ParamGWDebugLevel) > 0 {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// SyslogAddr is where the gateway's log goes by the configuration
// (EnableSyslog, SyslogServerIP, SyslogServerPort): "" when nowhere.
func SyslogAddr(c provisioning.Config) string {
	if !c.Bool(ParamEnableSyslog) {
		return ""
	}
	a, err := netip.ParseAddr(c.String(ParamSyslogServerIP))
	if err != nil {
		return ""
	}
	return netip.AddrPortFrom(a, uint16(c.Int(ParamSyslogServerPort))).String()
}

// SyslogHandler is a slog.Handler that sends each record at or above level
// as an RFC 5424 syslog message over UDP to addr, facility local0, with the
// record's message and attributes as key=value text. Close the returned
// closer when done.
func SyslogHandler(addr string, level slog.Leveler) (slog.Handler, func() error, error) {
	conn, host, err := dialSyslog(addr)
	if err != nil {
		return nil, nil, err
	}
	out := &syslogOut{conn: conn, host: host}
	text := slog.NewTextHandler(&out.buf, &slog.HandlerOptions{Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey) {
				return slog.Attr{} // in the syslog header instead
			}
			return a
		}})
	return &syslogHandler{out: out, text: text}, conn.Close, nil
}

// syslogOut is the socket and the buffer one record is formatted into;
// the handlers made by WithAttrs and WithGroup share it.
type syslogOut struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	conn net.Conn
	host string
}

type syslogHandler struct {
	out  *syslogOut
	text slog.Handler
}

func (h *syslogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.text.Enabled(ctx, l)
}

func (h *syslogHandler) Handle(ctx context.Context, r slog.Record) error {
	o := h.out
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Reset()
	if err := h.text.Handle(ctx, r); err != nil {
		return err
	}
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	// <PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG, facility local0 (16).
	msg := fmt.Sprintf("<%d>1 %s %s potsgate - LOG - %s", 16*8+severity(r.Level), t.UTC().Format(time.RFC3339Nano), o.host,
		bytes.TrimRight(o.buf.Bytes(), "\n"))
	_, err := o.conn.Write([]byte(msg))
	return err
}

func (h *syslogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &syslogHandler{out: h.out, text: h.text.WithAttrs(as)}
}

func (h *syslogHandler) WithGroup(name string) slog.Handler {
	return &syslogHandler{out: h.out, text: h.text.WithGroup(name)}
}

// dialSyslog opens the UDP socket to a syslog server and returns the
// HOSTNAME field of the messages ("-" when unknown).
func dialSyslog(addr string) (net.Conn, string, error) {
	conn, err := net.Dial("udp", addr)
	if err != nil {
		return nil, "", fmt.Errorf("syslog %s: %w", addr, err)
	}
	host, _ := os.Hostname()
	if host == "" {
		host = "-"
	}
	return conn, host, nil
}

// severity maps a slog level to syslog's: error 3, warning 4, info 6,
// debug 7.
func severity(l slog.Level) int {
	switch {
	case l >= slog.LevelError:
		return 3
	case l >= slog.LevelWarn:
		return 4
	case l >= slog.LevelInfo:
		return 6
	}
	return 7
}
