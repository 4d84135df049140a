package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/potsgate/potsgate/hal"
	"github.com/potsgate/potsgate/media/fax"
	"github.com/potsgate/potsgate/media/tone"
	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sas"
	"github.com/potsgate/potsgate/sip/sdp"
	"github.com/potsgate/potsgate/telephony/line"
)

// Port is one analog port: a number and either an FXS or an FXO port.
type Port struct {
	Number string
	FXS    hal.FXSPort
	FXO    hal.FXOPort
}

// MediaFactory opens the RTP side of calls.
type MediaFactory interface {
	// Open reserves a local RTP port for a call; onDigit hears digits the
	// far end sends by RFC 4733.
	Open(onDigit func(d byte)) (MediaLeg, error)
}

// MediaLeg is the RTP side of one call.
type MediaLeg interface {
	// Port is the local RTP port, for SDP.
	Port() int
	// Start begins sending and receiving with the negotiated media.
	Start(choice sdp.Choice) error
	// Update applies a re-INVITE (hold, resume, new address).
	Update(choice sdp.Choice) error
	// ReadFrame fills 10 ms of audio from the far end; WriteFrame sends
	// 10 ms heard on the line. Neither blocks.
	ReadFrame(dst []int16)
	WriteFrame(src []int16)
	// SendDigit sends a digit by RFC 4733.
	SendDigit(d byte)
	Close() error
}

// Options build a Gateway. Config, Ports, SIP and Media are required.
type Options struct {
	Config provisioning.Config
	Ports  []Port
	Tones  tone.Set
	SIP    sip.Config
	Media  MediaFactory
	// Paced steps every line from one 10 ms ticker, for simulated ports;
	// hardware ports pace themselves.
	Paced bool
	// SAS, when enabled, runs the embedded registrar and proxy on the
	// same address as the user agent, on its own port.
	SAS sas.Config
	// TLS is the certificate material of SIP over TLS (transport_params.go);
	// needed only when SIPTransportType, the registrar or a proxy is TLS.
	TLS TLSMaterial
	// CheckSync runs a configuration update (or a restart) when a trusted
	// check-sync NOTIFY arrives.
	CheckSync func(ctx context.Context, reboot bool) error
	// OnAlarm hears every alarm raised or cleared (SNMP traps, say). It is
	// called from the gateway's goroutines and must not block.
	OnAlarm func(a Alarm, raised bool)
	// OnCDR gets the call detail records CDRReportLevel asks for (see
	// SyslogCDR). It is called from the gateway's goroutines and must not
	// block.
	OnCDR  func(CDR)
	Logger *slog.Logger
}

// Counters are the gateway's call counters.
type Counters struct {
	Attempted, Established, Busy, NoAnswer, NoRoute, Failed, Forwarded, Transferred atomic.Int64
}

// Gateway is a running analog-to-SIP gateway.
type Gateway struct {
	opts     Options
	log      *slog.Logger
	ua       *sip.UA
	sas      *sas.Service
	sasAddr  string
	ports    []*port
	byNumber map[string]*port
	cfg      atomic.Pointer[provisioning.Config] // the running configuration: Reconfigure swaps it
	plan     atomic.Pointer[plan]                // routing compiled from cfg
	hunt     hunter
	counters Counters
	// faxReinvites counts calls moved to G.711 for fax; faxReinviteFailed
	// those the far end refused or never answered.
	faxReinvites, faxReinviteFailed atomic.Int64
	t38                             t38Totals // fax_t38.go
	reg                             registrar
	alarms                          alarms
	regs                            []sip.Registration
	regWG                           sync.WaitGroup // registrations: they end before the user agent
	regStop                         context.CancelFunc
	wg                              sync.WaitGroup
	ctx                             context.Context
	cancel                          context.CancelFunc
	closed                          atomic.Bool
	locked                          atomic.Bool
	lockMu                          sync.Mutex
	lockTimer                       *time.Timer // a graceful lock's deadline
}

