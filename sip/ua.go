package sip

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/potsgate/potsgate/sip/sdp"
)

// Config is the user agent's configuration.
type Config struct {
	// ListenAddr is the UDP address to listen on ("127.0.0.1:5060";
	// port 0 picks a free one).
	ListenAddr string
	// MediaAddr is the address put in SDP (default: the listen address).
	MediaAddr netip.Addr
	// UserAgent is the User-Agent and Server header value.
	UserAgent string
	// Codecs are the voice formats in preference order (CodersGroup0).
	Codecs []sdp.Format
	// DTMFPayloadType is the RFC 4733 payload type we offer (0 = none).
	DTMFPayloadType uint8
	// PacketTime is the ptime we ask for (default 20 ms).
	PacketTime time.Duration
	// Proxy receives calls dialled without a host ("host:port").
	Proxy string
	// Proxies, when set, is the proxy set in order of preference (it
	// replaces Proxy); an entry may choose its transport
	// ("host:port;transport=tls", see ParseTarget); with KeepAlive > 0 each proxy gets an OPTIONS every
	// KeepAlive and calls go to the first one that answers (failover).
	Proxies   []string
	KeepAlive time.Duration
	// OnProxyState, when set, hears each proxy going down or coming back
	// (from the keep-alive goroutine; it must not block).
	OnProxyState func(addr string, alive bool)
	// EnableRemoteReset honours check-sync NOTIFYs from TrustedHosts
	// (EnableSIPRemoteReset).
	EnableRemoteReset bool
	TrustedHosts      []netip.Addr
	// EnableMWI takes message-summary NOTIFYs (RFC 3842) from TrustedHosts
	// to a Handler that is a MessageWaiter.
	EnableMWI bool
	// PrackMode is the use of reliable provisional responses (RFC 3262).
	PrackMode PrackMode
	// MinSE is the smallest session interval accepted (RFC 4028; 0 = 90 s).
	MinSE time.Duration
	// SessionExpires, when set, asks for session timers on the calls we
	// place (RFC 4028); SessionRefreshByUpdate refreshes with UPDATE
	// instead of re-INVITE.
	SessionExpires         time.Duration
	SessionRefreshByUpdate bool
	// DSCP, when not 0, is the DiffServ code point of the SIP packets
	// (media/diffserv; PremiumServiceClassControlDiffServ).
	DSCP int
	// MediaSecurity is the SRTP policy (EnableMediaSecurity,
	// MediaSecurityBehaviour, SRTPofferedSuites): SDES keys in the SDP.
	MediaSecurity sdp.Security
	// SDESOverInsecureTransport allows SDES keys in the SDP of a call whose
	// signalling is not encrypted (UDP, TCP): anyone who sees the INVITE
	// can decrypt the media. When false, such a call gets no SRTP: a
	// mandatory policy refuses it (ErrInsecureSignalling; 488 to an
	// offer), a preferable one carries it in plain RTP.
	SDESOverInsecureTransport bool

	// Transport is how the requests we start travel when their target
	// does not say (SIPTransportType); UDP by default. The user agent
	// always listens on UDP (ListenAddr) and, when set, on TCP and TLS.
	Transport Transport
	// TCPListenAddr, when set, is the TCP address to listen on
	// (TCPLocalSIPPort). It must be set for TCP requests.
	TCPListenAddr string
	// TLSListenAddr, when set, is the TLS address to listen on
	// (TLSLocalSIPPort), with TLSServer; TLS requests are dialled with
	// TLSClient. Build both with TLSSettings. TLS 1.2 is the minimum
	// whatever the configs say.
	TLSListenAddr string
	TLSServer     *tls.Config
	TLSClient     *tls.Config
	// TLSVerifyClientHost refuses a TLS client whose certificate does not
	// name the address it connects from (PeerHostNameVerificationMode 2;
	// TLSServer must require client certificates).
	TLSVerifyClientHost bool
	// EnableSIPS puts sips: URIs in the requests and Contacts of TLS
	// (EnableSIPS).
	EnableSIPS bool
	// CRLFKeepAlive, when set, pings each TCP or TLS flow we open with a
	// double CRLF every interval (RFC 5626), so NAT bindings live and a
	// dead flow is noticed.
	CRLFKeepAlive time.Duration
}

