package sip

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/potsgate/potsgate/sip/sdp"
)

// Session timers (RFC 4028). Answering side: a call that asks for a
// session interval gets it in the 200 OK, the caller refreshes it (with
// re-INVITE or UPDATE), and a session not refreshed in time is ended with
// BYE, so a vanished peer does not hold a port forever. Calling side (with
// Config.SessionExpires): the INVITE asks for an interval, a 422 is retried
// with the peer's Min-SE, and the refresher the 200 OK names keeps the
// session alive: we refresh at half the interval, or we expect the peer
// to and end the call when it does not.

// DefaultMinSE is RFC 4028's smallest session interval.
const DefaultMinSE = 90 * time.Second

// headerGetter is a request or a response.
type headerGetter interface{ GetHeader(string) sipmsg.Header }

// sessionExpires reads Session-Expires: "<seconds>[;refresher=uac|uas]".
func sessionExpires(req headerGetter) (time.Duration, string, bool) {
	h := req.GetHeader("Session-Expires")
	if h == nil {
		h = req.GetHeader("x") // compact form
	}
	if h == nil {
		return 0, "", false
	}
	val, params, _ := strings.Cut(h.Value(), ";")
	n, err := strconv.Atoi(strings.TrimSpace(val))
	if err != nil || n <= 0 {
		return 0, "", false
	}
	refresher := ""
	for _, p := range strings.Split(params, ";") {
		if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "refresher") {
			refresher = strings.ToLower(strings.TrimSpace(v))
		}
	}
	return time.Duration(n) * time.Second, refresher, true
}

func (u *UA) minSE() time.Duration {
	if u.cfg.MinSE > 0 {
		return u.cfg.MinSE
	}
	return DefaultMinSE
}

// sessionTimer arms (or re-arms, on a refresh) the session timer of an
// answered call: the caller refreshes; without a refresh the call ends
// with BYE a little before the interval runs out (RFC 4028 10).
func (c *Call) sessionTimer(interval time.Duration) {
	if interval <= 0 {
		return
	}
	c.mu.Lock()
	c.sessionInterval = interval
	c.refreshed++
	gen := c.refreshed
	c.mu.Unlock()
	wait := interval - min(32*time.Second, interval/3)
	c.u.wg.Add(1)
	go func() {
		defer c.u.wg.Done()
		select {
		case <-c.done:
		case <-c.u.ctx.Done():
		case <-time.After(wait):
			c.mu.Lock()
			stale := c.refreshed != gen
			c.mu.Unlock()
			if stale {
				return // a refresh re-armed it
			}
			c.u.log.Info("sip: session expired without a refresh", "call", c.id)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = c.Hangup(ctx)
		}
	}()
}

// addSessionHeaders puts the granted interval in a 2xx.
func addSessionHeaders(res *sipmsg.Response, interval time.Duration) {
	res.AppendHeader(sipmsg.NewHeader("Session-Expires", strconv.Itoa(int(interval/time.Second))+";refresher=uac"))
	res.AppendHeader(sipmsg.NewHeader("Require", "timer"))
}

// onUpdate answers an UPDATE without a body: a session refresh.
func (u *UA) onUpdate(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	c := u.call(req.CallID().Value())
	if c == nil {
		u.respond(tx, req, 481, "Call/Transaction Does Not Exist")
		return
	}
	res := sipmsg.NewResponseFromRequest(req, 200, "OK", nil)
	if interval, _, ok := sessionExpires(req); ok {
		addSessionHeaders(res, interval)
		c.sessionTimer(interval)
	}
	_ = tx.Respond(res)
}

