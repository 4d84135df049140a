package gateway

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/potsgate/potsgate/hal"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/telephony/line"
	"github.com/potsgate/potsgate/telephony/routing"
)

// port joins one line to the network: a SIP call with its RTP leg, or
// another local port. Its line.Network methods run on the line's
// goroutine and never block; SIP work runs on goroutines the gateway owns.
type port struct {
	g      *Gateway
	index  int
	number string
	fxs    *line.FXSLine
	fxo    *line.FXOLine

	mu    sync.Mutex
	call  *sip.Call
	leg   MediaLeg
	peer  *port
	inbox frameRing // audio from a local peer
	hold  holdState
	cw    cwState
	// cwMu orders call waiting swaps and the ends of calls: a swap's
	// re-INVITEs and a call's end never interleave.
	cwMu sync.Mutex
	// hangingUp: the phone hung up, every call of the port ends with it.
	hangingUp bool
	conf      confState
	leaving   []leavingCall
	mix       mixer                     // the line goroutine's only
	fax       faxWatch                  // the line goroutine's only
	faxState  atomic.Pointer[FaxStatus] // the call's fax handling, for other goroutines; nil: none
	t38       atomic.Pointer[t38Call]   // the call on T.38 (fax_t38.go); nil: none
	t38s      t38PortState
	// failed: the port's hardware failed and its line stopped.
	failed atomic.Bool
}

func (p *port) step() error {
	if p.fxs != nil {
		return p.fxs.Step()
	}
	return p.fxo.Step()
}

func (p *port) run(ctx context.Context) error {
	if p.fxs != nil {
		return p.fxs.Run(ctx)
	}
	return p.fxo.Run(ctx)
}

// deliver hands an event to the line; it waits only while the line's
// queue is full, at most a second, and reports whether the line got it.
func (p *port) deliver(ev line.Event) bool {
	ctx, cancel := context.WithTimeout(p.g.ctx, time.Second)
	defer cancel()
	var err error
	if p.fxs != nil {
		err = p.fxs.Deliver(ctx, ev)
	} else {
		err = p.fxo.Deliver(ctx, ev)
	}
	if err != nil {
		p.g.log.Warn("event not delivered to the line", "port", p.index, "event", ev.Kind.String(), "error", err)
		return false
	}
	return true
}

// idle reports whether the port can take a call.
func (p *port) idle() bool {
	if p.failed.Load() {
		return false // its line no longer runs
	}
	p.mu.Lock()
	busy := p.call != nil || p.peer != nil || p.conf.held != nil
	p.mu.Unlock()
	if busy {
		return false
	}
	if p.fxs != nil {
		return p.fxs.State() == line.FXSIdle
	}
	return p.fxo.State() == line.FXOIdle
}

// claim marks the port busy for a call; false if it already is.
func (p *port) claim(c *sip.Call, peer *port) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.call != nil || p.peer != nil {
		return false
	}
	p.call, p.peer = c, peer
	return true
}

// release ends the port's share of a call: media closed, links cut.
func (p *port) release() {
	p.mu.Lock()
	leg := p.leg
	cw := p.cw
	p.call, p.leg, p.peer = nil, nil, nil
	p.hold.held, p.hold.changing = false, false
	p.cw, p.hangingUp = cwState{}, false
	b := p.releaseConfLocked()
	p.inbox.reset()
	p.mu.Unlock()
	p.dropT38()
	if leg != nil {
		_ = leg.Close()
	}
	p.endOthers(cw)
	if b != nil {
		p.g.hangupLater(b) // its leg closes when it has ended: see callGone
	}
}

// links returns the RTP leg and the local peer of the current call.
func (p *port) links() (MediaLeg, *port) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.leg, p.peer
}

// line.Network

