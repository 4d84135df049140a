package sip

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/potsgate/potsgate/media/t38"
	"github.com/potsgate/potsgate/sip/sdp"
)

// EventKind is something that happened to a call.
type EventKind int

const (
	EventRinging    EventKind = iota + 1 // the far end is alerting (180)
	EventEarlyMedia                      // early media (183 with SDP): Choice is set
	EventAnswered                        // the call is up: Choice is set
	EventModified                        // a re-INVITE changed the media (hold, resume)
	EventEnded                           // the call is over: Code and Reason say why
	EventTransfer                        // progress of a transfer we asked for: Reason is the new call's status line
)

func (k EventKind) String() string {
	switch k {
	case EventRinging:
		return "ringing"
	case EventEarlyMedia:
		return "early-media"
	case EventAnswered:
		return "answered"
	case EventModified:
		return "modified"
	case EventEnded:
		return "ended"
	case EventTransfer:
		return "transfer"
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Event is one call event.
type Event struct {
	Kind   EventKind
	Choice sdp.Choice
	// Code is the SIP status that ended the call (0 for a BYE).
	Code   int
	Reason string
	// Target is where a 3xx that ended the call redirects it (its Contact).
	Target string
}

// Call is one call, incoming or outgoing. Its methods are safe from any
// goroutine.
type Call struct {
	u        *UA
	id       string
	outgoing bool
	events   chan Event
	final    chan struct{} // closed when the INVITE got its final response
	done     chan struct{} // closed when the call ended
	endOnce  sync.Once
	fin      sync.Once
	answered atomic.Bool
	evMu     sync.Mutex // orders sends on events with its close
	ended    bool

	mu              sync.Mutex
	invite          *sipmsg.Request
	tx              sipmsg.ServerTransaction // incoming, until the final response
	localTag        string
	remoteTag       string
	remoteTarget    *sipmsg.ContactHeader
	routes          []string
	cseq            uint32
	from, to        string
	remoteOffer     *sdp.Session // incoming
	localOffer      *sdp.Session // outgoing
	choice          sdp.Choice
	audio           sdp.Choice // the audio session a T.38 one replaced
	t38Port         int        // our UDPTL port while on T.38
	t38Ours         t38.Params // what we asked for on T.38
	localPort       int
	sdpVersion      uint64
	redirectTarget  string      // the Contact of a 3xx that ended an outgoing call
	referFinal      chan string // gets the final sipfrag status of our REFER
	reinvitePending bool
	reliable        bool          // send 1xx reliably (100rel)
	rseq            uint32        // last RSeq sent
	pendingRSeq     uint32        // RSeq awaiting its PRACK
	pracked         chan struct{} // closed by the PRACK of pendingRSeq
	sessionInterval time.Duration // RFC 4028, 0 = no session timer
	refreshed       int           // generation of the session timer
	ackedCh         chan struct{}
	ackOnce         sync.Once
	// transport is what the call's signalling travels on; flow, for an
	// incoming call over TCP or TLS, the connection it came on (the
	// peer's address), which in-dialog requests reuse while it is open.
	transport Transport
	flow      string
}

func newCall(u *UA, id string, outgoing bool) *Call {
	return &Call{u: u, id: id, outgoing: outgoing,
		events: make(chan Event, 16), final: make(chan struct{}), done: make(chan struct{}),
		ackedCh: make(chan struct{}), sdpVersion: uint64(time.Now().Unix()), rseq: firstRSeq()}
}

// Transport is the transport of the call's signalling.
func (c *Call) Transport() Transport { return c.transport }

// SignalingSecure reports whether the call's signalling is encrypted
// (TLS): the condition for offering SRTP keys in SDP (RFC 4568 8.3).
func (c *Call) SignalingSecure() bool { return c.transport == TransportTLS }

// setTransport records the transport and flow of an incoming INVITE.
func (c *Call) setTransport(req *sipmsg.Request) {
	if t, err := ParseTransport(req.Transport()); err == nil {
		c.transport = t
	}
	if c.transport.Reliable() {
		c.flow = req.Source()
	}
}

// cli is the client that sends the call's requests.
func (c *Call) cli() *sipgo.Client {
	cl, err := c.u.client(c.transport)
	if err != nil { // the INVITE came on a transport we listen on
		cl, _ = c.u.client(TransportUDP)
	}
	return cl
}

// contact is our Contact in the call.
func (c *Call) contact() *sipmsg.ContactHeader {
	return c.u.contactFor(c.localUser(), c.transport)
}

// ID is the call's Call-ID.
func (c *Call) ID() string { return c.id }

// MediaSecure reports whether the negotiated media is SRTP.
func (c *Call) MediaSecure() bool { return c.Choice().SRTP.Enabled() }

// Outgoing reports whether we placed the call.
func (c *Call) Outgoing() bool { return c.outgoing }

// From and To are the user parts of the calling and called party.
func (c *Call) From() string { return c.from }
func (c *Call) To() string   { return c.to }

// Choice is the negotiated media: for an incoming call, set from the
// offer; for an outgoing call, once answered.
func (c *Call) Choice() sdp.Choice {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.choice
}

// Events delivers what happens to the call; it is closed after EventEnded.
func (c *Call) Events() <-chan Event { return c.events }

// Done is closed when the call has ended.
func (c *Call) Done() <-chan struct{} { return c.done }

func (c *Call) emit(e Event) {
	c.evMu.Lock()
	defer c.evMu.Unlock()
	if c.ended {
		return
	}
	select {
	case c.events <- e:
	default:
		c.u.log.Warn("sip: call event dropped", "call", c.id, "event", e.Kind.String())
	}
}

func (c *Call) end(kind EventKind, code int, reason string) {
	c.endOnce.Do(func() {
		c.fin.Do(func() { close(c.final) })
		c.mu.Lock()
		target := c.redirectTarget
		c.mu.Unlock()
		c.evMu.Lock()
		select {
		case c.events <- Event{Kind: kind, Code: code, Reason: reason, Target: target}:
		default:
		}
		c.ended = true
		close(c.events)
		c.evMu.Unlock()
		close(c.done)
		c.u.forget(c)
	})
}

func (c *Call) acked() { c.ackOnce.Do(func() { close(c.ackedCh) }) }

func (c *Call) localUser() string {
	if c.outgoing {
		return c.from
	}
	return c.to
}

// Ring sends 180 Ringing for an incoming call.
func (c *Call) Ring() error {
	return c.provisional(180, "Ringing")
}

func (c *Call) provisional(code int, reason string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tx == nil {
		return ErrCallAnswered
	}
	res := sipmsg.NewResponseFromRequest(c.invite, code, reason, nil)
	res.To().Params.Add("tag", c.localTag)
	res.AppendHeader(c.contact())
	if c.reliable {
		return c.reliableProvisional(res)
	}
	return c.tx.Respond(res)
}

// Answer answers an incoming call with 200 OK, offering our media on
// localPort, and returns once the 200 is sent; the ACK is awaited in the
// background.
func (c *Call) Answer(localPort int) error {
	c.mu.Lock()
	if c.tx == nil {
		c.mu.Unlock()
		return ErrCallAnswered
	}
	c.localPort = localPort
	body := c.answerSDPLocked(c.remoteOffer, c.choice)
	res := sipmsg.NewResponseFromRequest(c.invite, 200, "OK", body)
	res.To().Params.Add("tag", c.localTag)
	res.AppendHeader(c.contact())
	res.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
	res.AppendHeader(sipmsg.NewHeader("Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS, NOTIFY, PRACK, UPDATE, REFER"))
	interval := c.sessionInterval
	if interval > 0 {
		addSessionHeaders(res, interval)
	}
	tx := c.tx
	err := tx.Respond(res)
	c.tx = nil
	// Answered before the lock is released: a Hangup racing with the far
	// end's reaction to our 200 must send BYE, not find neither a
	// transaction to reject nor an answered call.
	c.answered.Store(err == nil)
	choice := c.choice
	c.mu.Unlock()
	c.sessionTimer(interval)
	c.fin.Do(func() { close(c.final) })
	if err != nil {
		c.end(EventEnded, 500, "answer not sent: "+err.Error())
		return err
	}
	c.u.stats.Answered.Add(1)
	c.emit(Event{Kind: EventAnswered, Choice: choice})
	c.awaitAck(tx, res)
	return nil
}

// awaitAck retransmits our 200 until its ACK arrives, T1 doubling up to
// T2 (RFC 3261 13.3.1.4: the transaction layer does not, RFC 6026), and
// ends the call with a BYE when 64*T1 pass without one: a 200 or ACK lost
// on the way (a loaded UDP peer drops them) would otherwise leave the
// call, and its port, up for ever.
func (c *Call) awaitAck(tx sipmsg.ServerTransaction, res *sipmsg.Response) {
	c.u.wg.Add(1)
	go func() {
		defer c.u.wg.Done()
		wait := c.u.t1
		retransmit := time.NewTimer(wait)
		defer retransmit.Stop()
		giveUp := time.NewTimer(64 * c.u.t1)
		defer giveUp.Stop()
		for {
			select {
			case <-c.ackedCh:
				return
			case <-c.done:
				return
			case <-c.u.ctx.Done():
				return
			case <-retransmit.C:
				_ = tx.Respond(res)
				wait = min(2*wait, c.u.t2)
				retransmit.Reset(wait)
			case <-giveUp.C:
				c.u.stats.AckTimeouts.Add(1)
				c.u.log.Warn("sip: no ACK for our 200 within 64*T1: ending the call", "call", c.id)
				ctx, cancel := context.WithTimeout(c.u.ctx, 64*c.u.t1)
				_ = c.bye(ctx, 408, "no ACK for the 200")
				cancel()
				return
			}
		}
	}()
}

func (c *Call) answerSDP(offer *sdp.Session, choice sdp.Choice) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.answerSDPLocked(offer, choice)
}

func (c *Call) answerSDPLocked(offer *sdp.Session, choice sdp.Choice) []byte {
	c.sdpVersion++
	return sdp.Answer(offer, choice, c.u.cfg.MediaAddr, c.localPort, c.sdpVersion, c.u.cfg.PacketTime).Marshal()
}

// Reject refuses an incoming call (486 Busy Here, 404 Not Found, ...).
func (c *Call) Reject(code int, reason string) error {
	if !c.reject(code, reason) {
		return ErrCallAnswered
	}
	return nil
}

func (c *Call) reject(code int, reason string) bool {
	if !c.refuse(code, reason) {
		return false
	}
	c.u.stats.Failed.Add(1)
	return true
}

// refuse sends a final non-2xx answer to an incoming INVITE and ends the
// call; false if it was already answered.
func (c *Call) refuse(code int, reason string, headers ...sipmsg.Header) bool {
	c.mu.Lock()
	if c.tx == nil {
		c.mu.Unlock()
		return false
	}
	res := sipmsg.NewResponseFromRequest(c.invite, code, reason, nil)
	res.To().Params.Add("tag", c.localTag)
	for _, h := range headers {
		res.AppendHeader(h)
	}
	_ = c.tx.Respond(res)
	c.tx = nil
	c.mu.Unlock()
	c.end(EventEnded, code, reason)
	return true
}

// Redirect answers an incoming call 302 Moved Temporarily with target
// (a SIP URI, "sip:2000@192.0.2.1:5060") as its Contact: call forwarding.
func (c *Call) Redirect(target string) error {
	var uri sipmsg.Uri
	if err := sipmsg.ParseUri(target, &uri); err != nil {
		return fmt.Errorf("sip: redirect target %q: %w", target, err)
	}
	if !c.refuse(302, "Moved Temporarily", &sipmsg.ContactHeader{Address: uri}) {
		return ErrCallAnswered
	}
	return nil
}

// Hangup ends the call: BYE once answered, CANCEL (outgoing) or 480
// (incoming) before.
func (c *Call) Hangup(ctx context.Context) error {
	select {
	case <-c.done:
		return nil
	default:
	}
	if !c.outgoing && !c.answered.Load() && c.reject(480, "Temporarily Unavailable") {
		return nil
	}
	if c.outgoing && !c.answered.Load() {
		return c.cancel(ctx)
	}
	return c.bye(ctx, 0, "local hangup")
}

// bye ends an answered call with a BYE; the call's end event carries code
// and reason.
func (c *Call) bye(ctx context.Context, code int, reason string) error {
	bye := c.inDialog(sipmsg.BYE)
	defer c.end(EventEnded, code, reason)
	res, err := c.cli().Do(ctx, bye, sipgo.ClientRequestAddVia)
	if err != nil {
		return fmt.Errorf("sip: BYE: %w", err)
	}
	if res.StatusCode >= 300 {
		return fmt.Errorf("sip: BYE answered %d %s", res.StatusCode, res.Reason)
	}
	return nil
}

// inDialog builds a request within the call's dialog (RFC 3261 12.2.1.1).
func (c *Call) inDialog(method sipmsg.RequestMethod) *sipmsg.Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	target := c.invite.Recipient
	if c.remoteTarget != nil {
		target = c.remoteTarget.Address
	}
	req := sipmsg.NewRequest(method, *target.Clone())
	var from, to sipmsg.Header
	if c.outgoing {
		f := *c.invite.From()
		t := *c.invite.To()
		t.Params = t.Params.Clone()
		t.Params.Add("tag", c.remoteTag)
		from, to = &f, &t
	} else {
		// We are the UAS: our From is the INVITE's To with our tag.
		t := c.invite.To().AsFrom()
		t.Params.Add("tag", c.localTag)
		f := c.invite.From().AsTo()
		from, to = &t, &f
	}
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(sipmsg.NewHeader("Call-ID", c.id))
	seq := c.invite.CSeq().SeqNo // an ACK shares its INVITE's number
	if method != sipmsg.ACK {
		c.cseq++
		if c.outgoing && c.cseq <= seq {
			c.cseq = seq + 1
		}
		seq = c.cseq
	}
	req.AppendHeader(&sipmsg.CSeqHeader{SeqNo: seq, MethodName: method})
	mf := sipmsg.MaxForwardsHeader(70)
	req.AppendHeader(&mf)
	routes := c.routes
	if !c.outgoing { // the UAS uses the Record-Route in order
		for _, r := range routes {
			req.AppendHeader(sipmsg.NewHeader("Route", r))
		}
	} else {
		for i := len(routes) - 1; i >= 0; i-- {
			req.AppendHeader(sipmsg.NewHeader("Route", routes[i]))
		}
	}
	req.SetTransport(c.transport.String())
	req.SetBody(nil) // Content-Length: 0 until a body is set: streams need it
	if c.flow != "" && c.transport.Reliable() {
		// Reuse the connection the call came on while it is open (RFC
		// 5923's aim): the peer may not accept new ones (a phone behind
		// NAT, SIPp).
		if conn, err := c.u.ua.TransportLayer().GetConnection(c.transport.network(), c.flow); err == nil {
			_, _ = conn.TryClose()
			req.SetDestination(c.flow)
		}
	}
	return req
}

