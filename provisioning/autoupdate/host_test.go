package autoupdate

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/potsgate/potsgate/provisioning"
)

// recordingHost is a Host that keeps what it was given.
type recordingHost struct {
	mu       sync.Mutex
	cfg      provisioning.Config
	applied  []provisioning.ApplyResult
	files    map[FileKind][]byte
	firmware []*Firmware
	restarts []string
	events   []string // "config", "firmware <ver>", "file <kind>", "restart", in order
}

func newHost(t *testing.T, reg *provisioning.Registry, ini string) *recordingHost {
	t.Helper()
	h := &recordingHost{cfg: reg.Defaults(), files: map[FileKind][]byte{}}
	if ini != "" {
		res, err := reg.ApplyText(reg.Defaults(), "initial.ini", []byte(ini))
		if err != nil {
			t.Fatal(err)
		}
		h.cfg = res.Config
	}
	return h
}

func (h *recordingHost) Config() provisioning.Config {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cfg
}

func (h *recordingHost) ApplyConfig(_ context.Context, res provisioning.ApplyResult) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cfg = res.Config
	h.applied = append(h.applied, res)
	h.events = append(h.events, "config")
	return nil
}

func (h *recordingHost) InstallFile(_ context.Context, kind FileKind, data []byte) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.files[kind] = bytes.Clone(data)
	h.events = append(h.events, "file "+kind.String())
	return nil
}

func (h *recordingHost) StageFirmware(_ context.Context, fw *Firmware) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.firmware = append(h.firmware, fw)
	h.events = append(h.events, "firmware "+fw.Version)
	return nil
}

func (h *recordingHost) Restart(_ context.Context, reason string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.restarts = append(h.restarts, reason)
	h.events = append(h.events, "restart")
	return nil
}

func (h *recordingHost) eventLog() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.events...)
}

func (h *recordingHost) counts() (applied, firmware, restarts int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.applied), len(h.firmware), len(h.restarts)
}

// testRegistry has the Automatic Update parameters and two more for the
// downloaded files to set.
func testRegistry(t *testing.T) *provisioning.Registry {
	t.Helper()
	reg := provisioning.NewRegistry()
	if err := reg.Register(provisioning.AutoUpdateParams()...); err != nil {
		t.Fatal(err)
	}
	err := reg.Register(
		provisioning.Param{Name: "RegistrationTime", Kind: provisioning.KindInt, Min: 10, Max: 2000000, Default: "3600"},
		provisioning.Param{Name: "EnableCallerID", Kind: provisioning.KindBool, Default: "0", RestartRequired: true},
	)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// logBuffer collects the updater's log so tests can check what it says and
// that no secret is in it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

func mustNotContain(t *testing.T, what, text, secret string) {
	t.Helper()
	if strings.Contains(text, secret) {
		t.Fatalf("%s contains the secret %q:\n%s", what, secret, text)
	}
}
