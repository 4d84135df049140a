package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/media/tone"
	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/provisioning/autoupdate"
	"github.com/potsgate/potsgate/snmp"
	"github.com/potsgate/potsgate/telephony/gateway"
)

//go:embed default.ini
var defaultIni []byte

// gatewayCommand runs the gateway: the embedded default, or -config FILE.
func gatewayCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("potsgate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "ini file (default: the embedded default, see cmd/potsgate/default.ini)")
	httpAddr := fs.String("http", "127.0.0.1:8080", "status endpoint address (empty = none)")
	stateDir := fs.String("state", "", "state directory for Automatic Update (default: none kept)")
	country := fs.String("tones", "us", "call progress tone set: us, gb, de, fr, il")
	debug := fs.Bool("debug", false, "debug logging")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runGateway(ctx, gatewayFlags{config: *configPath, http: *httpAddr, state: *stateDir, tones: *country}, log, nil); err != nil {
		log.Error("potsgate stopped", "error", err)
		return 1
	}
	return 0
}

type gatewayFlags struct {
	config, http, state, tones string
}

// running is what runGateway reports once the gateway is up, for tests.
type running struct {
	SIP    string
	HTTP   string
	Phones []*sim.Phone
	// Update runs an Automatic Update cycle now.
	Update func(context.Context) error
}

func loadConfig(reg *provisioning.Registry, path string) (provisioning.Config, []byte, error) {
	text, name := defaultIni, "default.ini"
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return provisioning.Config{}, nil, err
		}
		text, name = b, path
	}
	res, err := reg.ApplyText(reg.Defaults(), name, text)
	if err != nil {
		return provisioning.Config{}, nil, err
	}
	return res.Config, text, nil
}

func runGateway(ctx context.Context, f gatewayFlags, log *slog.Logger, up func(running)) error {
	reg, err := gateway.NewRegistry()
	if err != nil {
		return err
	}
	cfg, _, err := loadConfig(reg, f.config)
	if err != nil {
		return err
	}
	tones, err := tone.Country(f.tones)
	if err != nil {
		return err
	}
	numbers, err := gateway.PortNumbers(cfg)
	if err != nil {
		return err
	}
	if len(numbers) == 0 {
		return errors.New("no ports: the TrunkGroup table numbers none")
	}
	// The reference binary has no analog hardware: every port is a
	// simulated phone that answers after two rings and echoes what it
	// hears.
	var ports []gateway.Port
	var phones []*sim.Phone
	for _, n := range numbers {
		ph := sim.NewPhone()
		ph.AutoAnswer(2)
		ph.Echo(true)
		ph.Record(false)
		if err := hangUpOnBusy(ph, tones); err != nil {
			return err
		}
		phones = append(phones, ph)
		ports = append(ports, gateway.Port{Number: n, FXS: ph})
	}
	sipCfg, err := gateway.SIPConfig(cfg, gateway.ProductName+"/"+gateway.Version())
	if err != nil {
		return err
	}
	media, err := gateway.NewRTPMedia(cfg, sipCfg)
	if err != nil {
		return err
	}
	store := f.state
	if store == "" {
		store = filepath.Join(os.TempDir(), "potsgate-state")
	}
	host := &configHost{cfg: cfg, reg: reg, DirStore: autoupdate.DirStore{Dir: store}}
	// The SNMP agent, when on, hears every download result; it is set
	// once the gateway exists.
	var agent atomic.Pointer[snmp.Agent]
	var gw atomic.Pointer[gateway.Gateway] // alarms for rejected files, once it exists
	updater, err := autoupdate.New(autoupdate.Options{
		Registry: reg, Host: host, StateDir: f.state, Logger: log.With("component", "autoupdate"),
		Identity: autoupdate.Identity{Model: gateway.ProductName, Version: gateway.Version(), MAC: firstMAC()},
		Observer: autoupdate.ObserverFunc(func(r autoupdate.Report) {
			if g := gw.Load(); g != nil {
				for _, fr := range r.Files {
					var invalid *provisioning.ApplyError
					switch {
					case fr.Outcome == autoupdate.Applied:
						g.ConfigurationResult(fr.Kind.String(), nil)
					case errors.As(fr.Err, &invalid):
						g.ConfigurationResult(fr.Kind.String(), fr.Err)
					}
				}
			}
			a := agent.Load()
			if a == nil {
				return
			}
			for _, fr := range r.Files {
				res := snmp.DownloadResult{URL: fr.URL, OK: fr.Outcome != autoupdate.Failed, Reason: fr.Outcome.String()}
				if fr.Err != nil {
					res.Reason = fr.Err.Error()
				}
				_ = a.DownloadResult(res)
			}
		}),
	})
	if err != nil {
		return err
	}
	host.updater = updater
	var onCDR func(gateway.CDR)
	if addr := gateway.SyslogCDRAddr(cfg); addr != "" {
		send, closeSyslog, err := gateway.SyslogCDR(addr)
		if err != nil {
			return err
		}
		defer closeSyslog()
		onCDR = send
		log.Info("call detail records to syslog", "server", addr)
	}
	g, err := gateway.New(gateway.Options{
		OnCDR:  onCDR,
		Config: cfg, Ports: ports, Tones: tones, SIP: sipCfg, Media: media, Paced: true, Logger: log,
		SAS: gateway.SASConfig(cfg),
		OnAlarm: func(al gateway.Alarm, raised bool) {
			a := agent.Load()
			if a == nil {
				return
			}
			if raised {
				_ = a.AlarmRaised(gateway.SNMPAlarm(al, true))
			} else {
				_ = a.AlarmCleared(gateway.SNMPAlarm(al, false))
			}
		},
		CheckSync: func(ctx context.Context, reboot bool) error {
			if reboot {
				log.Warn("check-sync asked for a restart; the reference binary has no device to restart")
				return nil
			}
			return updater.Trigger(ctx, "check-sync")
		},
	})
	if err != nil {
		return err
	}
	gw.Store(g)
	var wg sync.WaitGroup
	defer wg.Wait()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if sc := gateway.SNMPConfig(cfg, filepath.Join(store, "snmp-engine.json")); !sc.DisableSNMP {
		if err := os.MkdirAll(store, 0o700); err != nil {
			return err
		}
		a, err := snmp.New(sc, &gateway.SNMPDevice{G: g, Provisioner: host, Serial: firstMAC()}, snmp.WithLogger(log.With("component", "snmp")))
		if err != nil {
			g.Close()
			return fmt.Errorf("snmp: %w", err)
		}
		agent.Store(a)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.Serve(runCtx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("SNMP agent stopped", "error", err)
			}
		}()
		log.Info("SNMP agent ready", "port", sc.SNMPPort, "bind", sc.BindAddress)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := updater.Run(runCtx); err != nil && !errors.Is(err, context.Canceled) {
			log.Warn("automatic update stopped", "error", err)
		}
	}()
	httpAddr := ""
	if f.http != "" {
		ln, err := net.Listen("tcp", f.http)
		if err != nil {
			g.Close()
			return fmt.Errorf("status endpoint: %w", err)
		}
		httpAddr = ln.Addr().String()
		srv := &http.Server{Handler: g.StatusHandler(host.Config), ReadHeaderTimeout: 5 * time.Second}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = srv.Serve(ln)
		}()
		defer srv.Close()
	}
	st := g.Status()
	if st.SAS != nil {
		log.Info("SAS registrar ready: register softphones here, they can call the ports", "sas", st.SAS.Addr)
	}
	log.Info("potsgate ready", "sip", g.SIPAddr(), "status", httpAddr, "ports", numbers)
	if up != nil {
		up(running{SIP: g.SIPAddr(), HTTP: httpAddr, Phones: phones, Update: func(ctx context.Context) error { return updater.Trigger(ctx, "test") }})
	}
	err = g.Run(runCtx)
	log.Info("potsgate stopped")
	return err
}