func (p *port) PlaceCall(number string, cid line.CallerID) {
	g := p.g
	g.counters.Attempted.Add(1)
	if g.Locked() {
		g.counters.Failed.Add(1)
		go p.deliver(line.Event{Kind: line.CallFailed, Cause: line.CauseUnavailable})
		return
	}
	if number == "" && p.fxo != nil {
		number = p.number
	}
	if target, ok := g.byNumber[number]; ok && target != p {
		p.callLocal(target)
		return
	}
	from := p.number
	if p.fxo != nil && cid.Number != "" {
		from = cid.Number // an FXO port passes on the PSTN caller
	}
	p.dialSIP(number, from, cid.Name, func(c *sip.Call, leg MediaLeg) bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.call != nil || p.peer != nil {
			return false
		}
		p.call, p.leg = c, leg
		return true
	})
}

// dialSIP calls number over SIP: Tel-to-IP route, number manipulation, an
// RTP leg for the offer. Once the INVITE is out, attach makes the call
// the port's (false: the port no longer wants it, and it is ended); the
// call is then followed. A call not placed is CallFailed to the line.
func (p *port) dialSIP(number, from, fromName string, attach func(*sip.Call, MediaLeg) bool) {
	g := p.g
	// Tel-to-IP: the route is chosen on the number as dialled, then the
	// number is manipulated for the far end (the device's default order).
	pl := g.routes()
	host, _ := routing.TelToIP(pl.tel2ip, number, from)
	dialled := number
	number, _ = routing.Apply(pl.mapTel2IP, number, number, from)
	g.log.Debug("tel-to-ip route", "port", p.index, "dialled", dialled, "number", number, "from", from, "host", host)
	leg, err := g.opts.Media.Open(p.remoteDigit)
	if err != nil {
		g.log.Warn("no RTP port for a call", "port", p.index, "error", err)
		g.counters.Failed.Add(1)
		go p.deliver(line.Event{Kind: line.CallFailed, Cause: line.CauseUnavailable})
		return
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		ctx, cancel := context.WithTimeout(g.ctx, 3*time.Minute)
		defer cancel()
		authUser, password := g.credentials(from)
		c, err := g.ua.Dial(ctx, sip.Dial{To: number, Host: host, From: from, FromName: fromName, LocalPort: leg.Port(),
			Username: authUser, Password: password})
		if err != nil {
			g.log.Warn("call not placed", "port", p.index, "number", number, "error", err)
			_ = leg.Close()
			g.counters.NoRoute.Add(1)
			p.deliver(line.Event{Kind: line.CallFailed, Cause: line.CauseUnavailable})
			return
		}
		if !attach(c, leg) {
			_ = c.Hangup(ctx)
			_ = leg.Close()
			return
		}
		p.follow(c, true)
	}()
}

// follow turns a SIP call's events into line events until it ends, for
// calls in both directions. The RTP leg of an outgoing call exists before
// it starts; that of an incoming call once the line answers.
func (p *port) follow(c *sip.Call, outgoing bool) {
	g := p.g
	answered, ended := false, false
	rec := g.newCallRecord(p, c, outgoing)
	for ev := range c.Events() {
		leg := p.legOf(c)
		switch ev.Kind {
		case sip.EventRinging:
			p.deliver(line.Event{Kind: line.RemoteRinging})
		case sip.EventEarlyMedia:
			if leg != nil && leg.Start(ev.Choice) == nil {
				p.deliver(line.Event{Kind: line.RemoteRinging})
			}
		case sip.EventAnswered:
			answered = true
			rec.connected()
			if outgoing && leg != nil {
				if err := leg.Start(ev.Choice); err != nil {
					g.log.Warn("media not started", "port", p.index, "error", err)
				}
				g.counters.Established.Add(1)
				p.deliver(line.Event{Kind: line.RemoteAnswered})
			}
		case sip.EventModified:
			if p.t38Modified(c, ev.Choice) || leg == nil {
				break
			}
			if err := leg.Update(ev.Choice); err != nil {
				g.log.Warn("media not updated", "port", p.index, "error", err)
			}
		case sip.EventEnded:
			g.log.Info("call ended", "port", p.index, "call", c.ID(), "code", ev.Code, "reason", ev.Reason)
			rec.ended(ev, leg)
			p.cwMu.Lock() // until callGone: a swap sees the end whole or not at all
			ended = true
			if p.secondary(c) {
				break // the line's call goes on: see callGone
			}
			switch {
			case answered || !outgoing:
				p.deliver(line.Event{Kind: line.RemoteHangup})
			case ev.Code == 486 || ev.Code == 600:
				g.counters.Busy.Add(1)
				p.deliver(line.Event{Kind: line.CallFailed, Cause: line.CauseBusy})
			case ev.Code == 408 || ev.Code == 480 || ev.Code == 487:
				g.counters.NoAnswer.Add(1)
				p.deliver(line.Event{Kind: line.CallFailed, Cause: line.CauseUnavailable})
			default:
				g.counters.Failed.Add(1)
				p.deliver(line.Event{Kind: line.CallFailed, Cause: line.CauseUnavailable})
			}
		}
	}
	if !ended { // the end event was dropped (a full events buffer): still settle
		p.cwMu.Lock()
	}
	p.callGone(c)
	p.cwMu.Unlock()
}

