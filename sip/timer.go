package sip

import (
	"context"
	"strconv"
	"strings"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// Session timers (RFC 4028), answering side: a call that asks for a
// session interval gets it in the 200 OK, the caller refreshes it (with
// re-INVITE or UPDATE), and a session not refreshed in time is ended with
// BYE, so a vanished peer does not hold a port forever.

// DefaultMinSE is RFC 4028's smallest session interval.
const DefaultMinSE = 90 * time.Second

// sessionExpires reads Session-Expires: "<seconds>[;refresher=uac|uas]".
func sessionExpires(req *sipmsg.Request) (time.Duration, string, bool) {
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
