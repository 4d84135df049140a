package sip

import (
	"context"
	"errors"
	"fmt"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/potsgate/potsgate/media/t38"
	"github.com/potsgate/potsgate/sip/sdp"
)

// T.38 fax relay (T.38 Annex D, RFC 3362). A call moves to T.38 by a
// re-INVITE offering "m=image PORT udptl t38", from either side, and
// back to audio by another offering audio. While on T.38 the call's
// session refreshes offer the image line again, so a session timer does
// not take the fax back to audio.

// T38Handler is a Handler that takes calls to T.38. Without it (or when
// it refuses) a far end's offer of T.38 is answered 488 with a Warning
// saying why.
type T38Handler interface {
	// T38Offered is the far end's re-INVITE moving c to T.38 with the
	// parameters it offers. It returns the local UDPTL port and our
	// parameters for the answer, or an error to refuse it. It runs on
	// the re-INVITE's goroutine and must not block long.
	T38Offered(c *Call, offer sdp.T38) (port int, ours t38.Params, err error)
}

// ErrT38Off is a T.38 offer to a gateway that does not relay fax.
var ErrT38Off = errors.New("sip: T.38 fax relay is off")

// T38 reports whether the call is on T.38, with its local UDPTL port.
func (c *Call) T38() (sdp.T38, int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.choice.T38, c.t38Port, c.choice.T38.Enabled()
}

// ReofferT38 re-INVITEs the far end to T.38: our UDPTL port and
// parameters. It returns the choice the answer gives (Choice.T38 set);
// a refusal is a *StatusError (488, 415), an unusable answer an error
// wrapping sdp.ErrNoT38 or sdp.ErrT38, and a far end that does not
// answer ctx's error; in each case the call goes on as it was.
func (c *Call) ReofferT38(ctx context.Context, port int, p t38.Params) (sdp.Choice, error) {
	select {
	case <-c.done:
		return sdp.Choice{}, ErrCallEnded
	default:
	}
	if !c.answered.Load() {
		return sdp.Choice{}, ErrNotAnswered
	}
	c.mu.Lock()
	if c.reinvitePending {
		c.mu.Unlock()
		return sdp.Choice{}, ErrPending
	}
	c.reinvitePending = true
	c.sdpVersion++
	offer := sdp.T38Offer(c.u.cfg.MediaAddr, port, c.sdpVersion, p)
	c.mu.Unlock()
	defer func() { c.mu.Lock(); c.reinvitePending = false; c.mu.Unlock() }()

	body, err := c.reinvite(ctx, offer)
	if err != nil {
		return sdp.Choice{}, err
	}
	ans, err := sdp.Parse(body)
	if err == nil {
		var ch sdp.Choice
		if ch, err = sdp.AcceptT38(ans); err == nil {
			c.mu.Lock()
			c.t38Ours = p
			c.enterT38Locked(ch, port, offer)
			c.mu.Unlock()
			return ch, nil
		}
	}
	// A 2xx we cannot use (counted): the call stays on its audio as far
	// as we are concerned; the caller re-offers audio to say so (RFC 3264
	// has no refusal of an answer).
	c.u.stats.T38Refused.Add(1)
	return sdp.Choice{}, fmt.Errorf("sip: answer to our T.38 re-INVITE: %w", err)
}

// statusError is a re-INVITE's refusal, with its Warning.
func statusError(res *sipmsg.Response) *StatusError {
	e := &StatusError{Method: "INVITE", Code: res.StatusCode, Reason: res.Reason}
	if h := res.GetHeader("Warning"); h != nil {
		e.Warning = h.Value()
	}
	return e
}

// enterT38Locked records that the call is on T.38 (c.mu held); offer is
// what our refreshes offer from now on.
func (c *Call) enterT38Locked(ch sdp.Choice, port int, offer *sdp.Session) {
	if !c.choice.T38.Enabled() {
		c.audio = c.choice
	}
	c.choice, c.t38Port = ch, port
	c.localOffer = offer
}