// Handler is what the gateway does with what the network asks.
type Handler interface {
	// IncomingCall offers a new call. It must not block: answer through
	// the Call from another goroutine.
	IncomingCall(c *Call)
	// CheckSync is a trusted check-sync NOTIFY: run a configuration update,
	// or restart when reboot is set.
	CheckSync(ctx context.Context, reboot bool) error
}

// Errors of the user agent.
var (
	ErrClosed       = errors.New("sip: user agent closed")
	ErrCallEnded    = errors.New("sip: call ended")
	ErrCallAnswered = errors.New("sip: call already answered")
	ErrNotAnswered  = errors.New("sip: call not answered yet")
	// ErrPending is a re-INVITE asked for while another is in progress.
	ErrPending = errors.New("sip: a re-INVITE is in progress")
	// ErrInsecureSignalling is a call that must carry SRTP keys over
	// signalling that is not encrypted while Config.SDESOverInsecureTransport
	// is off: it is refused rather than sent with the keys in clear or
	// carried in plain RTP.
	ErrInsecureSignalling = errors.New("sip: SRTP is mandatory and the signalling is not encrypted (keys would travel in clear)")
)

// UA is the gateway's SIP user agent.
type UA struct {
	cfg     Config
	h       Handler
	log     *slog.Logger
	ua      *sipgo.UserAgent
	srv     *sipgo.Server
	clis    [3]*sipgo.Client // by Transport
	conn    net.PacketConn
	tcp     net.Listener // nil unless TCPListenAddr
	tls     net.Listener // nil unless TLSListenAddr
	addr    netip.AddrPort
	addrs   [3]netip.AddrPort // listening address by Transport
	flows   flows
	mu      sync.Mutex
	calls   map[string]*Call // by Call-ID
	proxies *proxySet
	closed  atomic.Bool
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	stats   Stats
	// t1, t2: RFC 3261's timers for what this package retransmits itself
	// (our 200 until its ACK), sipgo's at Listen; tests shorten them.
	t1, t2 time.Duration
}

// Stats are the user agent's counters.
type Stats struct {
	IncomingCalls, OutgoingCalls atomic.Int64
	Answered, Failed             atomic.Int64
	RemoteResetsRefused          atomic.Int64
	// AckTimeouts counts answered calls ended because no ACK came for the
	// 200 (RFC 3261 13.3.1.4).
	AckTimeouts atomic.Int64
	// TLSHandshakeFailures counts TLS clients refused (bad or missing
	// certificate, no common version).
	TLSHandshakeFailures atomic.Int64
	// KeepAlivePings, KeepAlivePongs and KeepAliveFailures count the CRLF
	// keep-alive of TCP and TLS flows (a failure closes the flow).
	KeepAlivePings, KeepAlivePongs, KeepAliveFailures atomic.Int64
	// T38Refused counts T.38 offers refused (T.38 off, bad attributes)
	// and answers to ours that could not be used.
	T38Refused atomic.Int64
}

