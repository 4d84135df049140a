package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/potsgate/potsgate/hal"
	"github.com/potsgate/potsgate/media/t38"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
)

// T.38 fax relay (IsFaxUsed 1 and 3, FaxTransportMode 1).
//
// On fax detection a call whose policy asks for T.38 is re-INVITEd to
// "m=image udptl t38" (the side that heard the fax on its port at once,
// the other after faxPeerWait, as for G.711); a far end's re-INVITE to
// T.38 is taken when IsFaxUsed or FaxTransportMode allow it. While on
// T.38 the port's audio goes to a relay (media/faxrelay: the fax
// machine's modems demodulated to IFP packets and the far end's
// modulated back), whose packets travel in a UDPTL session (media/t38)
// on a port of the RTP range; the RTP leg is left idle. When the relay
// reports the end of the fax, the side that moved the call to T.38
// re-INVITEs it back to audio (the other one after faxPeerWait). A
// refusal of T.38 (488, 415, no answer, an unusable answer) is counted;
// with IsFaxUsed = 3 the call then goes to G.711 pass-through.

// relayConfig is what a call's T.38 relay and UDPTL session get.
type relayConfig struct {
	MaxRate           int  // bit/s (FaxRelayMaxRate)
	ECM               bool // FaxRelayECMEnable
	Redundancy        int  // FaxRelayRedundancyDepth
	ControlRedundancy int  // FaxRelayEnhancedRedundancyDepth
}

// faxRelay is what the gateway asks of a per-call T.38 gateway
// (media/faxrelay): Audio each 10 ms frame on the line's goroutine,
// ReceiveIFP in sequence order from the UDPTL session's goroutine.
type faxRelay interface {
	Audio(in, out []int16)
	ReceiveIFP(p *t38.IFP)
	Stats() relayStats
}

// relayStats is what the gateway reads of a relay.
type relayStats struct {
	Ended bool // the fax is over (DCN, or the relay gave up)
	Pages int
	Rate  int // bit/s of the last page
	ECM   bool
	// Underflows: bits the modulator had to invent, the network late.
	Underflows int
}

// newRelayFunc builds a relay that sends its IFP packets with send (on
// Audio's goroutine).
type newRelayFunc func(cfg relayConfig, send func(*t38.IFP), log *slog.Logger) (faxRelay, error)

// errNoRelay: the build has no T.38 relay to use.
var errNoRelay = errors.New("gateway: no T.38 relay")

// t38Totals are the gateway's T.38 counters.
type t38Totals struct {
	newRelay newRelayFunc // tests' fake; nil: defaultRelay
	// wrapUDPTL, when set, stands in front of each UDPTL socket: a
	// test's network loss where the kernel has no netem.
	wrapUDPTL func(net.PacketConn) net.PacketConn
	// reinvites: our re-INVITEs to T.38 accepted; accepted: the far
	// end's taken; refused: ours refused or unanswered, and the far
	// end's we refused; fallbacks: calls that went to G.711 instead
	// (IsFaxUsed = 3); back: calls returned to audio after the fax.
	reinvites, accepted, refused, fallbacks, back atomic.Int64
}

// T38Counters are the gateway's T.38 counts, for the status page.
type T38Counters struct {
	Reinvites, Accepted, Refused, Fallbacks, BackToAudio int64
}

// T38Counters returns the T.38 counts.
func (g *Gateway) T38Counters() T38Counters {
	t := &g.t38
	return T38Counters{Reinvites: t.reinvites.Load(), Accepted: t.accepted.Load(), Refused: t.refused.Load(),
		Fallbacks: t.fallbacks.Load(), BackToAudio: t.back.Load()}
}

func (g *Gateway) relayFactory() newRelayFunc {
	if g.t38.newRelay != nil {
		return g.t38.newRelay
	}
	return defaultRelayFunc()
}

// ourT38 are the T.38 parameters we offer and answer with.
func ourT38(pol faxPolicy) t38.Params {
	return t38.Params{Version: 0, MaxBitRate: pol.relay.MaxRate, RateManagement: t38.TransferredTCF,
		MaxBuffer: 2000, MaxDatagram: 1400, UDPEC: t38.ECRedundancy}
}