// legOf is the RTP leg of c: the talking call's, or the held call's.
func (p *port) legOf(c *sip.Call) MediaLeg {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c == p.cw.held {
		return p.cw.heldLeg
	}
	if c == p.conf.held {
		return p.conf.heldLeg
	}
	for _, l := range p.leaving {
		if l.c == c {
			return l.leg
		}
	}
	if c == p.call {
		return p.leg
	}
	return nil
}

func (p *port) callLocal(target *port) {
	if !target.idle() && target.offerWaitingLocal(p) {
		return
	}
	if !target.idle() || !p.claim(nil, target) {
		p.g.counters.Busy.Add(1)
		go p.deliver(line.Event{Kind: line.CallFailed, Cause: line.CauseBusy})
		return
	}
	if !target.claim(nil, p) {
		p.release()
		p.g.counters.Busy.Add(1)
		go p.deliver(line.Event{Kind: line.CallFailed, Cause: line.CauseBusy})
		return
	}
	go target.deliver(line.Event{Kind: line.IncomingCall, CallerID: line.CallerID{Number: p.number}})
	go p.deliver(line.Event{Kind: line.RemoteRinging})
}

func (p *port) Answer() {
	p.mu.Lock()
	c, peer := p.call, p.peer
	p.mu.Unlock()
	switch {
	case peer != nil:
		p.g.counters.Established.Add(1)
		go peer.deliver(line.Event{Kind: line.RemoteAnswered})
	case c != nil:
		leg, err := p.g.opts.Media.Open(p.remoteDigit)
		if err != nil {
			p.g.log.Warn("no RTP port to answer", "port", p.index, "error", err)
			_ = c.Reject(503, "Service Unavailable")
			return
		}
		if err := c.Answer(leg.Port()); err != nil {
			_ = leg.Close()
			return
		}
		if err := leg.Start(c.Choice()); err != nil {
			p.g.log.Warn("media not started", "port", p.index, "error", err)
		}
		p.g.counters.Established.Add(1)
		p.mu.Lock()
		p.leg = leg
		p.mu.Unlock()
	}
}

func (p *port) Hangup() {
	p.mu.Lock()
	c, peer, b := p.call, p.peer, p.conf.held
	p.mu.Unlock()
	switch {
	case peer != nil:
		peer.peerGone(p) // a waiting or held port, or the talking one (a local C)
		p.release()      // B, held for a local consultation, ends too
	case c == nil && b != nil:
		p.release() // only the held call is left (C failed or is still being dialled): it ends
	case c != nil:
		p.mu.Lock()
		p.hangingUp = true // a held or waiting call ends with this one
		p.mu.Unlock()
		p.g.hangupLater(c)
	}
}

