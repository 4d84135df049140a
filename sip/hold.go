package sip

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/potsgate/potsgate/media/srtp"
	"github.com/potsgate/potsgate/sip/sdp"
)

// Hold puts the far end on hold: a re-INVITE offering the call's codec
// sendonly (RFC 3264 8.4), so the far end stops sending and we may send a
// hold tone. It returns the media choice the answer gives.
func (c *Call) Hold(ctx context.Context) (sdp.Choice, error) {
	return c.redirect(ctx, sdp.SendOnly)
}

// Resume takes the call off hold (sendrecv again).
func (c *Call) Resume(ctx context.Context) (sdp.Choice, error) {
	return c.redirect(ctx, sdp.SendRecv)
}

// Rekey renews our SRTP key with a re-INVITE (RFC 4568 section 7.1.4):
// the same suite and tag, a fresh master key; the far end answers with
// one of its own. The media leg takes the returned choice. A call
// without SRTP is re-offered as it is.
func (c *Call) Rekey(ctx context.Context) (sdp.Choice, error) {
	return c.reoffer(ctx, c.Choice().Direction, nil, true)
}

// ErrNoFormats is a re-offer without formats.
var ErrNoFormats = errors.New("sip: no formats to offer")

// Reoffer re-INVITEs the far end offering formats instead of the call's
// codec, keeping the direction: how a call moves to G.711 when fax is
// detected on a compressed coder. It returns the media choice the answer
// gives; a refusal is a *StatusError (488 when the far end has none of
// them), and the call goes on as before.
func (c *Call) Reoffer(ctx context.Context, formats []sdp.Format) (sdp.Choice, error) {
	if len(formats) == 0 {
		return sdp.Choice{}, fmt.Errorf("sip: re-offer: %w", ErrNoFormats)
	}
	c.mu.Lock()
	dir := c.choice.Direction
	c.mu.Unlock()
	return c.reoffer(ctx, dir, formats, false)
}

// redirect re-offers the session with a new direction.
func (c *Call) redirect(ctx context.Context, dir sdp.Direction) (sdp.Choice, error) {
	return c.reoffer(ctx, dir, nil, false)
}

// reoffer re-INVITEs with direction dir and formats (nil: the call's
// codec), with a new key of ours when fresh is set.
func (c *Call) reoffer(ctx context.Context, dir sdp.Direction, formats []sdp.Format, fresh bool) (sdp.Choice, error) {
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
	cur := c.choice
	if cur.T38.Enabled() {
		cur = c.audio // back from T.38 to audio
		cur.Direction = dir
	}
	if fresh && cur.SRTP.Enabled() {
		k, err := srtp.NewKey(cur.SRTP.Send.Suite, rand.Reader)
		if err != nil {
			c.reinvitePending = false
			c.mu.Unlock()
			return sdp.Choice{}, fmt.Errorf("sip: rekey: %w", err)
		}
		cur.SRTP.Send = srtp.Crypto{Suite: cur.SRTP.Send.Suite, Keys: []srtp.KeyParam{k}}.Keying()
	}
	if formats == nil {
		formats = []sdp.Format{cur.Codec}
	}
	var dtmf uint8
	if cur.HasDTMF() {
		dtmf = cur.DTMF.PayloadType
	}
	c.sdpVersion++
	offer := sdp.Offer(c.u.cfg.MediaAddr, c.localPort, c.sdpVersion, formats, dtmf, c.u.cfg.PacketTime, dir)
	// Our key stays; the far end may answer with a new one of its own.
	sdp.Reoffer(offer, cur.SRTP)
	c.mu.Unlock()
	defer func() { c.mu.Lock(); c.reinvitePending = false; c.mu.Unlock() }()

	body, err := c.reinvite(ctx, offer)
	if err != nil {
		return sdp.Choice{}, err
	}
	ans, err := sdp.Parse(body)
	if err != nil {
		return sdp.Choice{}, fmt.Errorf("sip: answer to our re-INVITE: %w", err)
	}
	choice, err := c.acceptAnswer(offer, ans)
	if err != nil {
		return sdp.Choice{}, fmt.Errorf("sip: answer to our re-INVITE: %w", err)
	}
	c.mu.Lock()
	c.choice, c.localOffer = choice, offer
	c.mu.Unlock()
	return choice, nil
}

// reinvite sends offer in a re-INVITE and returns the 2xx's body; a
// refusal is a *StatusError.
func (c *Call) reinvite(ctx context.Context, offer *sdp.Session) ([]byte, error) {
	req := c.inDialog(sipmsg.INVITE)
	req.AppendHeader(c.contact())
	req.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
	req.SetBody(offer.Marshal())
	res, err := c.transact(ctx, req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode >= 300 {
		return nil, statusError(res)
	}
	return res.Body(), nil
}

// transact sends an in-dialog request and waits for its final response;
// a 2xx to an INVITE is acknowledged here.
func (c *Call) transact(ctx context.Context, req *sipmsg.Request) (*sipmsg.Response, error) {
	tx, err := c.cli().TransactionRequest(ctx, req, sipgo.ClientRequestAddVia)
	if err != nil {
		return nil, fmt.Errorf("sip: %s: %w", req.Method, err)
	}
	defer tx.Terminate()
	for {
		select {
		case <-c.done:
			return nil, ErrCallEnded
		case <-ctx.Done():
			return nil, fmt.Errorf("sip: %s: %w", req.Method, ctx.Err())
		case <-tx.Done():
			if err := tx.Err(); err != nil {
				return nil, fmt.Errorf("sip: %s unanswered: %w", req.Method, err)
			}
			return nil, fmt.Errorf("sip: %s: transaction ended without a final response", req.Method)
		case res, ok := <-tx.Responses():
			if !ok || res.StatusCode < 200 {
				continue
			}
			if req.Method == sipmsg.INVITE && res.StatusCode < 300 {
				ack := c.inDialog(sipmsg.ACK)
				ack.CSeq().SeqNo = req.CSeq().SeqNo // the ACK of this re-INVITE
				if err := c.cli().WriteRequest(ack, sipgo.ClientRequestAddVia); err != nil {
					c.u.log.Warn("sip: ACK of a re-INVITE not sent", "call", c.id, "error", err)
				}
			}
			return res, nil
		}
	}
}

// StatusError is a request the far end refused.
type StatusError struct {
	Method string
	Code   int
	Reason string
	// Warning is the response's Warning header value, when it had one
	// (why a 488 refused an offer).
	Warning string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("sip: %s answered %d %s", e.Method, e.Code, e.Reason)
}
