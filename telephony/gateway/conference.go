package gateway

import (
	"context"
	"time"

	"github.com/potsgate/potsgate/hal"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/telephony/line"
)

// Three-way conference (Enable3WayConference), as an AudioCodes MediaPack
// does it, mixed on board. A flash in a call holds the far end (B) and
// gives dial tone; the number dialled is called as a consultation call
// (C) while B stays held and hears the hold tone. A flash while talking
// to C resumes B and mixes the three in the gateway: each party hears the
// other two, never itself. A flash in the conference, while C rings, or
// after C failed drops C and takes B back. With EnableTransfer as well,
// the phone hanging up during the consultation transfers B to C (see
// TransferConsultation). B is a SIP call; C may be SIP or another port
// of this gateway (a local C is not transferred to: hanging up ends both).
//
// B lives in confState while the phone talks to C in p.call/p.leg (or
// p.peer for a local C), so every path that already follows "the port's
// call" (DTMF, CDRs, the end of the call, a local peer leaving) works on
// C unchanged.

// ParamEnable3WayConference turns the three-way conference on (registered
// with the line parameters: it is also the line's FXSConfig.Conference).
const ParamEnable3WayConference = "Enable3WayConference"

// confState is a port's consultation or conference: guarded by the port's
// mutex.
type confState struct {
	held    *sip.Call // B: held while the phone consults, resumed in the conference
	heldLeg MediaLeg
	number  string // what the phone dialled for C
	dialing bool   // C's INVITE is being sent: its call is not in p.call yet
	mixing  bool   // the conference is up: the port's audio is mixed
}

// leavingCall is a call the port no longer connects to its line (C
// dropped, B and C handed over by a transfer) but whose end is still to
// come: that end is not the line's business.
type leavingCall struct {
	c   *sip.Call
	leg MediaLeg
}

// Consult calls number as the consultation call; B (the port's call,
// held by the flash that gave dial tone) moves aside.
func (p *port) Consult(number string) {
	g := p.g
	fail := func(why string) {
		g.log.Info("consultation call refused", "port", p.index, "number", number, "reason", why)
		go p.deliver(line.Event{Kind: line.CallFailed, Cause: line.CauseUnavailable})
	}
	if !g.config().Bool(ParamEnable3WayConference) {
		fail("Enable3WayConference is off") // the line has an older configuration
		return
	}
	if g.Locked() {
		fail("the gateway is locked")
		return
	}
	target, local := g.byNumber[number]
	local = local && target != p
	p.mu.Lock()
	b := p.call
	if b == nil || p.conf.held != nil || p.hangingUp {
		p.mu.Unlock()
		fail("no SIP call to hold")
		return
	}
	p.conf = confState{held: b, heldLeg: p.leg, number: number, dialing: !local}
	p.call, p.leg = nil, nil
	p.setHeldLocked(true) // the hold tone from its start, even if the re-INVITE is still out
	p.hold.held = false   // the phone talks to C; WriteAudio gives B the hold tone
	p.mu.Unlock()
	g.log.Info("consultation call", "port", p.index, "held", b.ID(), "number", number, "local", local)
	g.counters.Attempted.Add(1)
	if local {
		p.consultLocal(target)
		return
	}
	p.dialSIP(number, p.number, "", func(c *sip.Call, leg MediaLeg) bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		if !p.conf.dialing || p.call != nil || p.peer != nil {
			return false // dropped (flash, hang-up) while the INVITE went out
		}
		p.conf.dialing = false
		p.call, p.leg = c, leg
		return true
	})
}

// consultLocal makes q, another port, C: it rings with this port's
// caller ID and, once answered, is this port's peer as in a plain local
// call (audio by inbox/hear). A busy q is not offered as a waiting call:
// the phone, already juggling B, hears busy.
func (p *port) consultLocal(q *port) {
	busy := func() {
		p.g.counters.Busy.Add(1)
		go p.deliver(line.Event{Kind: line.CallFailed, Cause: line.CauseBusy})
	}
	if !q.idle() {
		busy()
		return
	}
	p.mu.Lock()
	if p.conf.held == nil || p.call != nil || p.peer != nil || p.hangingUp {
		p.mu.Unlock() // B left, or the phone hung up, meanwhile
		return
	}
	p.peer = q
	p.inbox.reset()
	p.mu.Unlock()
	if !q.claim(nil, p) {
		p.mu.Lock()
		if p.peer == q {
			p.peer = nil
		}
		p.mu.Unlock()
		busy()
		return
	}
	go q.deliver(line.Event{Kind: line.IncomingCall, CallerID: line.CallerID{Number: p.number}})
	go p.deliver(line.Event{Kind: line.RemoteRinging})
}