func (p *port) RejectBusy() {
	p.mu.Lock()
	c, q := p.call, p.cw.waitingPeer
	if p.cw.waiting != nil { // the line cannot alert it after all
		c = p.cw.waiting
	}
	if q != nil {
		c, p.cw.waitingPeer = nil, nil
	}
	p.mu.Unlock()
	if c != nil {
		_ = c.Reject(486, "Busy Here")
	}
	if q != nil {
		p.g.counters.Busy.Add(1)
		go q.deliver(line.Event{Kind: line.CallFailed, Cause: line.CauseBusy})
		q.release()
	}
}

func (p *port) SendDigit(d byte) {
	if p.g.dtmfMode() != DTMFRFC2833 {
		return // in-band (transparent) or muted: nothing out of band
	}
	if leg, _ := p.links(); leg != nil {
		leg.SendDigit(d)
	}
}

// remoteDigit plays a digit the far end sent by RFC 4733; it is called
// from the RTP receive goroutine and must not block.
func (p *port) remoteDigit(d byte) {
	if p.g.ctx.Err() != nil {
		return
	}
	p.g.wg.Add(1)
	go func() {
		defer p.g.wg.Done()
		p.deliver(line.Event{Kind: line.RemoteDigit, Digit: d})
	}()
}

func (p *port) ReadAudio(dst []int16) {
	if t := p.t38.Load(); t != nil {
		p.t38Audio(t, dst)
		return
	}
	p.mu.Lock()
	leg, peer, held := p.leg, p.peer, p.hold.held
	bleg, mixing := p.conf.heldLeg, p.conf.mixing
	p.mu.Unlock()
	if leg == nil {
		// The fax watch lets go of an ended call's leg: its session and
		// jitter buffer would stay on the heap until the port's next call.
		p.fax.leg = nil
	}
	switch {
	case mixing && bleg != nil && (leg != nil || peer != nil):
		p.mix.read(dst, p.confC(leg, peer), bleg)
	case held: // the far end is on hold
		clear(dst)
	case leg != nil:
		leg.ReadFrame(dst)
		p.watchFax(leg, dst, false)
	case peer != nil:
		p.inbox.read(dst)
	default:
		clear(dst)
	}
}

func (p *port) WriteAudio(src []int16) {
	if t := p.t38.Load(); t != nil {
		p.t38Heard(t, src)
		return
	}
	p.mu.Lock()
	leg, peer := p.leg, p.peer
	bleg, mixing := p.conf.heldLeg, p.conf.mixing
	heldPeer := p.cw.heldPeer
	if p.hold.held {
		src = p.holdFrameLocked()[:len(src)]
	}
	var holdTone []int16
	if bleg != nil && !mixing || heldPeer != nil { // B, held while the phone consults C; a port held by call waiting
		holdTone = p.holdFrameLocked()[:len(src)]
	}
	p.mu.Unlock()
	switch {
	case mixing && bleg != nil && (leg != nil || peer != nil):
		p.mix.write(src, p.confC(leg, peer), bleg)
	case leg != nil:
		p.watchFax(leg, src, true)
		leg.WriteFrame(src)
	case peer != nil:
		peer.hear(p, src)
	}
	switch {
	case holdTone == nil:
	case heldPeer != nil:
		heldPeer.inbox.write(holdTone)
	default:
		bleg.WriteFrame(holdTone)
	}
}

// hear takes a frame from the local port from, if it is the party the
// phone talks to: a port this one holds, or keeps waiting, still sends.
func (p *port) hear(from *port, src []int16) {
	p.mu.Lock()
	talking := p.peer == from
	p.mu.Unlock()
	if talking {
		p.inbox.write(src)
	}
}

// frameRing passes audio between two local ports: a few frames of slack
// for lines stepped on different goroutines.
type frameRing struct {
	mu     sync.Mutex
	frames [4][hal.FrameSamples]int16
	r, n   int
}