// Listen binds the UDP socket and returns a user agent ready to Serve.
func Listen(cfg Config, h Handler, log *slog.Logger) (*UA, error) {
	if h == nil {
		return nil, errors.New("sip: a Handler is required")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.PacketTime == 0 {
		cfg.PacketTime = 20 * time.Millisecond
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "potsgate"
	}
	if len(cfg.Codecs) == 0 {
		return nil, errors.New("sip: no codecs configured")
	}
	if cfg.Transport == TransportTCP && cfg.TCPListenAddr == "" || cfg.Transport == TransportTLS && cfg.TLSListenAddr == "" {
		return nil, fmt.Errorf("%w: %s is the transport but has no listening address", ErrTransportNotListening, cfg.Transport)
	}
	if cfg.TLSListenAddr != "" && (cfg.TLSServer == nil || cfg.TLSClient == nil) {
		return nil, errors.New("sip: TLS needs TLSServer and TLSClient configurations")
	}
	cfg.TLSServer, cfg.TLSClient = minTLS12(cfg.TLSServer), minTLS12(cfg.TLSClient)
	u := &UA{cfg: cfg, h: h, log: log, calls: map[string]*Call{}, proxies: newProxySet(cfg), t1: sipmsg.T1, t2: sipmsg.T2}
	u.ctx, u.cancel = context.WithCancel(context.Background())
	if err := u.listen(); err != nil {
		u.cancel()
		u.closeSockets()
		return nil, err
	}
	if !cfg.MediaAddr.IsValid() {
		u.cfg.MediaAddr = u.addr.Addr()
	}
	// sipgo's layers log to its package default unless given ours; the
	// transport logs whole malformed messages, so it gets a logger that
	// only speaks at debug level.
	var err error
	u.ua, err = sipgo.NewUA(sipgo.WithUserAgent(cfg.UserAgent), sipgo.WithUserAgentHostname(u.addr.Addr().String()),
		sipgo.WithUserAgenTLSConfig(cfg.TLSClient),
		sipgo.WithUserAgentTransportLayerOptions(sipmsg.WithTransportLayerLogger(log), sipmsg.WithTransportLayerReadFilter(u.readFilter)),
		// Not WithTransactionLayerTerminateOnConnClose: sipgo 1.7.3 can
		// spin a transaction not yet initialised when its connection
		// closes (a nil FSM: the process crashes). A stream closed under
		// a request fails it at its timer instead (streamError says why).
		sipgo.WithUserAgentTransactionLayerOptions(sipmsg.WithTransactionLayerLogger(log)))
	if err == nil {
		u.srv, err = sipgo.NewServer(u.ua, sipgo.WithServerLogger(log))
	}
	for t := range u.clis {
		a := u.addrs[t]
		if err != nil || !a.IsValid() {
			continue
		}
		// Requests we send say in their Via the port we listen on for
		// their transport, so replies (over UDP) and the peer's new
		// requests come back to it; over TCP and TLS replies follow the
		// connection the request left on.
		u.clis[t], err = sipgo.NewClient(u.ua, sipgo.WithClientLogger(log),
			sipgo.WithClientHostname(a.Addr().String()), sipgo.WithClientPort(int(a.Port())))
	}
	if err != nil {
		u.cancel()
		u.closeSockets()
		return nil, fmt.Errorf("sip: %w", err)
	}
	u.srv.OnInvite(u.wellFormed(u.onInvite))
	u.srv.OnAck(u.wellFormed(u.onAck))
	u.srv.OnBye(u.wellFormed(u.onBye))
	u.srv.OnOptions(u.wellFormed(u.onOptions))
	u.srv.OnNotify(u.wellFormed(u.onNotify))
	u.srv.OnPrack(u.wellFormed(u.onPrack))
	u.srv.OnUpdate(u.wellFormed(u.onUpdate))
	return u, nil
}

// Addr is the address the user agent listens on.
func (u *UA) Addr() netip.AddrPort { return u.addr }

// Serve handles requests until ctx ends or Close is called.
func (u *UA) Serve(ctx context.Context) error {
	if u.closed.Load() {
		return ErrClosed
	}
	done := make(chan error, 3)
	serving := 1
	go func() { done <- u.srv.ServeUDP(u.conn) }()
	if u.tcp != nil {
		serving++
		go func() { done <- u.srv.ServeTCP(u.tcp) }()
	}
	if u.tls != nil {
		serving++
		go func() { done <- u.srv.ServeTLS(tlsListener{Listener: u.tls, u: u}) }()
	}
	// Every listener's loop ends when Close releases the sockets.
	drain := func(n int) {
		for range n {
			<-done
		}
	}
	if u.cfg.CRLFKeepAlive > 0 {
		u.wg.Add(1)
		go func() {
			defer u.wg.Done()
			u.crlfKeepAlive(u.ctx, u.cfg.CRLFKeepAlive)
		}()
	}
	if u.cfg.KeepAlive > 0 && len(u.proxies.addrs) > 0 {
		u.wg.Add(1)
		go func() {
			defer u.wg.Done()
			u.keepAlive(u.ctx, u.cfg.KeepAlive)
		}()
	}
	select {
	case <-ctx.Done():
		u.Close()
		drain(serving)
		return ctx.Err()
	case <-u.ctx.Done():
		drain(serving)
		return ErrClosed
	case err := <-done:
		// One listener failed: stop the others too.
		u.Close()
		drain(serving - 1)
		return err
	}
}

// Close hangs up every call, stops serving and releases the socket. It is
// idempotent.
func (u *UA) Close() error {
	if !u.closed.CompareAndSwap(false, true) {
		return nil
	}
	// Hang up every call at once: one unanswered BYE must not hold up the
	// others (each waits at most 2 s).
	var hangups sync.WaitGroup
	for _, c := range u.Calls() {
		hangups.Add(1)
		go func() {
			defer hangups.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = c.Hangup(ctx)
		}()
	}
	hangups.Wait()
	u.cancel()
	u.wg.Wait()
	// A call that arrived while the others were being hung up would keep
	// its owner waiting on Events forever: end it here, the socket is
	// about to go.
	for _, c := range u.Calls() {
		c.end(EventEnded, 0, "user agent closed")
	}
	err := u.closeSockets()
	u.ua.Close()
	return err
}

// listen binds the UDP socket and the TCP and TLS listeners configured.
func (u *UA) listen() error {
	conn, err := net.ListenPacket("udp", u.cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("sip: listen: %w", err)
	}
	u.conn = conn
	if err := markDSCP(conn, u.cfg.DSCP); err != nil {
		return err
	}
	a := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	u.addr = netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
	u.addrs[TransportUDP] = u.addr
	stream := func(addr string) (net.Listener, netip.AddrPort, error) {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, netip.AddrPort{}, fmt.Errorf("sip: listen: %w", err)
		}
		if err := markDSCP(l, u.cfg.DSCP); err != nil {
			l.Close()
			return nil, netip.AddrPort{}, err
		}
		a := l.Addr().(*net.TCPAddr).AddrPort()
		return l, netip.AddrPortFrom(a.Addr().Unmap(), a.Port()), nil
	}
	if u.cfg.TCPListenAddr != "" {
		if u.tcp, u.addrs[TransportTCP], err = stream(u.cfg.TCPListenAddr); err != nil {
			return err
		}
	}
	if u.cfg.TLSListenAddr != "" {
		var l net.Listener
		if l, u.addrs[TransportTLS], err = stream(u.cfg.TLSListenAddr); err != nil {
			return err
		}
		u.tls = tls.NewListener(l, u.cfg.TLSServer)
	}
	return nil
}