// udptlSocket is a UDP socket for a UDPTL session, a pair of the RTP
// range (the odd one held so the pair stays ours).
type udptlSocket struct {
	conn, spare net.PacketConn
	port        int
	release     func()
	once        sync.Once
}

func (s *udptlSocket) close() {
	s.once.Do(func() {
		_ = s.conn.Close()
		if s.spare != nil {
			_ = s.spare.Close()
		}
		s.release()
	})
}

// udptlOpener is a MediaFactory that has UDP ports for T.38 (RTPMedia).
type udptlOpener interface {
	openUDPTL() (*udptlSocket, error)
}

func (m *RTPMedia) openUDPTL() (*udptlSocket, error) {
	conn, spare, port, err := m.ports.Allocate()
	if err != nil {
		return nil, err
	}
	return &udptlSocket{conn: conn, spare: spare, port: port, release: func() { m.ports.Release(port) }}, nil
}

func (g *Gateway) openUDPTL() (*udptlSocket, error) {
	o, ok := g.opts.Media.(udptlOpener)
	if !ok {
		return nil, fmt.Errorf("%w: the media factory has no UDP ports for it", errNoRelay)
	}
	s, err := o.openUDPTL()
	if err == nil && g.t38.wrapUDPTL != nil {
		s.conn = g.t38.wrapUDPTL(s.conn)
	}
	return s, err
}

// t38Call is a port's call on T.38.
type t38Call struct {
	c         *sip.Call
	sock      *udptlSocket
	sess      *t38.Session
	relay     faxRelay
	initiator bool // we re-INVITEd to T.38: we re-INVITE back

	in      [hal.FrameSamples]int16 // the port's last frame, for the relay
	frames  int
	leaving atomic.Bool
}

// t38PortState is the port's T.38 state besides the active call.
type t38PortState struct {
	mu      sync.Mutex
	pending *udptlSocket // offered in our answer, not in use yet
}

// T38Offered is the far end's re-INVITE to T.38 (sip.T38Handler).
func (h *sipHandler) T38Offered(c *sip.Call, offer sdp.T38) (int, t38.Params, error) {
	g := (*Gateway)(h)
	pol := faxPolicyOf(g.config())
	if !pol.t38In {
		g.t38.refused.Add(1)
		return 0, t38.Params{}, fmt.Errorf("T.38 is off (IsFaxUsed %d, FaxTransportMode %d)",
			g.config().Int(ParamIsFaxUsed), g.config().Int(ParamFaxTransportMode))
	}
	p := g.portOf(c)
	if p == nil {
		return 0, t38.Params{}, errors.New("no port has this call")
	}
	if g.relayFactory() == nil {
		g.t38.refused.Add(1)
		return 0, t38.Params{}, errNoRelay
	}
	sock, err := g.openUDPTL()
	if err != nil {
		g.t38.refused.Add(1)
		return 0, t38.Params{}, fmt.Errorf("no UDPTL port: %w", err)
	}
	p.t38s.mu.Lock()
	old := p.t38s.pending
	p.t38s.pending = sock
	p.t38s.mu.Unlock()
	if old != nil {
		old.close()
	}
	g.log.Info("fax: the far end moves the call to T.38", "port", p.index, "remote", offer.Remote, "udptl_port", sock.port)
	return sock.port, ourT38(pol), nil
}

// portOf is the port whose talking call c is.
func (g *Gateway) portOf(c *sip.Call) *port {
	for _, p := range g.ports {
		p.mu.Lock()
		mine := p.call == c
		p.mu.Unlock()
		if mine {
			return p
		}
	}
	return nil
}