func (f *frameRing) write(src []int16) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == len(f.frames) { // full: drop the oldest
		f.r = (f.r + 1) % len(f.frames)
		f.n--
	}
	copy(f.frames[(f.r+f.n)%len(f.frames)][:], src)
	f.n++
}

func (f *frameRing) read(dst []int16) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == 0 {
		clear(dst)
		return
	}
	copy(dst, f.frames[f.r][:])
	f.r = (f.r + 1) % len(f.frames)
	f.n--
}

func (f *frameRing) reset() {
	f.mu.Lock()
	f.r, f.n = 0, 0
	f.mu.Unlock()
}

// sipHandler is the gateway seen by the user agent.
type sipHandler Gateway

func (h *sipHandler) IncomingCall(c *sip.Call) {
	g := (*Gateway)(h)
	g.counters.Attempted.Add(1)
	if g.Locked() {
		g.counters.Failed.Add(1)
		_ = c.Reject(503, "Service Unavailable")
		return
	}
	p, ok := g.ipToTel(c.To(), c.From())
	if !ok {
		g.log.Debug("ip-to-tel: no route", "to", c.To(), "from", c.From(), "call", c.ID())
		g.counters.NoRoute.Add(1)
		_ = c.Reject(404, "Not Found")
		return
	}
	if p != nil && p.outOfService() {
		g.counters.Failed.Add(1)
		_ = c.Reject(503, "Service Unavailable")
		return
	}
	if p != nil && g.forward(p, c, !p.idle()) {
		return
	}
	if p != nil && !p.idle() && p.offerWaiting(c) {
		return
	}
	if p == nil || !p.idle() || !p.claim(c, nil) {
		g.counters.Busy.Add(1)
		_ = c.Reject(486, "Busy Here")
		return
	}
	g.log.Info("incoming call", "port", p.index, "from", c.From(), "to", c.To(), "call", c.ID())
	_ = c.Ring()
	g.forwardOnNoAnswer(g.ctx, p, c)
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if !p.deliver(line.Event{Kind: line.IncomingCall, CallerID: line.CallerID{Number: c.From()}}) {
			// The line is too far behind to ring: say so now rather than
			// leave the caller waiting on a call that will never ring.
			g.counters.Failed.Add(1)
			_ = c.Reject(503, "Service Unavailable")
		}
		p.follow(c, false)
	}()
}

// ipToTel picks the port for an incoming call. The called number after
// NumberMapIp2Tel is routed by PstnPrefix to a trunk group, whose channel
// selection mode picks the port; a number no PstnPrefix row routes reaches
// the port with that number. ok is false when nothing routes the call; a
// nil port with ok set means it is routed but the port(s) are busy.
func (g *Gateway) ipToTel(called, caller string) (*port, bool) {
	pl := g.routes()
	number, _ := routing.Apply(pl.mapIP2Tel, called, called, caller)
	tg, routed := routing.IPToTel(pl.ip2tel, number, caller)
	if !routed {
		p, ok := g.byNumber[number]
		return p, ok
	}
	hg := pl.groups[tg]
	pos, busy := g.hunt.pick(tg, hg, func(i int) candidate { return g.ports[i] }, number, caller)
	if pos < 0 {
		return nil, busy
	}
	return g.ports[hg.ports[pos]], true
}

func (p *port) phoneNumber() string { return p.number }

func (h *sipHandler) CheckSync(ctx context.Context, reboot bool) error {
	g := (*Gateway)(h)
	if g.opts.CheckSync == nil {
		return nil
	}
	return g.opts.CheckSync(ctx, reboot)
}

// hangupLater ends c (BYE, CANCEL, or 480 before an answer) from a
// goroutine of the gateway's, so a line's goroutine never waits on SIP.
func (g *Gateway) hangupLater(c *sip.Call) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.Hangup(ctx)
	}()
}