// Conference resumes B and mixes the three.
func (p *port) Conference() {
	g := p.g
	p.mu.Lock()
	b, c, q := p.conf.held, p.call, p.peer
	p.mu.Unlock()
	if b == nil || c == nil && q == nil {
		return
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		p.cwMu.Lock() // the end of B or C waits: it finds the conference whole
		defer p.cwMu.Unlock()
		ctx, cancel := context.WithTimeout(g.ctx, 10*time.Second)
		defer cancel()
		ch, err := b.Resume(ctx)
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.conf.held != b || p.call != c || p.peer != q {
			return // dropped meanwhile
		}
		if err != nil {
			// Mixed anyway: the phone and C still hear each other, and B
			// whatever its side of the hold lets through.
			g.log.Warn("held call not resumed for the conference", "port", p.index, "call", b.ID(), "error", err)
		} else if p.conf.heldLeg != nil {
			_ = p.conf.heldLeg.Update(ch)
		}
		p.conf.mixing = true
		if c != nil {
			g.log.Info("three-way conference", "port", p.index, "calls", []string{b.ID(), c.ID()})
		} else {
			g.log.Info("three-way conference", "port", p.index, "call", b.ID(), "peer", q.index)
		}
	}()
}

// Retrieve drops C (ringing, talking, or in the conference) and takes B
// back.
func (p *port) Retrieve() {
	g := p.g
	p.mu.Lock()
	b := p.conf.held
	p.mu.Unlock()
	if b == nil {
		return
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		p.cwMu.Lock()
		defer p.cwMu.Unlock()
		p.mu.Lock()
		if p.conf.held != b {
			// B left as the phone flashed: whatever is left stays.
			p.conf.dialing = false
			alone := p.call == nil && p.peer == nil
			p.mu.Unlock()
			if alone {
				p.deliver(line.Event{Kind: line.RemoteHangup})
			}
			return
		}
		c, q, resume := p.call, p.peer, !p.conf.mixing
		if c != nil {
			p.leaving = append(p.leaving, leavingCall{c, p.leg})
		}
		p.call, p.leg, p.peer = b, p.conf.heldLeg, nil
		p.inbox.reset()
		p.conf = confState{}
		if resume {
			p.hold.held, p.hold.changing = true, true // B hears the hold tone until it is back
		}
		p.mu.Unlock()
		if c != nil {
			g.hangupLater(c)
		}
		if q != nil {
			q.peerGone(p) // a local C: its ringing stops, or it hears busy
		}
		if resume {
			p.changeHold(b, false)
		}
	}()
}

// confGoneLocked settles the port once c ended, if c was a consultation,
// conference or leaving call (handled); p.cwMu and p.mu are held. The
// caller closes closeLeg, then releases the port if asked and delivers
// ev: RemoteHangup with Waiting when the other far end is still there,
// plain RemoteHangup when nothing is left.
func (p *port) confGoneLocked(c *sip.Call) (ev *line.Event, closeLeg MediaLeg, release, handled bool) {
	for i, l := range p.leaving {
		if l.c == c {
			p.leaving = append(p.leaving[:i], p.leaving[i+1:]...)
			return nil, l.leg, false, true
		}
	}
	switch {
	case c == p.conf.held:
		leg := p.conf.heldLeg
		p.conf = confState{dialing: p.conf.dialing} // C, still being dialled, becomes a plain call
		if p.call == nil && p.peer == nil && !p.conf.dialing {
			return &line.Event{Kind: line.RemoteHangup}, leg, true, true
		}
		return &line.Event{Kind: line.RemoteHangup, Waiting: true}, leg, false, true
	case c == p.call && p.conf.held != nil && !p.hangingUp:
		leg := p.leg
		if p.conf.mixing { // C left the conference: the phone stays with B
			p.call, p.leg = p.conf.held, p.conf.heldLeg
			p.conf = confState{}
			return &line.Event{Kind: line.RemoteHangup, Waiting: true}, leg, false, true
		}
		// C left the consultation (or never answered): follow told the
		// line; B stays held until a flash.
		p.call, p.leg = nil, nil
		return nil, leg, false, true
	}
	return nil, nil, false, false
}

// releaseConfLocked is the phone's call over: B, if any, ends too.
// p.mu is held.
func (p *port) releaseConfLocked() *sip.Call {
	b := p.conf.held
	if b != nil {
		p.leaving = append(p.leaving, leavingCall{b, p.conf.heldLeg})
	}
	p.conf = confState{}
	return b
}

// mixer is the conference's audio: one frame from each far end per line
// frame, summed with saturation. Only the line's goroutine touches it.
// ReadAudio comes first in a line frame, so it reads both far ends and
// WriteAudio reuses those frames; when ReadAudio did not run (the phone
// hears a DTMF digit instead) WriteAudio reads them itself.
type mixer struct {
	b, c     [hal.FrameSamples]int16 // this frame from B and from C
	toB, toC [hal.FrameSamples]int16
	fresh    bool     // b and c were read by ReadAudio this frame
	local    localEnd // C when it is another port of the gateway
}

// farEnd is what the mixer needs of a party: a MediaLeg for a SIP call,
// a localEnd for another port of the gateway.
type farEnd interface {
	ReadFrame(dst []int16)
	WriteFrame(src []int16)
}