// dtmfMode is DTMFTransportType: how digits dialled in a call travel. It
// is read from the start-up configuration: lines and media are built with
// it (the parameter needs a restart).
func (g *Gateway) dtmfMode() int64 { return g.opts.Config.Int(ParamDTMFTransportType) }

// config is the running configuration, for what is read call by call.
func (g *Gateway) config() provisioning.Config { return *g.cfg.Load() }

// routes is the routing plan of the running configuration.
func (g *Gateway) routes() *plan { return g.plan.Load() }

// Locked reports whether the gateway refuses new calls (administrative
// lock).
func (g *Gateway) Locked() bool { return g.locked.Load() }

// ErrNoPorts is returned by New without ports.
var ErrNoPorts = errors.New("gateway: no ports")

// New builds a gateway and binds its SIP socket; Run starts it.
func New(opts Options) (*Gateway, error) {
	if len(opts.Ports) == 0 {
		return nil, ErrNoPorts
	}
	if opts.Media == nil {
		return nil, errors.New("gateway: a MediaFactory is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Config.Registry() == nil {
		// A zero Config means "all defaults": take them from the registry
		// once here, rather than guessing defaults wherever a value is read.
		reg, err := NewRegistry()
		if err != nil {
			return nil, err
		}
		opts.Config = reg.Defaults()
	}
	g := &Gateway{opts: opts, log: opts.Logger, byNumber: map[string]*port{}, reg: registrar{states: map[string]sip.RegState{}},
		alarms: alarms{active: map[string]*Alarm{}, notify: opts.OnAlarm}}
	g.ctx, g.cancel = context.WithCancel(context.Background())
	epoch := time.Now()
	for i, pc := range opts.Ports {
		p := &port{g: g, index: i + 1, number: pc.Number}
		// A port's fax detectors are its own for its life, like its line's
		// DSP: made here, reset at each call.
		p.fax.fromLine, p.fax.fromNet = fax.New(fax.Config{}), fax.New(fax.Config{NoCNG: true})
		var err error
		switch {
		case pc.FXS != nil:
			lc, cerr := FXSConfig(opts.Config, i+1)
			if cerr != nil {
				return nil, cerr
			}
			p.fxs, err = line.NewFXSLine(line.FXSLineOptions{Port: pc.FXS, Network: p, Config: lc, Tones: opts.Tones,
				Epoch: epoch, Logger: g.log.With("port", i+1), MuteDTMF: g.dtmfMode() != DTMFTransparent,
				Echo: EchoOptions(opts.Config)})
		case pc.FXO != nil:
			lc, cerr := FXOConfig(opts.Config, i+1)
			if cerr != nil {
				return nil, cerr
			}
			p.fxo, err = line.NewFXOLine(line.FXOLineOptions{Port: pc.FXO, Network: p, Config: lc, Tones: opts.Tones,
				Epoch: epoch, Logger: g.log.With("port", i+1), MuteDTMF: g.dtmfMode() != DTMFTransparent,
				Echo: EchoOptions(opts.Config)})
		default:
			return nil, fmt.Errorf("gateway: port %d has neither FXS nor FXO", i+1)
		}
		if err != nil {
			return nil, fmt.Errorf("gateway: port %d: %w", i+1, err)
		}
		g.ports = append(g.ports, p)
		if pc.Number != "" {
			g.byNumber[pc.Number] = p
		}
	}
	pl, err := newPlan(opts.Config, len(opts.Ports))
	if err != nil {
		return nil, err
	}
	g.plan.Store(pl)
	g.cfg.Store(&opts.Config)
	numbers := make([]string, len(opts.Ports))
	for i, p := range opts.Ports {
		numbers[i] = p.Number
	}
	g.regs = registrations(opts.Config, numbers)
	opts.SIP.OnProxyState = func(addr string, alive bool) {
		g.alarms.set(AlarmProxyLost, "proxy "+addr, "the proxy does not answer keep-alive OPTIONS", !alive)
	}
	if err := transportConfig(opts.Config, &opts.SIP, opts.TLS); err != nil {
		return nil, err
	}
	ua, err := sip.Listen(opts.SIP, (*sipHandler)(g), g.log.With("component", "sip"))
	if err != nil {
		return nil, err
	}
	g.ua = ua
	if opts.SAS.EnableSAS {
		if opts.SAS.SASDefaultGatewayIP == "" {
			opts.SAS.SASDefaultGatewayIP = ua.Addr().String()
		}
		if err := sasTransportConfig(opts.Config, &opts.SAS, opts.TLS); err != nil {
			ua.Close()
			return nil, err
		}
		s, err := sas.New(opts.SAS, sas.WithLogger(g.log.With("component", "sas")))
		if err != nil {
			ua.Close()
			return nil, err
		}
		g.sas = s
		g.sasAddr = netip.AddrPortFrom(ua.Addr().Addr(), uint16(s.Config().WithDefaults().SASLocalSIPUDPPort)).String()
	}
	return g, nil
}

// Reconfigure makes c the running configuration without a restart: the
// routing tables (PREFIX, PstnPrefix, number manipulation, FwdInfo, channel
// selection), the analog line parameters (each line takes them when it is
// next idle, never in the middle of a call) and what is read call by call
// (EnableHold, EnableTransfer, EnableCallWaiting, CDRReportLevel,
// GracefulLockTimeout, ...). Parameters marked RestartRequired (the SIP
// stack, registrations, SAS, port numbering, media) keep their start-up
// values until a new Gateway is built with c: Automatic Update reports them
// as needing a restart. If c does not build, nothing changes and the error
// says why.
func (g *Gateway) Reconfigure(c provisioning.Config) error {
	if c.Registry() == nil {
		return errors.New("gateway: reconfigure with an empty configuration")
	}
	pl, err := newPlan(c, len(g.ports))
	if err != nil {
		return err
	}
	fxs := make([]line.FXSConfig, len(g.ports))
	fxo := make([]line.FXOConfig, len(g.ports))
	for i, p := range g.ports {
		var err error
		if p.fxs != nil {
			fxs[i], err = FXSConfig(c, i+1)
		} else {
			fxo[i], err = FXOConfig(c, i+1)
		}
		if err != nil {
			return fmt.Errorf("gateway: port %d: %w", i+1, err)
		}
	}
	g.cfg.Store(&c)
	g.plan.Store(pl)
	for i, p := range g.ports {
		if p.fxs != nil {
			p.fxs.SetConfig(fxs[i])
		} else {
			p.fxo.SetConfig(fxo[i])
		}
	}
	g.applyOOS() // OOSOnRegistrationFail and FXSOOSBehavior act at once
	g.log.Info("configuration applied", "version", c.String(provisioning.ParamINIFileVersion))
	return nil
}

// CheckConfig reports whether a gateway can be built on c with ports
// ports: what New would refuse, found before the running gateway is
// stopped for it.
func CheckConfig(c provisioning.Config, ports []Port) error {
	if len(ports) == 0 {
		return ErrNoPorts
	}
	for i, pc := range ports {
		var err error
		if pc.FXO != nil {
			_, err = FXOConfig(c, i+1)
		} else {
			_, err = FXSConfig(c, i+1)
		}
		if err != nil {
			return fmt.Errorf("gateway: port %d: %w", i+1, err)
		}
	}
	if _, err := newPlan(c, len(ports)); err != nil {
		return err
	}
	if _, err := SIPConfig(c, ProductName); err != nil {
		return err
	}
	if sc := SASConfig(c); sc.EnableSAS {
		if _, err := sas.New(sc); err != nil {
			return err
		}
	}
	return nil
}

// SIPAddr is the address the gateway's user agent listens on.
func (g *Gateway) SIPAddr() string { return g.ua.Addr().String() }

// Counters returns the call counters.
func (g *Gateway) Counters() *Counters { return &g.counters }

// Run runs the gateway until ctx ends, then ends every call with BYE and
// stops the lines.
func (g *Gateway) Run(ctx context.Context) error {
	uaDone := make(chan error, 1)
	// The user agent outlives the lines and registrations: Close stops it
	// last, after unregistering and hanging up.
	go func() { uaDone <- g.ua.Serve(context.Background()) }()
	if g.opts.Paced {
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			g.pace()
		}()
	} else {
		for _, p := range g.ports {
			g.wg.Add(1)
			go func() {
				defer g.wg.Done()
				if err := p.run(g.ctx); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, line.ErrLineClosed) {
					g.portFailed(p, err)
				}
			}()
		}
	}
	if g.sas != nil {
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			if err := g.sas.ListenAndServe(g.ctx, g.sasAddr); err != nil && !errors.Is(err, context.Canceled) {
				g.log.Error("SAS stopped", "error", err)
			}
		}()
	}
	regCtx, regStop := context.WithCancel(g.ctx)
	g.regStop = regStop
	g.runRegistrations(regCtx, g.regs)
	g.log.Info("gateway running", "sip", g.SIPAddr(), "ports", len(g.ports))
	select {
	case <-ctx.Done():
	case err := <-uaDone:
		g.log.Error("SIP stopped", "error", err)
	}
	return g.Close()
}