func (u *UA) closeSockets() error {
	var errs []error
	for _, c := range []io.Closer{u.conn, u.tcp, u.tls} {
		if c != nil {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}

// client is the sipgo client that sends requests over t.
func (u *UA) client(t Transport) (*sipgo.Client, error) {
	if int(t) < 0 || int(t) >= len(u.clis) || u.clis[t] == nil {
		return nil, fmt.Errorf("%w: %s", ErrTransportNotListening, t)
	}
	return u.clis[t], nil
}

// Calls returns the calls in progress.
func (u *UA) Calls() []*Call {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make([]*Call, 0, len(u.calls))
	for _, c := range u.calls {
		out = append(out, c)
	}
	return out
}

// Stats returns the user agent's counters.
func (u *UA) Stats() *Stats { return &u.stats }

func (u *UA) call(id string) *Call {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.calls[id]
}

func (u *UA) forget(c *Call) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.calls[c.id] == c {
		delete(u.calls, c.id)
	}
}

func (u *UA) respond(tx sipmsg.ServerTransaction, req *sipmsg.Request, code int, reason string) {
	res := sipmsg.NewResponseFromRequest(req, code, reason, nil)
	res.AppendHeader(sipmsg.NewHeader("Server", u.cfg.UserAgent))
	if err := tx.Respond(res); err != nil {
		u.log.Debug("sip: response not sent", "code", code, "error", err)
	}
}

// wellFormed refuses, with 400, a request without the header fields every
// request must have (RFC 3261 8.1.1), before a handler relies on them;
// an ACK, which gets no response, is dropped.
func (u *UA) wellFormed(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		if req.CallID() == nil || req.From() == nil || req.To() == nil || req.CSeq() == nil || req.Via() == nil {
			if !req.IsAck() {
				u.respond(tx, req, 400, "Bad Request: missing From, To, Call-ID, CSeq or Via")
			}
			return
		}
		h(req, tx)
	}
}