// Dial is an outgoing call.
type Dial struct {
	// To is the called user; Host is "host:port" (empty: Config.Proxy).
	To, Host string
	// From and FromName are the calling party.
	From, FromName string
	// LocalPort is our RTP port for the offer.
	LocalPort int
	// Username and Password answer a digest challenge, when set.
	Username, Password string
}

// Dial places a call and returns at once; progress arrives on the call's
// Events. ctx bounds the whole setup: when it ends before an answer the
// call is cancelled.
func (u *UA) Dial(ctx context.Context, d Dial) (*Call, error) {
	if u.closed.Load() {
		return nil, ErrClosed
	}
	host := d.Host
	if host == "" {
		host = u.proxies.active()
	}
	if host == "" {
		return nil, errors.New("sip: no host to call and no proxy configured")
	}
	target, err := ParseTarget(host, u.cfg.Transport)
	if err != nil {
		return nil, err
	}
	cli, err := u.client(target.Transport)
	if err != nil {
		return nil, err
	}
	hp := target.Addr
	scheme := u.scheme(target.Transport)
	req := sipmsg.NewRequest(sipmsg.INVITE, u.uri(d.To, hp, target.Transport))
	req.SetTransport(target.Transport.String())
	from := &sipmsg.FromHeader{DisplayName: d.FromName, Address: sipmsg.Uri{Scheme: scheme, User: d.From, Host: u.addr.Addr().String()}}
	from.Params.Add("tag", sipmsg.GenerateTagN(16))
	req.AppendHeader(from)
	req.AppendHeader(&sipmsg.ToHeader{Address: sipmsg.Uri{Scheme: scheme, User: d.To, Host: hp.Addr().String()}})
	req.AppendHeader(u.contactFor(d.From, target.Transport))
	req.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
	req.AppendHeader(sipmsg.NewHeader("Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS, NOTIFY, PRACK, UPDATE, REFER"))
	var supported []string
	if u.cfg.PrackMode != PrackDisabled {
		supported = append(supported, "100rel")
	}
	if u.cfg.SessionExpires > 0 {
		supported = append(supported, "timer")
		secs := int(max(u.cfg.SessionExpires, u.minSE()) / time.Second)
		req.AppendHeader(sipmsg.NewHeader("Session-Expires", strconv.Itoa(secs)))
		req.AppendHeader(sipmsg.NewHeader("Min-SE", strconv.Itoa(int(u.minSE()/time.Second))))
	}
	if len(supported) > 0 {
		req.AppendHeader(sipmsg.NewHeader("Supported", strings.Join(supported, ", ")))
	}
	c := newCall(u, "", true)
	c.transport = target.Transport
	c.from, c.to, c.localPort = d.From, d.To, d.LocalPort
	sec, err := u.mediaSecurity(c.SignalingSecure())
	if err != nil {
		return nil, err
	}
	c.localOffer = sdp.Offer(u.cfg.MediaAddr, d.LocalPort, c.sdpVersion, u.cfg.Codecs, u.cfg.DTMFPayloadType, u.cfg.PacketTime, sdp.SendRecv)
	if err := sec.SecureOffer(c.localOffer); err != nil {
		return nil, fmt.Errorf("sip: %w", err)
	}
	req.SetBody(c.localOffer.Marshal())
	if err := sipgo.ClientRequestBuild(cli, req); err != nil {
		return nil, fmt.Errorf("sip: %w", err)
	}
	c.id = req.CallID().Value()
	c.invite = req
	u.mu.Lock()
	u.calls[c.id] = c
	u.mu.Unlock()
	u.stats.OutgoingCalls.Add(1)
	u.flows.track(target)
	tx, err := cli.TransactionRequest(ctx, req, noBuild)
	if err != nil {
		u.forget(c)
		return nil, fmt.Errorf("sip: INVITE to %s: %w", target, u.streamError(target.Transport, target.Addr.String(), err))
	}
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		c.runInvite(ctx, tx, d)
	}()
	return c, nil
}