// t38Modified applies a re-INVITE's choice: onto T.38 (the far end's,
// with the socket of our answer), or back to audio. It reports whether
// the choice was T.38's to handle.
func (p *port) t38Modified(c *sip.Call, ch sdp.Choice) bool {
	if ch.T38.Enabled() {
		if t := p.t38.Load(); t != nil && t.c == c {
			t.sess.SetRemote(ch.T38.Remote) // a refresh or a move of the far end
			return true
		}
		p.t38s.mu.Lock()
		sock := p.t38s.pending
		p.t38s.pending = nil
		p.t38s.mu.Unlock()
		if sock == nil {
			p.g.log.Warn("fax: T.38 without a UDPTL socket", "port", p.index)
			return true
		}
		if err := p.enterT38(c, ch, sock, false); err != nil {
			p.g.log.Warn("fax: T.38 relay not started", "port", p.index, "error", err)
		} else {
			p.g.t38.accepted.Add(1)
		}
		return true
	}
	if t := p.t38.Load(); t != nil && t.c == c {
		p.exitT38(t)
		p.g.t38.back.Add(1)
	}
	return false
}

// enterT38 starts the relay and the UDPTL session of c on sock.
func (p *port) enterT38(c *sip.Call, ch sdp.Choice, sock *udptlSocket, initiator bool) error {
	pol := faxPolicyOf(p.g.config())
	rc := pol.relay
	if r := ch.T38.Params.MaxBitRate; r > 0 && r < rc.MaxRate {
		rc.MaxRate = r
	}
	t := &t38Call{c: c, sock: sock, initiator: initiator}
	log := p.g.log.With("port", p.index)
	relay, err := p.g.relayFactory()(rc, func(ifp *t38.IFP) { t.sess.SendIFP(ifp) }, log)
	if err != nil {
		sock.close()
		return err
	}
	t.relay = relay
	maxDG := 0
	if d := ch.T38.Params.MaxDatagram; d >= 64 {
		maxDG = d
	}
	t.sess, err = t38.NewSession(t38.SessionConfig{Conn: sock.conn, Remote: ch.T38.Remote, Redundancy: rc.Redundancy,
		ControlRedundancy: rc.ControlRedundancy, MaxDatagram: maxDG, Log: log,
		OnIFP: func(_ uint16, ifp *t38.IFP) { relay.ReceiveIFP(ifp) }})
	if err != nil {
		sock.close()
		return err
	}
	if old := p.t38.Swap(t); old != nil {
		old.close()
	}
	st := FaxStatus{Active: true, T38: true}
	if s := p.faxState.Load(); s != nil {
		st.Signal, st.FromLine = s.Signal, s.FromLine
	}
	p.faxState.Store(&st)
	p.g.log.Info("fax call on T.38", "port", p.index, "remote", ch.T38.Remote, "udptl_port", sock.port,
		"max_rate", rc.MaxRate, "ecm", rc.ECM, "redundancy", rc.Redundancy, "control_redundancy", rc.ControlRedundancy)
	return nil
}

func (t *t38Call) close() {
	_ = t.sess.Close()
	t.sock.close()
}

// exitT38 ends the relay of t (the call goes back to audio, or ends).
func (p *port) exitT38(t *t38Call) {
	if !p.t38.CompareAndSwap(t, nil) {
		return
	}
	t.close()
	rs, ss := t.relay.Stats(), t.sess.Stats()
	st := FaxStatus{Active: true, T38: false, Pages: rs.Pages, Rate: rs.Rate, ECM: rs.ECM, Underflows: rs.Underflows, UDPTL: ss, WasT38: true}
	if s := p.faxState.Load(); s != nil {
		st.Signal, st.FromLine = s.Signal, s.FromLine
	}
	p.faxState.Store(&st)
	p.g.log.Info("fax: T.38 ended", "port", p.index, "pages", rs.Pages, "rate", rs.Rate, "ecm", rs.ECM,
		"udptl_received", ss.Received, "recovered", ss.Recovered, "lost", ss.Lost, "malformed", ss.Malformed)
}

// dropT38 lets go of the port's T.38 state when its call ends.
func (p *port) dropT38() {
	if t := p.t38.Load(); t != nil {
		p.exitT38(t)
	}
	p.t38s.mu.Lock()
	sock := p.t38s.pending
	p.t38s.pending = nil
	p.t38s.mu.Unlock()
	if sock != nil {
		sock.close()
	}
}