// hangUpOnBusy makes a simulated phone do what its user would: put the
// handset down when the call is over and busy or reorder tone plays.
func hangUpOnBusy(ph *sim.Phone, tones tone.Set) error {
	var listen []tone.Definition
	for _, t := range []tone.Type{tone.Busy, tone.Reorder} {
		if d, ok := tones.Tone(t); ok {
			// A person knows the tone before its second cycle: listen for
			// its frequencies, not its cadence.
			d.Form, d.Cadence = tone.Continuous, [tone.MaxCadence]tone.Step{}
			listen = append(listen, d)
		}
	}
	det, err := tone.NewDetector(-40, listen...)
	if err != nil {
		return err
	}
	ph.OnHear(func(frame []int16) {
		if _, ok := det.Process(frame); ok {
			ph.HangUp()
			det.Reset()
		}
	})
	return nil
}

// configHost is the running configuration as Automatic Update sees it.
// Downloaded changes apply to what reads the configuration next; the
// reference binary does not restart itself.
type configHost struct {
	mu      sync.Mutex
	cfg     provisioning.Config
	reg     *provisioning.Registry
	updater *autoupdate.Updater
	autoupdate.DirStore
}

// SetParam changes one parameter of the running configuration (an SNMP
// SET of an update URL), validated like a one-line ini file.
func (h *configHost) SetParam(_ context.Context, name, value string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	text := fmt.Sprintf("%s = '%s'\n", name, strings.ReplaceAll(value, "'", ""))
	res, err := h.reg.ApplyText(h.cfg, "snmp-set", []byte(text), provisioning.KeepUnlisted())
	if err != nil {
		return err
	}
	h.cfg = res.Config
	return nil
}

// Trigger runs an Automatic Update cycle now.
func (h *configHost) Trigger(ctx context.Context, reason string) error {
	return h.updater.Trigger(ctx, reason)
}

func (h *configHost) Config() provisioning.Config {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cfg
}

func (h *configHost) ApplyConfig(_ context.Context, res provisioning.ApplyResult) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cfg = res.Config
	return nil
}

func (h *configHost) Restart(context.Context, string) error { return nil }