// portsPerPaceShard is how many simulated ports one goroutine steps
// before pace spreads them over more: a frame of a line in a call costs
// tens of microseconds (tones, DTMF detection, the jitter buffer), so one
// goroutine runs out of its 10 ms at a few hundred lines.
const portsPerPaceShard = 64

// paceShards splits n ports into at most procs groups of about
// portsPerPaceShard.
func paceShards(n, procs int) int {
	return max(1, min(procs, (n+portsPerPaceShard-1)/portsPerPaceShard))
}

// pace steps every line each 10 ms from one ticker. A late tick is caught
// up frame by frame, so simulated time keeps up with real time. Many
// ports are stepped by GOMAXPROCS goroutines at each tick (pace waits for
// them, so each tick's frames are done before the next): ports talking to
// each other in the gateway stay within a frame or two, which their
// frame rings absorb.
func (g *Gateway) pace() {
	t := time.NewTicker(hal.FrameDuration)
	defer t.Stop()
	shards := paceShards(len(g.ports), runtime.GOMAXPROCS(0))
	groups := make([][]*port, shards)
	for i, p := range g.ports {
		groups[i%shards] = append(groups[i%shards], p)
	}
	step := func(ports []*port, n int64) {
		for range n {
			for _, p := range ports {
				if err := p.step(); err != nil && !errors.Is(err, line.ErrLineClosed) {
					g.log.Error("line step failed", "port", p.index, "error", err)
				}
			}
		}
	}
	start := time.Now()
	var frames int64
	var wg sync.WaitGroup
	for {
		select {
		case <-g.ctx.Done():
			return
		case now := <-t.C:
			due := int64(now.Sub(start) / hal.FrameDuration)
			n := due - frames
			if n <= 0 {
				continue
			}
			for _, ports := range groups[1:] {
				wg.Add(1)
				go func() {
					defer wg.Done()
					step(ports, n)
				}()
			}
			step(groups[0], n)
			wg.Wait()
			frames = due
		}
	}
}

// Close ends every call (BYE), stops the lines and the user agent. It is
// idempotent.
func (g *Gateway) Close() error {
	if !g.closed.CompareAndSwap(false, true) {
		return nil
	}
	g.lockMu.Lock()
	if g.lockTimer != nil {
		g.lockTimer.Stop()
	}
	g.lockMu.Unlock()
	if g.regStop != nil {
		g.regStop()
	}
	g.regWG.Wait()      // each registration ends with an unregistering REGISTER
	err := g.ua.Close() // BYE or CANCEL for the calls in progress, then the socket
	g.cancel()
	g.wg.Wait()
	for _, p := range g.ports {
		p.release()
	}
	return err
}