// t38Audio runs the relay on a frame: dst is what the port plays; the
// port's own frame came through t38Heard. It runs on the line's
// goroutine.
func (p *port) t38Audio(t *t38Call, dst []int16) {
	if !p.fax.on {
		// The far end moved the call before our detectors heard a thing:
		// the line's echo canceller and DTMF must leave the path all the
		// same, and the watch must not start again on this call.
		p.fax.leg, _ = p.links()
		p.fax.on = true
		if p.fxs != nil {
			p.fxs.SetFaxMode()
		} else if p.fxo != nil {
			p.fxo.SetFaxMode()
		}
	}
	t.relay.Audio(t.in[:len(dst)], dst)
	t.frames++
	if t.frames%25 == 0 && !t.leaving.Load() && t.relay.Stats().Ended {
		t.leaving.Store(true)
		p.g.wg.Add(1)
		go func() {
			defer p.g.wg.Done()
			p.t38Back(t)
		}()
	}
}

// t38Heard keeps the port's frame for the relay.
func (p *port) t38Heard(t *t38Call, src []int16) { copy(t.in[:], src) }

// t38Reinvite moves the call to T.38 after detection; it runs on a
// goroutine of the gateway's. wait > 0: the far end heard the fax on its
// port and is left to do it first.
func (p *port) t38Reinvite(c *sip.Call, leg MediaLeg, fl faxLeg, pol faxPolicy, wait time.Duration) {
	ctx, cancel := context.WithTimeout(p.g.ctx, wait+30*time.Second)
	defer cancel()
	onT38 := func() bool { t := p.t38.Load(); return t != nil && t.c == c }
	if wait > 0 {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return
		case <-c.Done():
			return
		}
		if onT38() {
			return // the far end did it
		}
	}
	if p.g.relayFactory() == nil {
		p.t38Refused(c, leg, fl, pol, errNoRelay)
		return
	}
	for attempt := 0; ; attempt++ {
		sock, err := p.g.openUDPTL()
		if err != nil {
			p.t38Refused(c, leg, fl, pol, err)
			return
		}
		rctx, rcancel := context.WithTimeout(ctx, t38AnswerWait)
		ch, err := c.ReofferT38(rctx, sock.port, ourT38(pol))
		rcancel()
		var se *sip.StatusError
		glare := errors.Is(err, sip.ErrPending) || errors.As(err, &se) && se.Code == 491
		if err != nil {
			sock.close()
		}
		if glare && attempt < 3 {
			select {
			case <-time.After(time.Duration(attempt+1) * 700 * time.Millisecond):
			case <-ctx.Done():
				return
			}
			if onT38() {
				return
			}
			continue
		}
		if err != nil {
			p.t38Refused(c, leg, fl, pol, err)
			return
		}
		if err := p.enterT38(c, ch, sock, true); err != nil {
			p.g.log.Warn("fax: T.38 relay not started", "port", p.index, "error", err)
			return
		}
		p.g.t38.reinvites.Add(1)
		return
	}
}

// t38AnswerWait is how long our T.38 re-INVITE waits for its answer.
const t38AnswerWait = 8 * time.Second

// t38Refused: the far end refused T.38 (or never answered). With
// IsFaxUsed = 3 the call goes on in G.711 pass-through.
func (p *port) t38Refused(c *sip.Call, leg MediaLeg, fl faxLeg, pol faxPolicy, err error) {
	p.g.t38.refused.Add(1)
	if !pol.fallback {
		p.g.log.Warn("fax: T.38 refused; the call stays as it is", "port", p.index, "error", err)
		return
	}
	p.g.t38.fallbacks.Add(1)
	p.g.log.Info("fax: T.38 refused, falling back to G.711 pass-through", "port", p.index, "error", err)
	st := FaxStatus{Active: true, PassThrough: true}
	if s := p.faxState.Load(); s != nil {
		st.Signal, st.FromLine = s.Signal, s.FromLine
	}
	p.faxState.Store(&st)
	if !isG711(fl.CodecName()) {
		p.faxReinvite(c, leg, fl, pol.formats, 0)
		return
	}
	// A refused offer leaves the session as it was; an unanswered one
	// may not have: say again what it is.
	var se *sip.StatusError
	if !errors.As(err, &se) {
		ctx, cancel := context.WithTimeout(p.g.ctx, 30*time.Second)
		defer cancel()
		if ch, err := c.Reoffer(ctx, pol.formats); err == nil {
			_ = leg.Update(ch)
		}
	}
}

