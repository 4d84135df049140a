package sas

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/potsgate/potsgate/media/diffserv"
)

// Service errors.
var (
	// ErrClosed is returned by Serve after Close.
	ErrClosed = errors.New("sas: service closed")
	// ErrServing is returned by a second Serve on the same Service.
	ErrServing = errors.New("sas: already serving")
	// ErrDisabled is returned by New when Config.EnableSAS is false.
	ErrDisabled = errors.New("sas: EnableSAS is off")
)

// Option injects a collaborator into [New].
type Option func(*Service)

// WithLogger sets the service logger (nil = discard). It logs state
// changes and startup, never per packet.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithStackLogger sets the logger given to the sipgo transport and
// transaction layers, which may log per packet (nil = discard).
func WithStackLogger(l *slog.Logger) Option { return func(s *Service) { s.stackLog = l } }

// WithClock injects the clock used for binding expiry and nonces.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithAdvertisedHost sets the host SAS writes in its Via and
// Record-Route. The default is the listening IP, or 127.0.0.1 when it
// listens on an unspecified address.
func WithAdvertisedHost(host string) Option { return func(s *Service) { s.advHost = host } }

// WithStateHook is called (from the keep-alive goroutine) on every state
// change.
func WithStateHook(f func(from, to State)) Option { return func(s *Service) { s.hook = f } }

// Stats are the service counters.
type Stats struct {
	State               State
	Bindings            int
	RegisterLocal       uint64 // REGISTERs answered by SAS
	RegisterRelayed     uint64 // REGISTERs relayed to the proxy
	RegisterIgnored     uint64 // REGISTERs ignored (ModeIgnoreRegister)
	BindingsExpired     uint64
	ToProxy             uint64 // requests forwarded to the proxy set
	ToBinding           uint64 // requests routed from the binding table
	ToGateway           uint64 // requests routed to the gateway
	InDialog            uint64 // in-dialog requests forwarded
	AuthChallenges      uint64 // 401/407 sent
	AuthFailures        uint64 // wrong credentials (403)
	TooLarge            uint64 // messages refused by size (513 or dropped)
	TooManyHops         uint64 // 483
	Loops               uint64 // 482
	BadRequests         uint64 // 400
	NotFound            uint64 // 404
	Unreachable         uint64 // 408/503 because the next hop did not answer
	Probes              uint64 // keep-alive OPTIONS sent
	ProbesAnswered      uint64
	ProbeFailures       uint64
	EmergencyEntries    uint64
	StrayResponses      uint64 // responses relayed statelessly (2xx retransmissions)
	StrayResponsesDrops uint64
}

type counters struct {
	registerLocal, registerRelayed, registerIgnored, bindingsExpired    atomic.Uint64
	toProxy, toBinding, toGateway, inDialog                             atomic.Uint64
	authChallenges, authFailures, tooLarge, tooManyHops, loops, badReqs atomic.Uint64
	notFound, unreachable, probes, probesAnswered, probeFailures        atomic.Uint64
	emergencyEntries                                                    atomic.Uint64
	strayResponses, strayDrops                                          atomic.Uint64
}

// Service is the SAS registrar and stateful proxy. Create it with [New],
// run it with [Service.Serve] or [Service.ListenAndServe], stop it with
// [Service.Close] or by cancelling the context.
type Service struct {
	cfg      Config
	log      *slog.Logger
	stackLog *slog.Logger
	now      func() time.Time
	advHost  string
	hook     func(from, to State)

	auth     *authenticator
	bindings Bindings
	proxies  []string          // host:port, resolved to IP where possible
	proxyTr  map[string]string // proxy host:port -> "UDP", "TCP" or "TLS"
	flows    sync.Map          // binding contact -> the stream it registered on (network, source)
	gateway  string            // host:port or ""
	gwHost   string
	gwPort   int
	emerg    map[string]bool
	c        counters

	mu       sync.Mutex
	machine  Machine
	active   int // index of the proxy that answered last
	serving  bool
	closed   bool
	cancel   context.CancelFunc
	done     chan struct{}
	closeErr error

	// set by Serve, read-only while serving
	ctx       context.Context
	ua        *sipgo.UserAgent
	srv       *sipgo.Server
	cli       *sipgo.Client
	pc        net.PacketConn
	streams   [2]net.Listener // TCP, TLS (nil: not served)
	laddr     sip.Addr
	port      int
	ports     map[string]int // listening port by transport ("UDP", "TCP", "TLS")
	handlers  sync.WaitGroup
	handlerMu sync.Mutex // guards handlers.Add against Wait
	stopping  bool
}