func (u *UA) onInvite(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	if u.closed.Load() {
		u.respond(tx, req, 503, "Service Unavailable")
		return
	}
	if to := req.To(); to != nil && to.Params.Has("tag") {
		u.onReInvite(req, tx)
		return
	}
	if mf := req.MaxForwards(); mf != nil && *mf == 0 {
		u.respond(tx, req, 483, "Too Many Hops")
		return
	}
	id := req.CallID().Value()
	if u.call(id) != nil { // a retransmission the transaction layer did not absorb
		return
	}
	reliable := u.cfg.PrackMode != PrackDisabled && (hasOption(req, "Supported", "100rel") || hasOption(req, "Require", "100rel"))
	if u.cfg.PrackMode == PrackRequired && !reliable {
		res := sipmsg.NewResponseFromRequest(req, 421, "Extension Required", nil)
		res.AppendHeader(sipmsg.NewHeader("Require", "100rel"))
		_ = tx.Respond(res)
		return
	}
	interval, _, timed := sessionExpires(req)
	if timed && interval < u.minSE() {
		res := sipmsg.NewResponseFromRequest(req, 422, "Session Interval Too Small", nil)
		res.AppendHeader(sipmsg.NewHeader("Min-SE", strconv.Itoa(int(u.minSE()/time.Second))))
		_ = tx.Respond(res)
		return
	}
	offer, choice, ok := u.negotiate(req, tx, sdp.SRTP{})
	if !ok {
		return
	}
	c := newCall(u, id, false)
	c.setTransport(req)
	c.reliable = reliable
	if timed {
		c.sessionInterval = interval
	}
	c.invite, c.tx = req, tx
	c.localTag = sipmsg.GenerateTagN(16)
	c.remoteTag, _ = req.From().Params.Get("tag")
	c.remoteOffer, c.choice = offer, choice
	c.from, c.to = req.From().Address.User, req.Recipient.User
	if c.to == "" {
		c.to = req.To().Address.User
	}
	c.remoteTarget = req.Contact()
	for _, h := range req.GetHeaders("Record-Route") {
		c.routes = append(c.routes, h.Value())
	}
	u.mu.Lock()
	u.calls[id] = c
	u.mu.Unlock()
	u.stats.IncomingCalls.Add(1)
	u.respond(tx, req, 100, "Trying")
	tx.OnCancel(func(*sipmsg.Request) {
		c.end(EventEnded, 487, "cancelled by the caller")
	})
	u.h.IncomingCall(c)
	// The transaction lives as long as this handler: wait for our final
	// answer, the caller's CANCEL, or shutdown.
	select {
	case <-c.final:
	case <-tx.Done():
		c.end(EventEnded, 487, "request terminated")
	case <-u.ctx.Done():
		c.reject(503, "Service Unavailable")
	}
}

func (u *UA) onReInvite(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	c := u.call(req.CallID().Value())
	if c == nil {
		u.respond(tx, req, 481, "Call/Transaction Does Not Exist")
		return
	}
	c.mu.Lock()
	if c.reinvitePending {
		c.mu.Unlock()
		u.respond(tx, req, 491, "Request Pending")
		return
	}
	c.reinvitePending = true
	c.mu.Unlock()
	defer func() { c.mu.Lock(); c.reinvitePending = false; c.mu.Unlock() }()
	if len(req.Body()) == 0 {
		u.onEmptyReinvite(c, req, tx)
		return
	}
	if offer, err := sdp.Parse(req.Body()); err == nil && offer.T38Index() >= 0 {
		u.onT38Offer(c, req, tx, offer)
		return
	}
	cur := c.Choice()
	if cur.T38.Enabled() {
		c.mu.Lock()
		cur = c.audio // back from T.38: the audio session's keys
		c.mu.Unlock()
	}
	offer, choice, ok := u.negotiate(req, tx, cur.SRTP)
	if !ok {
		return
	}
	body := c.answerSDP(offer, choice)
	res := sipmsg.NewResponseFromRequest(req, 200, "OK", body)
	res.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
	res.AppendHeader(c.contact())
	if interval, _, ok := sessionExpires(req); ok && interval >= u.minSE() {
		addSessionHeaders(res, interval)
		c.sessionTimer(interval) // a re-INVITE refreshes the session
	}
	if err := tx.Respond(res); err != nil {
		return
	}
	c.mu.Lock()
	changed := c.choice != choice
	if c.choice.T38.Enabled() && c.localOffer != nil {
		// Back from T.38: our refreshes offer this audio again.
		c.choice = choice
		c.localOffer = c.currentOfferLocked()
	}
	c.choice = choice
	c.mu.Unlock()
	if changed { // a session refresh offers the same session again
		c.emit(Event{Kind: EventModified, Choice: choice})
	}
	// The re-INVITE is no longer pending once answered (RFC 3261 14.2);
	// its ACK, a request of its own for a 2xx, reaches onAck.
}

func (u *UA) onAck(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	if c := u.call(req.CallID().Value()); c != nil {
		c.acked()
	}
}

func (u *UA) onBye(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	c := u.call(req.CallID().Value())
	if c == nil {
		u.respond(tx, req, 481, "Call/Transaction Does Not Exist")
		return
	}
	u.respond(tx, req, 200, "OK")
	c.end(EventEnded, 0, "remote hangup")
}