// minSEOf reads the Min-SE of a 422 response.
func minSEOf(res *sipmsg.Response) time.Duration {
	h := res.GetHeader("Min-SE")
	if h == nil {
		return 0
	}
	val, _, _ := strings.Cut(h.Value(), ";")
	n, err := strconv.Atoi(strings.TrimSpace(val))
	if err != nil || n <= 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

// retryWithMinSE re-sends an INVITE that got 422 with the interval the
// peer asked for (RFC 4028 7.4): new CSeq and branch, same dialog
// identifiers.
func (c *Call) retryWithMinSE(ctx context.Context, res *sipmsg.Response) (sipmsg.ClientTransaction, bool) {
	want := minSEOf(res)
	if want <= 0 || want > 24*time.Hour {
		return nil, false
	}
	secs := strconv.Itoa(int(want / time.Second))
	c.mu.Lock()
	inv := c.invite
	inv.RemoveHeader("Session-Expires")
	inv.RemoveHeader("Min-SE")
	inv.AppendHeader(sipmsg.NewHeader("Session-Expires", secs))
	inv.AppendHeader(sipmsg.NewHeader("Min-SE", secs))
	inv.CSeq().SeqNo++
	inv.RemoveHeader("Via")
	c.mu.Unlock()
	tx, err := c.cli().TransactionRequest(ctx, inv, sipgo.ClientRequestAddVia)
	if err != nil {
		c.u.log.Warn("sip: INVITE not re-sent after 422", "call", c.id, "error", err)
		return nil, false
	}
	return tx, true
}

// uacSessionTimer starts what the 2xx of our INVITE asked for.
func (c *Call) uacSessionTimer(res *sipmsg.Response) {
	if c.u.cfg.SessionExpires <= 0 {
		return
	}
	interval, refresher, ok := sessionExpires(res)
	if !ok {
		return // the peer has no session timer: none runs (RFC 4028 7.2)
	}
	if refresher == "uas" {
		c.sessionTimer(interval) // the peer refreshes; we watch
		return
	}
	c.u.wg.Add(1)
	go func() {
		defer c.u.wg.Done()
		c.refreshLoop(interval)
	}()
}

// refreshLoop refreshes the session at half its interval until the call
// ends; a refresh the peer refuses or does not answer ends the call.
func (c *Call) refreshLoop(interval time.Duration) {
	for {
		select {
		case <-c.done:
			return
		case <-c.u.ctx.Done():
			return
		case <-time.After(interval / 2):
		}
		granted, refresher, err := c.refresh(interval)
		if err != nil {
			c.u.log.Warn("sip: session refresh failed, ending the call", "call", c.id, "error", err)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = c.Hangup(ctx)
			cancel()
			return
		}
		if granted > 0 {
			interval = granted
		}
		if refresher == "uas" {
			c.sessionTimer(interval)
			return
		}
	}
}

// refresh sends one session refresh (re-INVITE with our offer, or UPDATE
// without a body) and returns the interval the answer grants. A 491 (the
// peer is in its own re-INVITE) is retried after a short wait.
func (c *Call) refresh(interval time.Duration) (time.Duration, string, error) {
	for attempt := 0; ; attempt++ {
		granted, refresher, code, err := c.refreshOnce(interval)
		if err != nil || code != 491 || attempt == 2 {
			return granted, refresher, err
		}
		select {
		case <-c.done:
			return 0, "", nil
		case <-time.After(time.Duration(2100+attempt*1000) * time.Millisecond):
		}
	}
}

func (c *Call) refreshOnce(interval time.Duration) (time.Duration, string, int, error) {
	ctx, cancel := context.WithTimeout(c.u.ctx, 32*time.Second)
	defer cancel()
	c.mu.Lock()
	method := sipmsg.INVITE
	if c.u.cfg.SessionRefreshByUpdate || c.localOffer == nil {
		method = sipmsg.UPDATE
	}
	if method == sipmsg.INVITE {
		if c.reinvitePending { // our own hold or resume is under way
			c.mu.Unlock()
			return 0, "", 491, nil
		}
		c.reinvitePending = true
		defer func() { c.mu.Lock(); c.reinvitePending = false; c.mu.Unlock() }()
	}
	c.mu.Unlock()
	req := c.inDialog(method)
	req.AppendHeader(c.contact())
	req.AppendHeader(sipmsg.NewHeader("Session-Expires", strconv.Itoa(int(interval/time.Second))+";refresher=uac"))
	req.AppendHeader(sipmsg.NewHeader("Supported", "timer"))
	if method == sipmsg.INVITE {
		c.mu.Lock()
		body := c.localOffer.Marshal() // the same session: its version stays
		c.mu.Unlock()
		req.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
		req.SetBody(body)
	}
	res, err := c.transact(ctx, req)
	switch {
	case errors.Is(err, ErrCallEnded):
		return 0, "", 0, nil
	case err != nil:
		return 0, "", 0, err
	case res.StatusCode < 300:
		if method == sipmsg.INVITE {
			c.refreshAnswer(res)
		}
		granted, refresher, _ := sessionExpires(res)
		return granted, refresher, res.StatusCode, nil
	case res.StatusCode == 491:
		return 0, "", 491, nil
	}
	return 0, "", res.StatusCode, &StatusError{Method: string(method), Code: res.StatusCode, Reason: res.Reason}
}

// refreshAnswer reads the answer to a refreshing re-INVITE: a far end that
// answers with a new SRTP key (or moves its media) is followed, so the
// media leg rekeys instead of refusing every packet.
func (c *Call) refreshAnswer(res *sipmsg.Response) {
	if len(res.Body()) == 0 {
		return
	}
	ans, err := sdp.Parse(res.Body())
	if err != nil {
		return
	}
	c.mu.Lock()
	offer := c.localOffer
	c.mu.Unlock()
	choice, err := c.acceptAnswer(offer, ans)
	if err != nil {
		c.u.log.Info("sip: answer to a session refresh not usable", "call", c.id, "error", err)
		return
	}
	// Only the keys are taken: the rest of the session is what it was.
	c.mu.Lock()
	changed := choice.SRTP != c.choice.SRTP
	c.choice.SRTP = choice.SRTP
	cur := c.choice
	c.mu.Unlock()
	if changed {
		c.emit(Event{Kind: EventModified, Choice: cur})
	}
}