// onT38Offer answers a far end's re-INVITE offering T.38: with our
// image line, or 488 and a Warning.
func (u *UA) onT38Offer(c *Call, req *sipmsg.Request, tx sipmsg.ServerTransaction, offer *sdp.Session) {
	refuse := func(err error) {
		u.stats.T38Refused.Add(1)
		u.log.Info("sip: T.38 offer refused", "call", c.id, "error", err)
		res := sipmsg.NewResponseFromRequest(req, 488, "Not Acceptable Here", nil)
		res.AppendHeader(sipmsg.NewHeader("Server", u.cfg.UserAgent))
		res.AppendHeader(warning(u.addr.Addr().String(), err))
		_ = tx.Respond(res)
	}
	// The offer's attributes first: a bad one is refused before a port
	// is taken for it.
	check, err := sdp.NegotiateT38(offer, t38.Params{})
	if err != nil {
		refuse(err)
		return
	}
	c.mu.Lock()
	cur, port, ours := c.choice.T38, c.t38Port, c.t38Ours
	c.mu.Unlock()
	if !cur.Enabled() {
		// A call not on T.38 yet: the gateway decides and gives a port.
		th, ok := u.h.(T38Handler)
		if !ok {
			refuse(ErrT38Off)
			return
		}
		offered, _ := sdp.AcceptT38(offer) // the offer's own parameters
		if port, ours, err = th.T38Offered(c, sdp.T38{Remote: check.T38.Remote, Params: offered.T38.Params}); err != nil {
			refuse(err)
			return
		}
	}
	// else a refresh or an update of the T.38 session: same port.
	choice, err := sdp.NegotiateT38(offer, ours)
	if err != nil {
		refuse(err)
		return
	}
	c.mu.Lock()
	c.sdpVersion++
	body := sdp.AnswerT38(offer, choice, u.cfg.MediaAddr, port, c.sdpVersion).Marshal()
	c.mu.Unlock()
	res := sipmsg.NewResponseFromRequest(req, 200, "OK", body)
	res.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
	res.AppendHeader(c.contact())
	if interval, _, ok := sessionExpires(req); ok && interval >= u.minSE() {
		addSessionHeaders(res, interval)
		c.sessionTimer(interval)
	}
	if err := tx.Respond(res); err != nil {
		return
	}
	c.mu.Lock()
	changed := c.choice != choice
	c.t38Ours = ours
	// Our refreshes offer the T.38 session from now on.
	c.enterT38Locked(choice, port, sdp.T38Offer(u.cfg.MediaAddr, port, c.sdpVersion, choice.T38.Params))
	c.mu.Unlock()
	if changed {
		c.emit(Event{Kind: EventModified, Choice: choice})
	}
}

// currentOfferLocked is the session as it stands, as an offer: what a
// re-INVITE without SDP gets (c.mu held).
func (c *Call) currentOfferLocked() *sdp.Session {
	if c.choice.T38.Enabled() {
		return sdp.T38Offer(c.u.cfg.MediaAddr, c.t38Port, c.sdpVersion, c.choice.T38.Params)
	}
	var dtmf uint8
	if c.choice.HasDTMF() {
		dtmf = c.choice.DTMF.PayloadType
	}
	o := sdp.Offer(c.u.cfg.MediaAddr, c.localPort, c.sdpVersion, []sdp.Format{c.choice.Codec}, dtmf, c.u.cfg.PacketTime, c.choice.Direction)
	sdp.Reoffer(o, c.choice.SRTP)
	return o
}

// onEmptyReinvite answers a re-INVITE without SDP (a session refresh
// some far ends send) with the session as it stands; its ACK carries the
// answer, which we take to be the same session.
func (u *UA) onEmptyReinvite(c *Call, req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	c.mu.Lock()
	body := c.currentOfferLocked().Marshal()
	c.mu.Unlock()
	res := sipmsg.NewResponseFromRequest(req, 200, "OK", body)
	res.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
	res.AppendHeader(c.contact())
	if interval, _, ok := sessionExpires(req); ok && interval >= u.minSE() {
		addSessionHeaders(res, interval)
		c.sessionTimer(interval)
	}
	_ = tx.Respond(res)
}
