package main

import (
	"context"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"

	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/provisioning/autoupdate"
	"github.com/potsgate/potsgate/telephony/gateway"
)

// updateCommand: `potsgate update -config FILE -state DIR` runs one
// Automatic Update cycle from the URLs of FILE, prints one line per file and
// exits 1 if any file failed.
func updateCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("potsgate update", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "ini file with the Automatic Update parameters (required)")
	stateDir := fs.String("state", "", "state directory: update state, downloaded files, staged firmware, running.ini (required)")
	mac := fs.String("mac", "", "device MAC for <MAC> (default: the first network interface's)")
	model := fs.String("model", "potsgate", "model name for <NAME> in the User-Agent")
	caFile := fs.String("ca", "", "PEM file of trusted roots for HTTPS, in addition to TLSRootFileUrl's")
	verbose := fs.Bool("v", false, "log each request")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *configPath == "" || *stateDir == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: potsgate update -config FILE -state DIR [-mac MAC] [-model NAME] [-ca FILE] [-v]")
		return 2
	}
	reg, err := gateway.NewRegistry()
	if err != nil {
		fmt.Fprintln(stderr, "potsgate:", err)
		return 2
	}
	text, err := os.ReadFile(*configPath)
	if err != nil {
		fmt.Fprintln(stderr, "potsgate:", err)
		return 2
	}
	res, err := reg.ApplyText(reg.Defaults(), *configPath, text)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	host := &cliHost{cfg: res.Config, store: autoupdate.DirStore{Dir: *stateDir}, stdout: stdout}
	roots, cert, err := host.store.TLS()
	if err != nil {
		fmt.Fprintln(stderr, "potsgate:", err)
		return 2
	}
	if *caFile != "" {
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			fmt.Fprintln(stderr, "potsgate:", err)
			return 2
		}
		if roots == nil {
			roots = x509.NewCertPool()
		}
		if !roots.AppendCertsFromPEM(pem) {
			fmt.Fprintf(stderr, "potsgate: %s holds no PEM certificate\n", *caFile)
			return 2
		}
	}
	if *mac == "" {
		*mac = firstMAC()
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	u, err := autoupdate.New(autoupdate.Options{
		Registry: reg, Host: host, StateDir: *stateDir,
		Identity:   autoupdate.Identity{Model: *model, Version: gateway.Version(), MAC: *mac},
		Logger:     slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
		RootCAs:    roots,
		ClientCert: cert,
	})
	if err != nil {
		fmt.Fprintln(stderr, "potsgate:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := u.RunCycle(ctx, "command line")
	for _, f := range rep.Files {
		line := fmt.Sprintf("%-13s %-12s %s", f.Kind, f.Outcome, f.URL)
		if f.Status != 0 {
			line += fmt.Sprintf(" (HTTP %d, %d bytes)", f.Status, f.Bytes)
		}
		if f.Err != nil {
			line += ": " + strings.ReplaceAll(f.Err.Error(), "\n", "\n    ")
		}
		fmt.Fprintln(stdout, line)
	}
	if len(rep.Files) == 0 {
		fmt.Fprintln(stdout, "no file URL is configured")
	}
	if rep.Restarted {
		fmt.Fprintf(stdout, "restart needed: %s\n", rep.RestartReason)
	}
	if err != nil {
		fmt.Fprintln(stderr, "potsgate:", err)
		return 1
	}
	if rep.Failed() {
		return 1
	}
	return 0
}

// cliHost applies downloaded configuration to running.ini in the state
// directory; it cannot restart anything, so it reports restarts instead.
type cliHost struct {
	mu     sync.Mutex
	cfg    provisioning.Config
	store  autoupdate.DirStore
	stdout io.Writer
}

func (h *cliHost) Config() provisioning.Config {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cfg
}

func (h *cliHost) ApplyConfig(_ context.Context, res provisioning.ApplyResult) error {
	if err := saveConfig(filepath.Join(h.store.Dir, savedConfigName), res.Config); err != nil {
		return err
	}
	h.mu.Lock()
	h.cfg = res.Config
	h.mu.Unlock()
	return nil
}

func (h *cliHost) InstallFile(ctx context.Context, kind autoupdate.FileKind, data []byte) error {
	return h.store.InstallFile(ctx, kind, data)
}

func (h *cliHost) StageFirmware(ctx context.Context, fw *autoupdate.Firmware) error {
	return h.store.StageFirmware(ctx, fw)
}

func (h *cliHost) Restart(context.Context, string) error { return nil }

// firstMAC is the hardware address of the first interface that has one.
func firstMAC() string {
	ifs, _ := net.Interfaces()
	for _, i := range ifs {
		if len(i.HardwareAddr) == 6 && i.Flags&net.FlagLoopback == 0 {
			return i.HardwareAddr.String()
		}
	}
	return "00:00:00:00:00:00"
}
