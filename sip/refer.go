package sip

import (
	"context"
	"net/url"
	"strings"

	sipmsg "github.com/emiago/sipgo/sip"
)

// Refer asks the far end to call target (a SIP URI) instead of us: the
// blind transfer of RFC 5589, by REFER (RFC 3515). It returns once the far
// end has accepted (2xx), with a channel that gets the status line of the
// new call ("SIP/2.0 200 OK") from the far end's final NOTIFY; every
// progress NOTIFY is also emitted as EventTransfer.
func (c *Call) Refer(ctx context.Context, target string) (<-chan string, error) {
	var uri sipmsg.Uri
	if err := sipmsg.ParseUri(target, &uri); err != nil {
		return nil, &StatusError{Method: "REFER", Reason: "bad target " + target}
	}
	return c.refer(ctx, uri.String())
}

// ReferReplaces asks the far end to call target's far end instead of us,
// replacing target with its own call: the attended transfer of RFC 5589
// section 7. The Refer-To is target's remote target (its Contact) with a
// Replaces header (RFC 3891) naming target's dialog as its far end sees
// it. It returns like Refer; target must be answered.
func (c *Call) ReferReplaces(ctx context.Context, target *Call) (<-chan string, error) {
	if !target.answered.Load() {
		return nil, ErrNotAnswered
	}
	return c.refer(ctx, target.replacesURI())
}

// Answered reports whether the call was answered (and not refused).
func (c *Call) Answered() bool { return c.answered.Load() }

// replacesURI is where a call's far end is reached, with the Replaces
// header that makes a new INVITE there take this call's place. The
// Replaces tags are from the far end's point of view: to-tag is its tag,
// from-tag ours.
func (c *Call) replacesURI() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	uri := c.invite.Recipient
	if c.remoteTarget != nil {
		uri = c.remoteTarget.Address
	}
	uri = *uri.Clone()
	uri.Headers = nil
	local := c.localTag
	if c.outgoing {
		local, _ = c.invite.From().Params.Get("tag")
	}
	replaces := c.id + ";to-tag=" + c.remoteTag + ";from-tag=" + local
	return uri.String() + "?Replaces=" + url.QueryEscape(replaces)
}

// refer sends REFER with Refer-To referTo (a URI, headers included).
func (c *Call) refer(ctx context.Context, referTo string) (<-chan string, error) {
	select {
	case <-c.done:
		return nil, ErrCallEnded
	default:
	}
	if !c.answered.Load() {
		return nil, ErrNotAnswered
	}
	final := make(chan string, 1)
	c.mu.Lock()
	c.referFinal = final
	c.mu.Unlock()
	req := c.inDialog(sipmsg.REFER)
	req.AppendHeader(c.contact())
	req.AppendHeader(sipmsg.NewHeader("Refer-To", "<"+referTo+">"))
	req.AppendHeader(sipmsg.NewHeader("Referred-By", "<sip:"+c.localUser()+"@"+c.u.addr.Addr().String()+">"))
	res, err := c.transact(ctx, req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode >= 300 {
		return nil, &StatusError{Method: "REFER", Code: res.StatusCode, Reason: res.Reason}
	}
	return final, nil
}

// onReferNotify answers the NOTIFYs of a REFER we sent and reports the
// status line their sipfrag body carries ("SIP/2.0 200 OK").
func (u *UA) onReferNotify(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	c := u.call(req.CallID().Value())
	if c == nil {
		u.respond(tx, req, 481, "Call/Transaction Does Not Exist")
		return
	}
	u.respond(tx, req, 200, "OK")
	status, _, _ := strings.Cut(string(req.Body()), "\n")
	status = strings.TrimSpace(status)
	c.emit(Event{Kind: EventTransfer, Reason: status})
	// "SIP/2.0 200 OK": a status of 200 or more is the new call's outcome.
	if f := strings.Fields(status); len(f) >= 2 && len(f[1]) == 3 && f[1] >= "200" {
		c.mu.Lock()
		final := c.referFinal
		c.referFinal = nil
		c.mu.Unlock()
		if final != nil {
			final <- status
		}
	}
}