// New checks cfg and returns a service that is not yet listening.
func New(cfg Config, opts ...Option) (*Service, error) {
	if !cfg.EnableSAS {
		return nil, ErrDisabled
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	s := &Service{cfg: cfg, now: time.Now, emerg: map[string]bool{}, proxyTr: map[string]string{}}
	for _, o := range opts {
		o(s)
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.stackLog == nil {
		s.stackLog = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	for _, n := range cfg.SASEmergencyNumbers {
		s.emerg[n] = true
	}
	for _, p := range cfg.SASProxySet {
		hp, tr, _ := splitTransport(p)
		h, port, _ := splitHostPort(hp, 5060)
		a := net.JoinHostPort(resolveHost(h), strconv.Itoa(port))
		s.proxies = append(s.proxies, a)
		s.proxyTr[a] = tr
	}
	if cfg.SASDefaultGatewayIP != "" {
		h, port, _ := splitHostPort(cfg.SASDefaultGatewayIP, DefaultGatewayPort)
		s.gwHost, s.gwPort = resolveHost(h), port
		s.gateway = net.JoinHostPort(s.gwHost, strconv.Itoa(port))
	}
	if len(cfg.Users) > 0 {
		a, err := newAuthenticator(cfg.Realm, cfg.Users)
		if err != nil {
			return nil, err
		}
		s.auth = a
	}
	if cfg.standalone() {
		s.machine.State = StateEmergency
	}
	return s, nil
}

func resolveHost(h string) string {
	if net.ParseIP(h) != nil {
		return h
	}
	if ips, err := net.LookupIP(h); err == nil {
		for _, ip := range ips {
			if ip4 := ip.To4(); ip4 != nil {
				return ip4.String()
			}
		}
	}
	return h
}

// Config returns the configuration in use (defaults applied).
func (s *Service) Config() Config { return s.cfg }

// State returns the survivability state.
func (s *Service) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.machine.State
}

// Bindings returns a snapshot of the binding table, expired entries
// excluded.
func (s *Service) Bindings() []Binding {
	now := s.now()
	var out []Binding
	for _, b := range s.bindings.List() {
		if now.Before(b.Expires) {
			out = append(out, b)
		}
	}
	return out
}

// Addr returns the address SAS listens on, or nil before Serve.
func (s *Service) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pc == nil {
		return nil
	}
	return s.pc.LocalAddr()
}

// Stats returns the counters.
func (s *Service) Stats() Stats {
	return Stats{
		State:               s.State(),
		Bindings:            len(s.Bindings()),
		RegisterLocal:       s.c.registerLocal.Load(),
		RegisterRelayed:     s.c.registerRelayed.Load(),
		RegisterIgnored:     s.c.registerIgnored.Load(),
		BindingsExpired:     s.c.bindingsExpired.Load(),
		ToProxy:             s.c.toProxy.Load(),
		ToBinding:           s.c.toBinding.Load(),
		ToGateway:           s.c.toGateway.Load(),
		InDialog:            s.c.inDialog.Load(),
		AuthChallenges:      s.c.authChallenges.Load(),
		AuthFailures:        s.c.authFailures.Load(),
		TooLarge:            s.c.tooLarge.Load(),
		TooManyHops:         s.c.tooManyHops.Load(),
		Loops:               s.c.loops.Load(),
		BadRequests:         s.c.badReqs.Load(),
		NotFound:            s.c.notFound.Load(),
		Unreachable:         s.c.unreachable.Load(),
		Probes:              s.c.probes.Load(),
		ProbesAnswered:      s.c.probesAnswered.Load(),
		ProbeFailures:       s.c.probeFailures.Load(),
		EmergencyEntries:    s.c.emergencyEntries.Load(),
		StrayResponses:      s.c.strayResponses.Load(),
		StrayResponsesDrops: s.c.strayDrops.Load(),
	}
}

// ListenAndServe listens on UDP addr ("" = 0.0.0.0:SASLocalSIPUDPPort) and
// serves until ctx is done or Close is called.
func (s *Service) ListenAndServe(ctx context.Context, addr string) error {
	if addr == "" {
		addr = ":" + strconv.Itoa(s.cfg.SASLocalSIPUDPPort)
	}
	pc, err := net.ListenPacket("udp4", addr)
	if err != nil {
		return fmt.Errorf("sas: listen: %w", err)
	}
	if s.cfg.DSCP != 0 {
		if err := diffserv.Mark(pc.(*net.UDPConn), s.cfg.DSCP); err != nil && !errors.Is(err, diffserv.ErrNotSupported) {
			pc.Close()
			return fmt.Errorf("sas: %w", err)
		}
	}
	host, _, _ := net.SplitHostPort(pc.LocalAddr().String())
	var tcpL, tlsL net.Listener
	closeAll := func() {
		pc.Close()
		for _, l := range []net.Listener{tcpL, tlsL} {
			if l != nil {
				l.Close()
			}
		}
	}
	if s.cfg.SASLocalSIPTCPPort != 0 {
		if tcpL, err = net.Listen("tcp4", net.JoinHostPort(host, strconv.Itoa(s.cfg.SASLocalSIPTCPPort))); err != nil {
			closeAll()
			return fmt.Errorf("sas: listen: %w", err)
		}
	}
	if s.cfg.SASLocalSIPTLSPort != 0 {
		l, err := net.Listen("tcp4", net.JoinHostPort(host, strconv.Itoa(s.cfg.SASLocalSIPTLSPort)))
		if err != nil {
			closeAll()
			return fmt.Errorf("sas: listen: %w", err)
		}
		tlsL = tls.NewListener(l, s.cfg.TLSServer)
	}
	return s.ServeStreams(ctx, pc, tcpL, tlsL)
}

// Serve serves SIP on pc until ctx is done or Close is called; it closes
// pc. It returns nil after Close, ctx.Err() when ctx ends it.
func (s *Service) Serve(ctx context.Context, pc net.PacketConn) error {
	return s.ServeStreams(ctx, pc, nil, nil)
}

// ServeStreams is Serve with TCP and TLS listeners too (either may be nil;
// tlsL hands out *tls.Conn, as tls.NewListener does). It closes them all.
func (s *Service) ServeStreams(ctx context.Context, pc net.PacketConn, tcpL, tlsL net.Listener) error {
	closeStreams := func() {
		for _, l := range []net.Listener{tcpL, tlsL} {
			if l != nil {
				l.Close()
			}
		}
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		pc.Close()
		closeStreams()
		return ErrClosed
	}
	if s.serving {
		s.mu.Unlock()
		pc.Close()
		closeStreams()
		return ErrServing
	}
	s.streams = [2]net.Listener{tcpL, tlsL}
	s.serving = true
	s.done = make(chan struct{})
	ctx, cancel := context.WithCancel(ctx)
	s.cancel = cancel
	s.pc = pc
	s.mu.Unlock()
	defer close(s.done)
	defer cancel()

	err := s.setup(ctx, pc)
	if err != nil {
		pc.Close()
		closeStreams()
		return err
	}
	s.log.Info("sas serving", "addr", pc.LocalAddr().String(), "mode", s.cfg.SASSurvivabilityMode.String(),
		"redundant", s.cfg.SASRedundant, "proxies", s.proxies, "gateway", s.gateway, "state", s.State().String())

	var serving, loops sync.WaitGroup
	serveErr := make(chan error, 3)
	serving.Add(1)
	go func() { defer serving.Done(); serveErr <- s.srv.ServeUDP(pc) }()
	if tcpL != nil {
		serving.Add(1)
		go func() { defer serving.Done(); serveErr <- s.srv.ServeTCP(tcpL) }()
	}
	if tlsL != nil {
		serving.Add(1)
		go func() { defer serving.Done(); serveErr <- s.srv.ServeTLS(tlsL) }()
	}
	loops.Add(2)
	go func() { defer loops.Done(); s.keepAlive(ctx) }()
	go func() { defer loops.Done(); s.expiry(ctx) }()

	var result error
	select {
	case <-ctx.Done():
	case err := <-serveErr:
		serveErr <- err
		result = fmt.Errorf("sas: serve: %w", err)
	}
	cancel()
	pc.Close()
	closeStreams()
	s.handlerMu.Lock()
	s.stopping = true
	s.handlerMu.Unlock()
	s.handlers.Wait()
	// The keep-alive loop must be out of its last OPTIONS before the UA
	// closes: a request sent after it would open a new socket nobody closes.
	loops.Wait()
	s.ua.Close()
	serving.Wait()
	if result != nil {
		return result
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil
	}
	return ctx.Err()
}

// Close stops the service and waits for its goroutines. It is idempotent.
func (s *Service) Close() error {
	s.mu.Lock()
	s.closed = true
	cancel, done := s.cancel, s.done
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	return nil
}

func (s *Service) setup(ctx context.Context, pc net.PacketConn) error {
	host, portStr, err := net.SplitHostPort(pc.LocalAddr().String())
	if err != nil {
		return fmt.Errorf("sas: local address: %w", err)
	}
	s.port, _ = strconv.Atoi(portStr)
	s.ports = map[string]int{"UDP": s.port}
	for i, tr := range []string{"TCP", "TLS"} {
		if l := s.streams[i]; l != nil {
			_, ps, _ := net.SplitHostPort(l.Addr().String())
			s.ports[tr], _ = strconv.Atoi(ps)
		}
	}
	ip := net.ParseIP(host)
	if s.advHost == "" {
		if ip == nil || ip.IsUnspecified() {
			s.advHost = "127.0.0.1"
		} else {
			s.advHost = ip.String()
		}
	}
	s.laddr = sip.Addr{IP: ip, Port: s.port, Hostname: host}
	s.ctx = ctx

	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent("potsgate-sas"),
		sipgo.WithUserAgenTLSConfig(s.cfg.TLSClient),
		sipgo.WithUserAgentHostname(s.advHost),
		sipgo.WithUserAgentTransportLayerOptions(
			sip.WithTransportLayerLogger(s.stackLog),
			sip.WithTransportLayerReadFilter(s.readFilter),
		),
		sipgo.WithUserAgentTransactionLayerOptions(
			sip.WithTransactionLayerLogger(s.stackLog),
			sip.WithTransactionLayerUnhandledResponseHandler(s.strayResponse),
		),
	)
	if err != nil {
		return fmt.Errorf("sas: sipgo ua: %w", err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(s.stackLog))
	if err != nil {
		ua.Close()
		return fmt.Errorf("sas: sipgo server: %w", err)
	}
	cli, err := sipgo.NewClient(ua, sipgo.WithClientLogger(s.stackLog), sipgo.WithClientHostname(s.advHost), sipgo.WithClientPort(s.port))
	if err != nil {
		ua.Close()
		return fmt.Errorf("sas: sipgo client: %w", err)
	}
	s.ua, s.srv, s.cli = ua, srv, cli
	for _, m := range []sip.RequestMethod{sip.INVITE, sip.ACK, sip.BYE, sip.CANCEL, sip.OPTIONS, sip.INFO,
		sip.MESSAGE, sip.NOTIFY, sip.SUBSCRIBE, sip.REFER, sip.UPDATE, sip.PRACK, sip.PUBLISH} {
		srv.OnRequest(m, s.track(s.handleRequest))
	}
	srv.OnRegister(s.track(s.handleRegister))
	srv.OnNoRoute(s.track(s.handleRequest))
	return nil
}

// track counts a handler goroutine so Serve can wait for it.
func (s *Service) track(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		s.handlerMu.Lock()
		if s.stopping {
			s.handlerMu.Unlock()
			return
		}
		s.handlers.Add(1)
		s.handlerMu.Unlock()
		defer s.handlers.Done()
		h(req, tx)
	}
}

