package sip

import (
	"context"
	"errors"
	"fmt"
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
	// replaces Proxy); with KeepAlive > 0 each proxy gets an OPTIONS every
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
	cli     *sipgo.Client
	conn    net.PacketConn
	addr    netip.AddrPort
	mu      sync.Mutex
	calls   map[string]*Call // by Call-ID
	proxies *proxySet
	closed  atomic.Bool
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	stats   Stats
}

// Stats are the user agent's counters.
type Stats struct {
	IncomingCalls, OutgoingCalls atomic.Int64
	Answered, Failed             atomic.Int64
	RemoteResetsRefused          atomic.Int64
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
	conn, err := net.ListenPacket("udp", cfg.ListenAddr)
	if err != nil {
		return nil, fmt.Errorf("sip: listen: %w", err)
	}
	if err := markDSCP(conn, cfg.DSCP); err != nil {
		conn.Close()
		return nil, err
	}
	addr := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	if !cfg.MediaAddr.IsValid() {
		cfg.MediaAddr = addr.Addr().Unmap()
	}
	u := &UA{cfg: cfg, h: h, log: log, conn: conn, addr: netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port()), calls: map[string]*Call{}, proxies: newProxySet(cfg)}
	u.ctx, u.cancel = context.WithCancel(context.Background())
	// sipgo's layers log to its package default unless given ours; the
	// transport logs whole malformed messages, so it gets a logger that
	// only speaks at debug level.
	u.ua, err = sipgo.NewUA(sipgo.WithUserAgent(cfg.UserAgent), sipgo.WithUserAgentHostname(u.addr.Addr().String()),
		sipgo.WithUserAgentTransportLayerOptions(sipmsg.WithTransportLayerLogger(log)),
		sipgo.WithUserAgentTransactionLayerOptions(sipmsg.WithTransactionLayerLogger(log)))
	if err == nil {
		u.srv, err = sipgo.NewServer(u.ua, sipgo.WithServerLogger(log))
	}
	if err == nil {
		// Requests we send leave from the listening socket, so replies and
		// in-dialog requests come back to it.
		u.cli, err = sipgo.NewClient(u.ua, sipgo.WithClientLogger(log),
			sipgo.WithClientHostname(u.addr.Addr().String()), sipgo.WithClientPort(int(u.addr.Port())))
	}
	if err != nil {
		conn.Close()
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
	done := make(chan error, 1)
	go func() { done <- u.srv.ServeUDP(u.conn) }()
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
		<-done
		return ctx.Err()
	case <-u.ctx.Done():
		<-done
		return ErrClosed
	case err := <-done:
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
	err := u.conn.Close()
	u.ua.Close()
	return err
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

func (u *UA) contact(user string) *sipmsg.ContactHeader {
	return &sipmsg.ContactHeader{Address: sipmsg.Uri{Scheme: "sip", User: user, Host: u.addr.Addr().String(), Port: int(u.addr.Port())}}
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
	c.transport = req.Transport()
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
	offer, choice, ok := u.negotiate(req, tx, c.Choice().SRTP)
	if !ok {
		return
	}
	body := c.answerSDP(offer, choice)
	res := sipmsg.NewResponseFromRequest(req, 200, "OK", body)
	res.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
	res.AppendHeader(u.contact(c.localUser()))
	if interval, _, ok := sessionExpires(req); ok && interval >= u.minSE() {
		addSessionHeaders(res, interval)
		c.sessionTimer(interval) // a re-INVITE refreshes the session
	}
	if err := tx.Respond(res); err != nil {
		return
	}
	c.mu.Lock()
	changed := c.choice != choice
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