// noBuild sends a request as built.
func noBuild(*sipgo.Client, *sipmsg.Request) error { return nil }

func (c *Call) runInvite(ctx context.Context, tx sipmsg.ClientTransaction, d Dial) {
	defer func() { tx.Terminate() }()
	authTried, minSERetried := false, false
	for {
		select {
		case <-ctx.Done():
			_ = c.cancel(context.Background())
			c.end(EventEnded, 487, "cancelled")
			return
		case <-c.u.ctx.Done():
			c.end(EventEnded, 503, "shutting down")
			return
		case <-tx.Done():
			if err := tx.Err(); err != nil {
				c.u.stats.Failed.Add(1)
				err = c.u.streamError(c.transport, c.invite.Destination(), err)
				if errors.Is(err, sipmsg.ErrTransactionTransport) || errors.Is(err, ErrTLSPeerClosed) || errors.Is(err, ErrTLSPeer) {
					// RFC 3261 8.1.3.1: a transport failure is a 503.
					c.end(EventEnded, 503, "transport failed: "+err.Error())
					return
				}
				c.end(EventEnded, 408, "no answer: "+err.Error())
			}
			return
		case res, ok := <-tx.Responses():
			if !ok {
				continue
			}
			switch {
			case res.StatusCode == 100:
			case res.StatusCode == 180:
				c.prack(res)
				c.emit(Event{Kind: EventRinging})
			case res.StatusCode == 183 && len(res.Body()) > 0:
				c.prack(res)
				if ch, err := c.accept(res); err == nil {
					c.emit(Event{Kind: EventEarlyMedia, Choice: ch})
				}
			case res.StatusCode < 200:
			case res.StatusCode < 300:
				c.answeredBy(res)
				return
			case res.StatusCode == 422 && !minSERetried:
				minSERetried = true
				ntx, ok := c.retryWithMinSE(ctx, res)
				if !ok {
					c.u.stats.Failed.Add(1)
					c.end(EventEnded, res.StatusCode, res.Reason)
					return
				}
				tx.Terminate()
				tx = ntx
			case (res.StatusCode == 401 || res.StatusCode == 407) && d.Username != "" && !authTried:
				authTried = true
				ntx, err := c.cli().TransactionDigestAuth(ctx, c.invite, res, sipgo.DigestAuth{Username: d.Username, Password: d.Password})
				if err != nil {
					c.end(EventEnded, res.StatusCode, "authentication failed: "+err.Error())
					return
				}
				tx.Terminate()
				tx = ntx
			default:
				if res.StatusCode < 400 {
					if ct := res.Contact(); ct != nil {
						c.mu.Lock()
						c.redirectTarget = ct.Address.String()
						c.mu.Unlock()
					}
				}
				c.u.stats.Failed.Add(1)
				c.end(EventEnded, res.StatusCode, res.Reason)
				return
			}
		}
	}
}