// expiry purges expired bindings every second.
func (s *Service) expiry(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n := s.bindings.Expire(s.now()); n > 0 {
				s.c.bindingsExpired.Add(uint64(n))
			}
		}
	}
}

// setState applies the state machine and runs its actions except probes,
// which it reports.
func (s *Service) step(ev Event) (probe bool) {
	s.mu.Lock()
	old := s.machine.State
	m, acts := Step(s.machine, ev, time.Now(), s.cfg)
	s.machine = m
	s.mu.Unlock()
	for _, a := range acts {
		switch a {
		case ActSendProbe:
			probe = true
		case ActEnterEmergency:
			s.c.emergencyEntries.Add(1)
			s.log.Warn("sas: proxy set not answering, emergency state", "proxies", s.proxies)
			if s.hook != nil {
				s.hook(old, StateEmergency)
			}
		case ActEnterNormal:
			s.log.Info("sas: proxy answers again, normal state", "proxy", s.activeProxy())
			if s.hook != nil {
				s.hook(old, StateNormal)
			}
		}
	}
	return probe
}

// keepAlive sends OPTIONS to the proxy set and drives the state machine.
func (s *Service) keepAlive(ctx context.Context) {
	if s.cfg.standalone() {
		return
	}
	tick := s.cfg.KeepAliveInterval / 4
	tick = max(min(tick, time.Second), 10*time.Millisecond)
	t := time.NewTicker(tick)
	defer t.Stop()
	sentOnce := false
	for {
		if s.step(EvTick) {
			switch s.probeAll(ctx) {
			case probeAnswered:
				sentOnce = true
				s.c.probesAnswered.Add(1)
				s.step(EvProbeOK)
			case probeNotSent:
				if !sentOnce {
					// Our side could not send yet (the transport still
					// starting): that says nothing of the proxy.
					s.step(EvProbeNotSent)
					break
				}
				fallthrough // later, a send error is as bad as no answer
			case probeUnanswered:
				sentOnce = true
				if ctx.Err() == nil {
					s.c.probeFailures.Add(1)
					s.step(EvProbeFail)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// probeResult is what one keep-alive round found.
type probeResult int

const (
	probeAnswered   probeResult = iota // a proxy answered
	probeUnanswered                    // sent, and no proxy answered in time
	probeNotSent                       // nothing could be sent
)

// probeAll probes the proxies in order, starting from the active one,
// until one answers.
func (s *Service) probeAll(ctx context.Context) probeResult {
	s.mu.Lock()
	start := s.active
	s.mu.Unlock()
	result := probeNotSent
	for i := range s.proxies {
		idx := (start + i) % len(s.proxies)
		switch s.probe(ctx, s.proxies[idx]) {
		case probeAnswered:
			s.mu.Lock()
			s.active = idx
			s.mu.Unlock()
			return probeAnswered
		case probeUnanswered:
			result = probeUnanswered
		}
	}
	return result
}

func (s *Service) activeProxy() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.proxies) == 0 {
		return ""
	}
	return s.proxies[s.active]
}

// probe sends one OPTIONS and waits for any final answer.
func (s *Service) probe(ctx context.Context, proxy string) probeResult {
	s.c.probes.Add(1)
	host, portStr, _ := net.SplitHostPort(proxy)
	port, _ := strconv.Atoi(portStr)
	req := sip.NewRequest(sip.OPTIONS, sip.Uri{Scheme: "sip", Host: host, Port: port})
	from := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: "sas", Host: s.advHost, Port: s.port}}
	from.Params.Add("tag", sip.GenerateTagN(12))
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: sip.Uri{Scheme: "sip", Host: host, Port: port}})
	req.SetDestination(proxy)
	if tr := s.proxyTr[proxy]; tr != "" && tr != "UDP" {
		req.SetTransport(tr)
		req.SetBody(nil)
	} else {
		req.Laddr = s.laddr
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.KeepAliveTimeout)
	defer cancel()
	tx, err := s.cli.TransactionRequest(ctx, req)
	if err != nil {
		s.log.Debug("sas keep-alive OPTIONS not sent", "proxy", proxy, "error", err)
		return probeNotSent
	}
	defer tx.Terminate()
	for {
		select {
		case res := <-tx.Responses():
			if res.StatusCode >= 200 {
				return probeAnswered
			}
		case <-tx.Done():
			return probeUnanswered
		case <-ctx.Done():
			return probeUnanswered
		}
	}
}
