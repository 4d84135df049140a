package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/potsgate/potsgate/hal/dahdi"
	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/media/tone"
	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/provisioning/autoupdate"
	"github.com/potsgate/potsgate/provisioning/certstore"
	"github.com/potsgate/potsgate/provisioning/ini"
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
	httpAddr := fs.String("http", "127.0.0.1:8080", "address of the status and management pages (empty = none)")
	httpsAddr := fs.String("https", "", "address of the HTTPS pages (default: the -http address with HTTPSPort, once a certificate is installed or HTTPSOnly = 1)")
	tlsCert := fs.String("tls-cert", "", "PEM file of the device certificate and its chain (default: the one Automatic Update installed from TLSCertFileUrl)")
	tlsKey := fs.String("tls-key", "", "PEM file of the device certificate's private key (with -tls-cert)")
	tlsCA := fs.String("tls-ca", "", "PEM file of trusted root certificates (default: TLSRootFileUrl's)")
	stateDir := fs.String("state", "", "state directory for Automatic Update (default: none kept)")
	country := fs.String("tones", "us", "call progress tone set: us, gb, de, fr, il")
	debug := fs.Bool("debug", false, "debug logging")
	halName := fs.String("hal", "sim", "analog ports: sim (simulated phones) or dahdi (a DAHDI card on Linux; DAHDIChannelMap in the ini, or /proc/dahdi)")
	answerRing := fs.Int("sim-answer", 2, "ring at which the simulated phones answer (1 = at once: a load test's set-up rate)")
	simCPC := fs.Bool("sim-cpc", false, "simulated phones hang up on a loop current disconnect (EnableCurrentDisconnect = 1), as PBX trunks and answering machines do, instead of listening for busy tone")
	pprofAddr := fs.String("pprof", "", "address of the Go profiler (net/http/pprof; empty = none; keep it on loopback)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	level := new(slog.LevelVar) // -debug, or GWDebugLevel once the configuration is read
	if *debug {
		level.Set(slog.LevelDebug)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *halName != halSim && *halName != halDAHDI {
		fmt.Fprintf(stderr, "potsgate: -hal %q: sim or dahdi\n", *halName)
		return 2
	}
	if err := runGateway(ctx, gatewayFlags{config: *configPath, http: *httpAddr, state: *stateDir, tones: *country, level: level, debug: *debug, hal: *halName, pprof: *pprofAddr, answerRing: *answerRing, simCPC: *simCPC,
		https: *httpsAddr, tlsCert: *tlsCert, tlsKey: *tlsKey, tlsRoots: *tlsCA}, log, nil); err != nil {
		log.Error("potsgate stopped", "error", err)
		return 1
	}
	return 0
}

type gatewayFlags struct {
	config, http, state, tones string
	// https is -https; tlsRoots, tlsCert, tlsKey the -tls-* files.
	https, tlsRoots, tlsCert, tlsKey string
	// pprof serves the Go profiler (scripts/load profiles the gateway
	// under load through it); "" = none.
	pprof string
	// answerRing is the ring the simulated phones answer at (0 = 2).
	answerRing int
	// simCPC: the simulated phones hang up on a loop current disconnect.
	simCPC bool
	// level is the log level GWDebugLevel sets, unless debug forces debug.
	level *slog.LevelVar
	debug bool
	// hal is where the ports are: halSim (default) or halDAHDI.
	hal string
	// dahdi opens the DAHDI channels (tests give it a fake card);
	// dahdiProc is where their list is (default /proc/dahdi).
	dahdi     dahdi.Options
	dahdiProc string
}

// The -hal values.
const (
	halSim   = "sim"
	halDAHDI = "dahdi"
)

// running is what runGateway reports once the gateway is up, for tests.
type running struct {
	SIP  string
	HTTP string
	// HTTPS returns the HTTPS pages' address ("" when not served).
	HTTPS func() string
	// TLS is the store of the device certificate.
	TLS    *certstore.Store
	Phones []*sim.Phone
	// Update runs an Automatic Update cycle now.
	Update func(context.Context) error
	// Restarts counts the in-process restarts so far.
	Restarts func() int64
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

// savedConfigName is the running configuration kept in the state
// directory, secrets included (mode 0600).
const savedConfigName = "running.ini"

// loadSaved returns the saved configuration when there is one newer than
// the -config file (any, for the embedded default).
func loadSaved(reg *provisioning.Registry, saved, configPath string) (provisioning.Config, bool, error) {
	st, err := os.Stat(saved)
	if errors.Is(err, fs.ErrNotExist) {
		return provisioning.Config{}, false, nil
	}
	if err != nil {
		return provisioning.Config{}, false, err
	}
	if configPath != "" {
		if cs, err := os.Stat(configPath); err == nil && !cs.ModTime().Before(st.ModTime()) {
			return provisioning.Config{}, false, nil
		}
	}
	c, _, err := loadConfig(reg, saved)
	if err != nil {
		return provisioning.Config{}, false, err
	}
	return c, true, nil
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
	store := f.state
	if store == "" {
		store = filepath.Join(os.TempDir(), "potsgate-state")
	}
	if f.level == nil {
		f.level = new(slog.LevelVar)
	}
	certs := certstore.New(certstore.Options{Logger: log.With("component", "tls")})
	host := &configHost{cfg: cfg, factory: cfg, reg: reg, DirStore: autoupdate.DirStore{Dir: store}, restart: make(chan string, 1), log: log, tls: certs}
	tlsWarning, err := loadTLS(certs, f, host.DirStore)
	if err != nil {
		return fmt.Errorf("TLS files: %w", err)
	}
	if tlsWarning != nil {
		log.Warn("installed TLS files refused: no device certificate", "error", tlsWarning)
	}
	metrics := gateway.NewMetrics(host.gw.Load)
	web := &webServers{store: certs, httpsFlag: f.https, log: log.With("component", "web"),
		auth: func() certstore.ClientAuth { return gateway.HTTPSClientAuth(host.Config()) }}
	host.web = gateway.HTTPSPolicy(gateway.NewAdminHandler(host.gw.Load, host, gateway.AdminOptions{Logger: log.With("component", "web"), Metrics: metrics}),
		host.Config, web.httpsPort)
	web.pages = host.web
	host.onChange = func(c provisioning.Config) {
		if !f.debug {
			f.level.Set(gateway.LogLevel(c))
		}
		if err := web.reconcile(c); err != nil {
			log.Error("HTTPS pages", "error", err)
		}
	}
	host.onTLS = func() {
		if err := web.reconcile(host.Config()); err != nil {
			log.Error("HTTPS pages", "error", err)
		}
	}
	if f.state != "" {
		// Like the device's flash: what Automatic Update applied is saved
		// and the gateway starts on it, unless the -config file was
		// edited since.
		host.saved = filepath.Join(f.state, savedConfigName)
		if c, ok, err := loadSaved(reg, host.saved, f.config); err != nil {
			log.Warn("saved configuration not used", "file", host.saved, "error", err)
		} else if ok {
			log.Info("starting on the configuration saved by Automatic Update", "file", host.saved)
			cfg = c
			host.cfg = c
		}
	}
	// The SNMP agent, when on, hears every download result; agent and
	// gateway are set once they exist, and again after each restart.
	var agent atomic.Pointer[snmp.Agent]
	updater, err := autoupdate.New(autoupdate.Options{
		Registry: reg, Host: host, StateDir: store, Logger: log.With("component", "autoupdate"),
		Identity: autoupdate.Identity{Model: gateway.ProductName, Version: gateway.Version(), MAC: firstMAC()},
		InstalledTLS: func() (*x509.CertPool, *tls.Certificate) {
			if set := certs.Current(); set != nil {
				return set.Roots(), set.Certificate()
			}
			return nil, nil
		},
		Observer: autoupdate.ObserverFunc(func(r autoupdate.Report) {
			for _, fr := range r.Files {
				metrics.UpdateResult(fr)
			}
			if g := host.gw.Load(); g != nil {
				for _, fr := range r.Files {
					var invalid *provisioning.ApplyError
					var badTLS *certstore.FileError
					switch {
					case fr.Outcome == autoupdate.Applied:
						g.ConfigurationResult(fr.Kind.String(), nil)
					case errors.As(fr.Err, &invalid), errors.Is(fr.Err, errWouldNotStart), errors.As(fr.Err, &badTLS):
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

	// The status pages outlive restarts: they show whichever gateway runs.
	var wg sync.WaitGroup
	defer wg.Wait()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	httpAddr := ""
	if f.http != "" {
		ln, err := net.Listen("tcp", f.http)
		if err != nil {
			return fmt.Errorf("status endpoint: %w", err)
		}
		httpAddr = ln.Addr().String()
		web.httpHost, _, _ = net.SplitHostPort(httpAddr)
		srv := &http.Server{Handler: host, ReadHeaderTimeout: 5 * time.Second}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = srv.Serve(ln)
		}()
		defer srv.Close()
	}
	if err := web.reconcile(host.Config()); err != nil {
		return err
	}
	defer web.close()
	host.onChange(host.Config())

	if f.pprof != "" {
		ln, err := net.Listen("tcp", f.pprof)
		if err != nil {
			return fmt.Errorf("profiler endpoint: %w", err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = srv.Serve(ln)
		}()
		defer srv.Close()
		log.Info("profiler ready", "pprof", ln.Addr().String())
	}

	b := &builder{f: f, log: log, host: host, agent: &agent, store: store}
	host.check = b.check
	rt, err := b.build(cfg)
	if err != nil {
		return err
	}
	// The pages answer for this gateway before it is announced as up, not
	// "starting" until its run loop begins.
	host.gw.Store(rt.g)
	if tlsWarning != nil {
		rt.g.ConfigurationResult("tls", tlsWarning)
	}
	rt.g.ConfigurationResult("tls expiry", tlsExpiry(certs.Current(), time.Now()))
	wg.Add(1)
	go func() {
		defer wg.Done()
		watchExpiry(runCtx, certs, host.gw.Load)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := updater.Run(runCtx); err != nil && !errors.Is(err, context.Canceled) {
			log.Warn("automatic update stopped", "error", err)
		}
	}()
	if up != nil {
		up(running{SIP: rt.g.SIPAddr(), HTTP: httpAddr, HTTPS: web.httpsAddr, TLS: certs, Phones: b.phones, Update: func(ctx context.Context) error { return updater.Trigger(ctx, "test") },
			Restarts: func() int64 { return b.restarts.Load() }})
	}
	log.Info("potsgate ready", "sip", rt.g.SIPAddr(), "status", httpAddr, "https", web.httpsAddr(), "ports", rt.numbers)
	for {
		reason, err := rt.run(runCtx, host.restart)
		if reason == "" {
			log.Info("potsgate stopped")
			return err
		}
		// A restart: the device reboots on the running configuration. A
		// configuration that cannot build is refused before the running
		// gateway stops for it.
		next := host.Config()
		log.Info("restarting", "reason", reason)
		if err := b.check(next); err != nil {
			log.Error("restart refused: the configuration does not build; the gateway goes on with the one it runs", "error", err)
			host.setConfig(rt.cfg)
			_ = rt.g.Reconfigure(rt.cfg)
			rt.g.ConfigurationResult("restart", err)
			continue
		}
		prev := rt.cfg
		locked := rt.g.Locked() // the administrative state outlives a restart, as the device keeps it
		rt.stop()
		nrt, buildErr := b.build(next)
		if buildErr != nil {
			// Only known once the old gateway is gone (a port taken, say):
			// back to the configuration that ran.
			log.Error("restart failed; back to the previous configuration", "error", buildErr)
			host.setConfig(prev)
			if nrt, err = b.build(prev); err != nil {
				return fmt.Errorf("restart: %w (and on the previous configuration: %w)", buildErr, err)
			}
			nrt.g.ConfigurationResult("restart", buildErr)
		}
		if locked {
			nrt.g.Lock(true) // no call yet: locked at once
		}
		rt = nrt
		rt.g.ConfigurationResult("tls expiry", tlsExpiry(certs.Current(), time.Now()))
		b.restarts.Add(1)
		log.Info("potsgate ready", "sip", rt.g.SIPAddr(), "status", httpAddr, "ports", rt.numbers)
	}
}

// builder makes a gateway (with its SNMP agent) from a configuration, at
// start and at each restart. The simulated phones are the device's
// hardware: they outlive restarts.
type builder struct {
	f        gatewayFlags
	log      *slog.Logger
	host     *configHost
	agent    *atomic.Pointer[snmp.Agent]
	store    string
	phones   []*sim.Phone
	restarts atomic.Int64
}

// instance is one built gateway and what lives and dies with it.
type instance struct {
	cfg     provisioning.Config
	g       *gateway.Gateway
	agent   *snmp.Agent
	numbers []string
	closers []func()
	b       *builder
	ctx     context.Context
	cancel  context.CancelFunc
	done    chan error
	snmpWG  sync.WaitGroup
}

// check finds what would stop a gateway from building on cfg, without
// opening anything.
func (b *builder) check(cfg provisioning.Config) error {
	if _, err := gateway.Tones(cfg, b.f.tones, b.host.FilePath(autoupdate.FileCPT)); err != nil {
		return err
	}
	numbers, err := portNumbers(cfg)
	if err != nil {
		return err
	}
	ports := make([]gateway.Port, len(numbers))
	for i, n := range numbers {
		ports[i] = gateway.Port{Number: n, FXS: sim.NewPhone()}
	}
	if b.f.hal == halDAHDI {
		// The channels are not opened (the running gateway holds them):
		// the map is checked against the ports and /proc/dahdi.
		chans, err := gateway.DAHDIChannels(cfg, len(numbers), b.f.dahdiProc)
		if err != nil {
			return err
		}
		for i, ch := range chans {
			if ch.Kind == dahdi.FXO {
				ports[i] = gateway.Port{Number: numbers[i], FXO: sim.NewLine()}
			}
		}
	}
	if err := gateway.CheckConfig(cfg, ports); err != nil {
		return err
	}
	// An agent built and never served, with no engine state file: the
	// configuration's checks without bumping snmpEngineBoots.
	if sc := gateway.SNMPConfig(cfg, ""); !sc.DisableSNMP {
		if _, err := snmp.New(sc, &gateway.SNMPDevice{}); err != nil {
			return fmt.Errorf("snmp: %w", err)
		}
	}
	return nil
}

func portNumbers(cfg provisioning.Config) ([]string, error) {
	numbers, err := gateway.PortNumbers(cfg)
	if err != nil {
		return nil, err
	}
	if len(numbers) == 0 {
		return nil, errors.New("no ports: the TrunkGroup table numbers none")
	}
	return numbers, nil
}

func (b *builder) build(cfg provisioning.Config) (rt *instance, err error) {
	tones, err := gateway.Tones(cfg, b.f.tones, b.host.FilePath(autoupdate.FileCPT))
	if err != nil {
		return nil, err
	}
	numbers, err := portNumbers(cfg)
	if err != nil {
		return nil, err
	}
	// Without -hal dahdi the reference binary has no analog hardware:
	// every port is a simulated phone that answers after two rings and
	// echoes what it hears.
	for b.f.hal != halDAHDI && len(b.phones) < len(numbers) {
		ph := sim.NewPhone()
		ph.AutoAnswer(cmp.Or(b.f.answerRing, 2))
		ph.HangUpOnDisconnect(b.f.simCPC)
		ph.Echo(true)
		ph.Record(false)
		if err := hangUpOnBusy(ph, tones); err != nil {
			return nil, err
		}
		b.phones = append(b.phones, ph)
	}
	var ports []gateway.Port
	if b.f.hal != halDAHDI {
		for i, n := range numbers {
			ports = append(ports, gateway.Port{Number: n, FXS: b.phones[i]})
		}
	}
	sipCfg, err := gateway.SIPConfig(cfg, gateway.ProductName+"/"+gateway.Version())
	if err != nil {
		return nil, err
	}
	media, err := gateway.NewRTPMedia(cfg, sipCfg)
	if err != nil {
		return nil, err
	}
	inst := &instance{b: b, cfg: cfg, numbers: numbers, done: make(chan error, 1)}
	rt = inst
	defer func() {
		if err != nil {
			inst.close() // what was opened before the failure (rt is nil by then)
		}
	}()
	if b.f.hal == halDAHDI {
		// Each gateway opens the channels and closes them after itself
		// (closers run last to first): a restart opens them again.
		opts := b.f.dahdi
		if opts.Logger == nil {
			opts.Logger = b.log.With("component", "dahdi")
		}
		var closePorts func()
		if ports, closePorts, err = gateway.DAHDIPorts(cfg, numbers, opts, b.f.dahdiProc); err != nil {
			return nil, err
		}
		inst.closers = append(inst.closers, closePorts)
		b.log.Info("DAHDI ports open", "ports", len(ports))
	}
	var onCDR func(gateway.CDR)
	if addr := gateway.SyslogCDRAddr(cfg); addr != "" {
		send, closeSyslog, err := gateway.SyslogCDR(addr)
		if err != nil {
			return nil, err
		}
		rt.closers = append(rt.closers, func() { _ = closeSyslog() })
		onCDR = send
		b.log.Info("call detail records to syslog", "server", addr)
	}
	log := b.log
	if addr := gateway.SyslogAddr(cfg); addr != "" {
		h, closeSyslog, err := gateway.SyslogHandler(addr, b.f.level)
		if err != nil {
			return nil, err
		}
		rt.closers = append(rt.closers, func() { _ = closeSyslog() })
		log = slog.New(slog.NewMultiHandler(b.log.Handler(), h))
		log.Info("log to syslog", "server", addr)
	}
	agent, host := b.agent, b.host
	g, err := gateway.New(gateway.Options{
		OnCDR: onCDR,
		// DAHDI ports are paced by the card; simulated ones by a ticker.
		Config: cfg, Ports: ports, Tones: tones, SIP: sipCfg, Media: media, Paced: b.f.hal != halDAHDI, Logger: log,
		SAS: gateway.SASConfig(cfg), TLS: sipTLS(b.host.tls),
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
				return host.Restart(ctx, "check-sync reboot")
			}
			return host.Trigger(ctx, "check-sync")
		},
	})
	if err != nil {
		return nil, err
	}
	rt.g = g
	rt.closers = append(rt.closers, func() { _ = g.Close() })
	if sc := gateway.SNMPConfig(cfg, filepath.Join(b.store, "snmp-engine.json")); !sc.DisableSNMP {
		if err := os.MkdirAll(b.store, 0o700); err != nil {
			return nil, err
		}
		dev := &gateway.SNMPDevice{G: g, Provisioner: host, Serial: firstMAC(), OnRestart: func(ctx context.Context) error {
			// A moment first, so the SET's response leaves before the
			// restart stops the agent that sends it.
			time.AfterFunc(200*time.Millisecond, func() { _ = host.Restart(ctx, "SNMP pgActionRestart") })
			return nil
		}}
		a, err := snmp.New(sc, dev, snmp.WithLogger(log.With("component", "snmp")))
		if err != nil {
			return nil, fmt.Errorf("snmp: %w", err)
		}
		rt.agent = a
		log.Info("SNMP agent ready", "port", sc.SNMPPort, "bind", sc.BindAddress)
	}
	st := g.Status()
	if st.SAS != nil {
		log.Info("SAS registrar ready: register softphones here, they can call the ports", "sas", st.SAS.Addr)
	}
	return rt, nil
}

// run runs the gateway until ctx ends (reason "") or a restart is asked
// for (its reason; the gateway is still running then).
func (rt *instance) run(ctx context.Context, restart <-chan string) (reason string, err error) {
	if rt.ctx == nil { // first run of this gateway
		rt.ctx, rt.cancel = context.WithCancel(ctx)
		rt.b.host.gw.Store(rt.g)
		if rt.agent != nil {
			rt.b.agent.Store(rt.agent)
			rt.snmpWG.Add(1)
			go func() {
				defer rt.snmpWG.Done()
				if err := rt.agent.Serve(rt.ctx); err != nil && !errors.Is(err, context.Canceled) {
					rt.b.log.Error("SNMP agent stopped", "error", err)
				}
			}()
		} else {
			rt.b.agent.Store(nil)
		}
		go func() { rt.done <- rt.g.Run(rt.ctx) }()
	}
	select {
	case <-ctx.Done():
		rt.cancel()
		err = <-rt.done
		rt.snmpWG.Wait()
		rt.close()
		return "", err
	case err := <-rt.done:
		rt.done <- err
		rt.cancel()
		rt.snmpWG.Wait()
		rt.close()
		return "", err
	case reason := <-restart:
		return reason, nil
	}
}

// stop ends a running gateway (calls end with BYE) and its agent.
func (rt *instance) stop() {
	if rt.cancel != nil {
		rt.cancel()
		<-rt.done
		rt.snmpWG.Wait()
	}
	rt.close()
}

func (rt *instance) close() {
	for i := len(rt.closers) - 1; i >= 0; i-- {
		rt.closers[i]()
	}
	rt.closers = nil
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

// errWouldNotStart marks a downloaded configuration refused because the
// restart it needs would fail.
var errWouldNotStart = errors.New("the configuration needs a restart and the gateway would not start with it")

// configHost is the running configuration as Automatic Update and SNMP
// see it. A downloaded configuration is applied to the running gateway at
// once (Gateway.Reconfigure); what needs a restart gets one: the gateway
// is built again, in the same process, on the running configuration.
type configHost struct {
	mu      sync.Mutex
	cfg     provisioning.Config
	reg     *provisioning.Registry
	updater *autoupdate.Updater
	gw      atomic.Pointer[gateway.Gateway]
	// factory is the configuration the process started with (the -config
	// file or the embedded default): what factory defaults restore.
	factory provisioning.Config
	// web serves the status and management pages of the gateway running
	// now; built once, so its sessions outlive restarts.
	web     http.Handler
	restart chan string
	saved   string // where the running configuration is saved; "" = nowhere
	// onChange hears every new running configuration (GWDebugLevel).
	onChange func(provisioning.Config)
	log      *slog.Logger
	// check finds what would stop the gateway from starting on a
	// configuration (set once the builder exists).
	check func(provisioning.Config) error
	// tls holds the device certificate; onTLS hears a new one installed.
	tls   *certstore.Store
	onTLS func()
	autoupdate.DirStore
}

// ServeHTTP serves the status and management pages of the gateway
// running now.
func (h *configHost) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.web.ServeHTTP(w, r) }

// ApplyIni applies an ini file uploaded on the web pages the way
// Automatic Update applies a downloaded one: validated whole, applied
// live, and a restart when a parameter needs one.
func (h *configHost) ApplyIni(ctx context.Context, name string, text []byte) (provisioning.ApplyResult, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	// On the configuration it replaces, under the lock, so an Automatic
	// Update cycle in between is not lost.
	res, err := h.reg.ApplyText(h.cfg, name, text)
	if err != nil {
		return provisioning.ApplyResult{}, err
	}
	if err := h.apply(res); err != nil {
		return provisioning.ApplyResult{}, err
	}
	if len(res.RestartRequired) > 0 || res.ResetNow {
		_ = h.Restart(ctx, "web upload")
	}
	return res, nil
}

// FactoryDefaults puts back the configuration the process started with
// and restarts on it.
func (h *configHost) FactoryDefaults(ctx context.Context) error {
	if h.check != nil {
		if err := h.check(h.factory); err != nil {
			return err
		}
	}
	h.setConfig(h.factory)
	return h.Restart(ctx, "factory defaults")
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
	h.changed()
	return nil
}

// changed saves the new running configuration and tells onChange; called
// with h.mu held.
func (h *configHost) changed() {
	h.save()
	if h.onChange != nil {
		h.onChange(h.cfg)
	}
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

// ApplyConfig makes res the running configuration. The gateway takes it
// first: if it cannot, the file fails and nothing changes.
func (h *configHost) ApplyConfig(_ context.Context, res provisioning.ApplyResult) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.apply(res)
}

// apply is ApplyConfig with h.mu held.
func (h *configHost) apply(res provisioning.ApplyResult) error {
	if len(res.RestartRequired) > 0 && h.check != nil {
		// Found now, the file fails whole; found at the restart, the
		// device would be left on a configuration it cannot start with.
		if err := h.check(res.Config); err != nil {
			return fmt.Errorf("%w: %w", errWouldNotStart, err)
		}
	}
	if g := h.gw.Load(); g != nil {
		if err := g.Reconfigure(res.Config); err != nil {
			return err
		}
	}
	h.cfg = res.Config
	h.changed()
	return nil
}

// save keeps the running configuration in the state directory (when one
// was given); called with h.mu held.
func (h *configHost) save() {
	if h.saved == "" {
		return
	}
	if err := saveConfig(h.saved, h.cfg); err != nil {
		// The gateway runs on it; only a restart of the process loses it.
		h.log.Warn("running configuration not saved", "file", h.saved, "error", err)
	}
}

// saveConfig writes c, secrets included, to path atomically with mode 0600.
func saveConfig(path string, c provisioning.Config) error {
	var buf bytes.Buffer
	if err := ini.Write(&buf, c.ExportWithSecrets()); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func (h *configHost) setConfig(c provisioning.Config) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cfg = c
	h.changed()
}

// InstallFile checks a call progress tones file before it is kept: a
// malformed one fails the download and the installed one stays.
func (h *configHost) InstallFile(ctx context.Context, kind autoupdate.FileKind, data []byte) error {
	if kind == autoupdate.FileCPT {
		if _, err := gateway.ParseTones(data); err != nil {
			return err
		}
	}
	return h.DirStore.InstallFile(ctx, kind, data)
}

// Restart asks for the gateway to be built again on the running
// configuration; it returns at once (Automatic Update calls it from its
// cycle, which the restart must not wait for).
func (h *configHost) Restart(_ context.Context, reason string) error {
	select {
	case h.restart <- reason:
	default: // one is already pending
	}
	return nil
}

// sipTLS is the certificate store as SIP over TLS takes it: the device
// certificate is read from the store at each new connection, so a set
// Automatic Update installs serves the next connection while calls on open
// ones go on; the roots are those of the set at this build (a new root
// bundle verifies peers from the next restart on).
func sipTLS(certs *certstore.Store) gateway.TLSMaterial {
	set := certs.Current()
	if set == nil || set.Certificate() == nil {
		return gateway.TLSMaterial{} // TLS asked for without a certificate fails the build by name
	}
	return gateway.TLSMaterial{Roots: set.Roots(), GetCertificate: func() (*tls.Certificate, error) {
		if cur := certs.Current(); cur != nil && cur.Certificate() != nil {
			return cur.Certificate(), nil
		}
		return set.Certificate(), nil
	}}
}