func (c *Call) accept(res *sipmsg.Response) (sdp.Choice, error) {
	ans, err := sdp.Parse(res.Body())
	if err != nil {
		return sdp.Choice{}, err
	}
	return c.acceptAnswer(c.localOffer, ans)
}

// acceptAnswer reads the answer to our offer, SRTP keys included.
func (c *Call) acceptAnswer(offer, ans *sdp.Session) (sdp.Choice, error) {
	if offer.T38Index() >= 0 { // a refresh of our T.38 offer
		return sdp.AcceptT38(ans)
	}
	choice, err := sdp.Accept(offer, ans)
	if err != nil {
		return sdp.Choice{}, err
	}
	// The policy our offer was made under: what it offered tells.
	sec, err := c.u.mediaSecurity(c.SignalingSecure())
	if err != nil {
		return sdp.Choice{}, err
	}
	if err := sec.AcceptAnswer(offer, ans, &choice); err != nil {
		return sdp.Choice{}, err
	}
	return choice, nil
}

func (c *Call) answeredBy(res *sipmsg.Response) {
	choice, err := c.accept(res)
	c.mu.Lock()
	c.remoteTag, _ = res.To().Params.Get("tag")
	c.remoteTarget = res.Contact()
	c.routes = c.routes[:0]
	for _, h := range res.GetHeaders("Record-Route") {
		c.routes = append(c.routes, h.Value())
	}
	c.choice = choice
	c.mu.Unlock()
	ack := c.inDialog(sipmsg.ACK)
	if werr := c.cli().WriteRequest(ack, sipgo.ClientRequestAddVia); werr != nil {
		c.u.log.Warn("sip: ACK not sent", "call", c.id, "error", werr)
	}
	if err != nil {
		// An answer we cannot use (no common codec, no SRTP while it is
		// mandatory): end the call it set up, saying why.
		c.answered.Store(true)
		c.u.stats.Failed.Add(1)
		c.u.log.Info("sip: answer refused", "call", c.id, "error", err)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.bye(ctx, 488, "answer not acceptable: "+err.Error())
		return
	}
	c.answered.Store(true)
	c.u.stats.Answered.Add(1)
	c.fin.Do(func() { close(c.final) })
	c.emit(Event{Kind: EventAnswered, Choice: choice})
	c.uacSessionTimer(res)
}

// cancel sends CANCEL for an unanswered outgoing INVITE.
func (c *Call) cancel(ctx context.Context) error {
	c.mu.Lock()
	inv := c.invite
	c.mu.Unlock()
	req := sipmsg.NewRequest(sipmsg.CANCEL, inv.Recipient)
	req.AppendHeader(inv.Via().Clone())
	req.AppendHeader(inv.From())
	req.AppendHeader(inv.To())
	req.AppendHeader(inv.CallID())
	req.AppendHeader(&sipmsg.CSeqHeader{SeqNo: inv.CSeq().SeqNo, MethodName: sipmsg.CANCEL})
	mf := sipmsg.MaxForwardsHeader(70)
	req.AppendHeader(&mf)
	req.SetBody(nil)
	req.SetTransport(inv.Transport())
	req.SetDestination(inv.Destination())
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := c.cli().Do(ctx, req, noBuild)
	c.end(EventEnded, 487, "cancelled")
	return err
}
