package sip

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
)

// PrackMode is how the user agent uses reliable provisional responses
// (RFC 3262, the PrackMode parameter).
type PrackMode int

const (
	PrackDisabled  PrackMode = iota // never
	PrackSupported                  // when the caller supports or requires 100rel
	PrackRequired                   // always: callers without 100rel get 421
)

// hasOption reports whether a Supported or Require header lists tag.
func hasOption(req *sipmsg.Request, header, tag string) bool {
	for _, h := range req.GetHeaders(header) {
		for _, v := range strings.Split(h.Value(), ",") {
			if strings.EqualFold(strings.TrimSpace(v), tag) {
				return true
			}
		}
	}
	return false
}

// reliableProvisional sends a 1xx reliably: with Require: 100rel and an
// RSeq, retransmitted with the INVITE timer (T1 doubling) until the PRACK
// arrives, a final response is sent, or 64*T1 passes. c.mu is held.
func (c *Call) reliableProvisional(res *sipmsg.Response) error {
	c.rseq++
	res.AppendHeader(sipmsg.NewHeader("Require", "100rel"))
	res.AppendHeader(sipmsg.NewHeader("RSeq", strconv.FormatUint(uint64(c.rseq), 10)))
	if err := c.tx.Respond(res); err != nil {
		return err
	}
	pracked := make(chan struct{})
	c.pendingRSeq, c.pracked = c.rseq, pracked
	tx, final := c.tx, c.final
	c.u.wg.Add(1)
	go func() {
		defer c.u.wg.Done()
		wait := sipmsg.T1
		deadline := time.Now().Add(64 * sipmsg.T1)
		for time.Now().Before(deadline) {
			select {
			case <-pracked:
				return
			case <-final:
				return
			case <-c.u.ctx.Done():
				return
			case <-time.After(wait):
				_ = tx.Respond(res)
				wait = min(2*wait, sipmsg.T2)
			}
		}
	}()
	return nil
}

// onPrack acknowledges a reliable provisional response (RFC 3262 7.2).
func (u *UA) onPrack(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	c := u.call(req.CallID().Value())
	if c == nil {
		u.respond(tx, req, 481, "Call/Transaction Does Not Exist")
		return
	}
	rack := req.GetHeader("RAck")
	c.mu.Lock()
	ok := rack != nil && c.pracked != nil && strings.HasPrefix(strings.TrimSpace(rack.Value()), strconv.FormatUint(uint64(c.pendingRSeq), 10)+" ")
	if ok {
		close(c.pracked)
		c.pracked = nil
	}
	c.mu.Unlock()
	if !ok {
		u.respond(tx, req, 481, "Call/Transaction Does Not Exist")
		return
	}
	u.respond(tx, req, 200, "OK")
}

// prack acknowledges a reliable 1xx we received as the caller.
func (c *Call) prack(res *sipmsg.Response) {
	rseq := res.GetHeader("RSeq")
	if rseq == nil || !strings.Contains(strings.ToLower(headerValue(res, "Require")), "100rel") {
		return
	}
	c.mu.Lock()
	c.remoteTag, _ = res.To().Params.Get("tag")
	if ct := res.Contact(); ct != nil {
		c.remoteTarget = ct
	}
	c.mu.Unlock()
	req := c.inDialog(sipmsg.PRACK)
	req.AppendHeader(sipmsg.NewHeader("RAck", strings.TrimSpace(rseq.Value())+" "+strconv.FormatUint(uint64(c.invite.CSeq().SeqNo), 10)+" INVITE"))
	c.u.wg.Add(1)
	go func() {
		defer c.u.wg.Done()
		ctx, cancel := context.WithTimeout(c.u.ctx, 32*time.Second)
		defer cancel()
		if _, err := c.cli().Do(ctx, req, sipgo.ClientRequestAddVia); err != nil {
			c.u.log.Debug("sip: PRACK not answered", "call", c.id, "error", err)
		}
	}()
}

func headerValue(res *sipmsg.Response, name string) string {
	var vals []string
	for _, h := range res.GetHeaders(name) {
		vals = append(vals, h.Value())
	}
	return strings.Join(vals, ",")
}

func firstRSeq() uint32 { return uint32(rand.IntN(1<<30)) + 1 }