// localEnd is the port q seen from p as a far end: its frames arrive in
// p's inbox and go out by q.hear, as in a plain local call.
type localEnd struct{ p, q *port }

func (l *localEnd) ReadFrame(dst []int16)  { l.p.inbox.read(dst) }
func (l *localEnd) WriteFrame(src []int16) { l.q.hear(l.p, src) }

// confC is the consultation party for the mixer: C's leg, or a local C.
// The local one lives in the mixer (only the line's goroutine mixes), so a
// frame allocates nothing.
func (p *port) confC(leg MediaLeg, peer *port) farEnd {
	if leg != nil {
		return leg
	}
	if peer != nil {
		p.mix.local = localEnd{p, peer}
		return &p.mix.local
	}
	return nil
}

func (m *mixer) readLegs(n int, c, b farEnd) {
	c.ReadFrame(m.c[:n])
	b.ReadFrame(m.b[:n])
}

// read gives the phone B + C.
func (m *mixer) read(dst []int16, c, b farEnd) {
	n := min(len(dst), hal.FrameSamples)
	m.readLegs(n, c, b)
	m.fresh = true
	for i := range n {
		dst[i] = sat(int32(m.c[i]) + int32(m.b[i]))
	}
}

// write gives B the phone + C, and C the phone + B.
func (m *mixer) write(src []int16, c, b farEnd) {
	n := min(len(src), hal.FrameSamples)
	if !m.fresh {
		m.readLegs(n, c, b)
	}
	m.fresh = false
	for i, s := range src[:n] {
		m.toB[i] = sat(int32(s) + int32(m.c[i]))
		m.toC[i] = sat(int32(s) + int32(m.b[i]))
	}
	b.WriteFrame(m.toB[:n])
	c.WriteFrame(m.toC[:n])
}

func sat(v int32) int16 { return int16(max(min(v, 32767), -32768)) }

var _ line.Conferencer = (*port)(nil)

// TransferConsultation is the phone hanging up during the consultation
// with EnableTransfer: B goes to C. Once C answered, by an attended
// transfer: REFER to B naming C's Contact with Replaces for our dialog
// with C (RFC 5589 section 7, RFC 3891), so B's INVITE takes that
// dialog's place at C. While C only rang, C's call is cancelled and B is
// referred to the number dialled, as a blind transfer. Both calls leave
// the port at once (the phone is on hook and the port is free); the
// gateway then leaves them: B by BYE once the transfer is reported or
// after a few seconds, C (which should have ended when replaced) after
// that. A refused REFER ends both calls.
func (p *port) TransferConsultation() {
	g := p.g
	if !g.config().Bool(ParamEnableTransfer) { // the line has an older configuration
		p.Hangup()
		return
	}
	p.mu.Lock()
	b, c, number := p.conf.held, p.call, p.conf.number
	if b == nil || p.hangingUp || p.peer != nil {
		// A local C is not transferred to (no SIP dialog to replace):
		// both calls end, as without EnableTransfer.
		p.mu.Unlock()
		p.Hangup()
		return
	}
	p.leaving = append(p.leaving, leavingCall{b, p.conf.heldLeg})
	if c != nil {
		p.leaving = append(p.leaving, leavingCall{c, p.leg})
	}
	p.call, p.leg = nil, nil
	p.conf = confState{} // a C still being dialled is ended when its INVITE is out
	p.hold.held, p.hold.changing = false, false
	p.mu.Unlock()
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		p.transferConsulted(b, c, number)
	}()
}

func (p *port) transferConsulted(b, c *sip.Call, number string) {
	g := p.g
	ctx, cancel := context.WithTimeout(g.ctx, 32*time.Second)
	defer cancel()
	var final <-chan string
	var err error
	target := ""
	if c != nil && c.Answered() {
		target = "consulted call " + c.ID()
		final, err = b.ReferReplaces(ctx, c)
	} else {
		if c != nil {
			_ = c.Hangup(ctx) // CANCEL: B calls C afresh
		}
		target = g.forwardTarget(number, p.number)
		final, err = b.Refer(ctx, target)
	}
	if err != nil {
		g.log.Warn("transfer to the consulted party refused, both calls end", "port", p.index, "call", b.ID(), "to", target, "error", err)
		_ = b.Hangup(ctx)
		if c != nil {
			_ = c.Hangup(ctx)
		}
		return
	}
	g.log.Info("call transferred", "port", p.index, "call", b.ID(), "to", target)
	g.counters.Transferred.Add(1)
	select { // B's NOTIFY of the new call's outcome is let in first, briefly
	case status := <-final:
		g.log.Info("transferred call", "port", p.index, "call", b.ID(), "status", status)
	case <-time.After(4 * time.Second):
	case <-b.Done():
	case <-ctx.Done():
	}
	_ = b.Hangup(ctx)
	if c == nil {
		return
	}
	select { // replaced, C ends its call with us itself
	case <-c.Done():
	case <-ctx.Done():
	case <-time.After(2 * time.Second):
		_ = c.Hangup(ctx)
	}
}