// t38Back returns the call to audio once the relay has seen the fax
// end: at once when we moved it to T.38, after faxPeerWait otherwise.
func (p *port) t38Back(t *t38Call) {
	if !t.initiator {
		select {
		case <-time.After(faxPeerWait):
		case <-p.g.ctx.Done():
			return
		case <-t.c.Done():
			return
		}
	}
	ctx, cancel := context.WithTimeout(p.g.ctx, 30*time.Second)
	defer cancel()
	formats := p.g.opts.SIP.Codecs
	if len(formats) == 0 {
		formats = faxPolicyOf(p.g.config()).formats
	}
	for attempt := 0; attempt < 4; attempt++ {
		if p.t38.Load() != t {
			return // the far end did it
		}
		ch, err := t.c.Reoffer(ctx, formats)
		var se *sip.StatusError
		if errors.Is(err, sip.ErrPending) || errors.As(err, &se) && se.Code == 491 {
			time.Sleep(time.Duration(attempt+1) * 700 * time.Millisecond)
			continue
		}
		if err != nil {
			p.g.log.Warn("fax: re-INVITE back to audio failed", "port", p.index, "error", err)
			return
		}
		p.exitT38(t)
		p.g.t38.back.Add(1)
		if leg := p.legOf(t.c); leg != nil {
			_ = leg.Update(ch)
		}
		return
	}
}

// FaxPortStatus is a port's fax call in Status.
type FaxPortStatus struct {
	// Transport: "t38" (on T.38 now), "g711" (pass-through, or back on
	// audio after T.38: WasT38).
	Transport string `json:"transport"`
	Signal    string `json:"signal,omitempty"`
	WasT38    bool   `json:"was_t38,omitempty"`
	Pages     int    `json:"pages"`
	Rate      int    `json:"rate,omitempty"`
	ECM       bool   `json:"ecm"`
	// UDPTL counts of the call's T.38 session.
	UDPTLReceived  int64 `json:"udptl_received,omitempty"`
	UDPTLRecovered int64 `json:"udptl_recovered,omitempty"`
	UDPTLLost      int64 `json:"udptl_lost,omitempty"`
	UDPTLMalformed int64 `json:"udptl_malformed,omitempty"`
}

// faxPortStatus is port i's fax state for Status; nil without fax.
func (g *Gateway) faxPortStatus(i int) *FaxPortStatus {
	st, _, _, _ := g.FaxStatus(i)
	if !st.Active && !st.T38 {
		return nil
	}
	fs := &FaxPortStatus{Transport: "g711", Signal: st.Signal, WasT38: st.WasT38, Pages: st.Pages, Rate: st.Rate, ECM: st.ECM,
		UDPTLReceived: st.UDPTL.Received, UDPTLRecovered: st.UDPTL.Recovered, UDPTLLost: st.UDPTL.Lost, UDPTLMalformed: st.UDPTL.Malformed}
	if st.T38 {
		fs.Transport = "t38"
	}
	return fs
}

// faxCalls counts the ports in a fax call on T.38 and on G.711.
func (g *Gateway) faxCalls() (t38Calls, g711Calls int) {
	for _, p := range g.ports {
		p.mu.Lock()
		inCall := p.call != nil
		p.mu.Unlock()
		switch {
		case !inCall:
		case p.t38.Load() != nil:
			t38Calls++
		case p.faxState.Load() != nil:
			g711Calls++
		}
	}
	return t38Calls, g711Calls
}