func (u *UA) onOptions(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	res := sipmsg.NewResponseFromRequest(req, 200, "OK", nil)
	res.AppendHeader(sipmsg.NewHeader("Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS, NOTIFY, PRACK"))
	res.AppendHeader(sipmsg.NewHeader("Supported", "100rel"))
	res.AppendHeader(sipmsg.NewHeader("Accept", "application/sdp"))
	res.AppendHeader(sipmsg.NewHeader("Server", u.cfg.UserAgent))
	_ = tx.Respond(res)
}

// onNotify handles the check-sync NOTIFY (remote configuration update or
// restart), gated by configuration and source address.
func (u *UA) onNotify(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	event := ""
	if h := req.GetHeader("Event"); h != nil {
		event = strings.TrimSpace(h.Value())
	}
	name, params, _ := strings.Cut(event, ";")
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "refer":
		u.onReferNotify(req, tx)
		return
	case "message-summary":
		u.onMessageSummary(req, tx)
		return
	}
	if !strings.EqualFold(strings.TrimSpace(name), "check-sync") {
		u.respond(tx, req, 489, "Bad Event")
		return
	}
	if !u.trusted(req.Source()) {
		u.stats.RemoteResetsRefused.Add(1)
		u.log.Warn("sip: check-sync refused", "source", req.Source(), "enabled", u.cfg.EnableRemoteReset)
		u.respond(tx, req, 403, "Forbidden")
		return
	}
	reboot := strings.Contains(strings.ReplaceAll(strings.ToLower(params), " ", ""), "reboot=true")
	u.respond(tx, req, 200, "OK")
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		if err := u.h.CheckSync(u.ctx, reboot); err != nil {
			u.log.Warn("sip: check-sync failed", "reboot", reboot, "error", err)
		}
	}()
}

func (u *UA) trusted(source string) bool {
	return u.cfg.EnableRemoteReset && hostIn(source, u.cfg.TrustedHosts)
}

// negotiate answers the SDP offer of an INVITE, or refuses it with 488
// and a Warning saying why. cur is the call's SRTP keying so far.
func (u *UA) negotiate(req *sipmsg.Request, tx sipmsg.ServerTransaction, cur sdp.SRTP) (*sdp.Session, sdp.Choice, bool) {
	offer, err := sdp.Parse(req.Body())
	if err == nil && len(req.Body()) == 0 {
		err = errors.New("no SDP offer")
	}
	var choice sdp.Choice
	if err == nil {
		var sec sdp.Security
		if sec, err = u.mediaSecurity(secureTransport(req.Transport())); err == nil {
			choice, err = sec.Negotiate(offer, u.cfg.Codecs, u.cfg.DTMFPayloadType != 0, cur)
		}
	}
	if err != nil {
		u.log.Info("sip: offer refused", "call", req.CallID().Value(), "error", err)
		res := sipmsg.NewResponseFromRequest(req, 488, "Not Acceptable Here", nil)
		res.AppendHeader(sipmsg.NewHeader("Server", u.cfg.UserAgent))
		res.AppendHeader(warning(u.addr.Addr().String(), err))
		_ = tx.Respond(res)
		return nil, sdp.Choice{}, false
	}
	return offer, choice, true
}

// warning is a Warning header (RFC 3261 20.43) with code 399 carrying
// err's text.
func warning(host string, err error) sipmsg.Header {
	text := strings.Map(func(r rune) rune {
		if r == '"' || r == '\\' || r < ' ' {
			return '\''
		}
		return r
	}, err.Error())
	return sipmsg.NewHeader("Warning", fmt.Sprintf("399 %s \"%s\"", host, text))
}

// secureTransport reports whether a transport encrypts the signalling.
func secureTransport(t string) bool {
	return strings.EqualFold(t, "TLS") || strings.EqualFold(t, "WSS")
}

// mediaSecurity is the SRTP policy of a call whose signalling is (or is
// not) encrypted: without encryption and without
// SDESOverInsecureTransport no keys go in the SDP.
func (u *UA) mediaSecurity(secure bool) (sdp.Security, error) {
	sec := u.cfg.MediaSecurity
	if sec.Mode == sdp.SecurityOff || secure || u.cfg.SDESOverInsecureTransport {
		return sec, nil
	}
	if sec.Mode == sdp.SecurityMandatory {
		return sec, fmt.Errorf("%w: %w", sdp.ErrSecurity, ErrInsecureSignalling)
	}
	sec.Mode = sdp.SecurityOff
	return sec, nil
}
