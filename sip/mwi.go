package sip

import (
	"net/netip"
	"strings"

	sipmsg "github.com/emiago/sipgo/sip"
)

// MessageWaiter is implemented by a Handler that shows message waiting
// indications (RFC 3842): the voice mail server's NOTIFY with Event:
// message-summary for user, waiting or not.
type MessageWaiter interface {
	MessageWaiting(user string, waiting bool)
}

// onMessageSummary takes a message-summary NOTIFY, in a subscription or
// unsolicited, from the proxies and the registrar only (Config.MWIHosts):
// anyone else could light every lamp of the gateway.
func (u *UA) onMessageSummary(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	mw, ok := u.h.(MessageWaiter)
	if !ok || !u.cfg.EnableMWI {
		u.respond(tx, req, 489, "Bad Event")
		return
	}
	if !hostIn(req.Source(), u.cfg.TrustedHosts) {
		u.log.Warn("sip: message-summary refused", "source", req.Source())
		u.respond(tx, req, 403, "Forbidden")
		return
	}
	waiting, ok := messagesWaiting(req.Body())
	if !ok {
		u.respond(tx, req, 400, "Bad Request: no Messages-Waiting line")
		return
	}
	u.respond(tx, req, 200, "OK")
	mw.MessageWaiting(req.Recipient.User, waiting)
}

// messagesWaiting reads the "Messages-Waiting: yes|no" line of an
// application/simple-message-summary body.
func messagesWaiting(body []byte) (waiting, ok bool) {
	for _, line := range strings.Split(string(body), "\n") {
		name, value, found := strings.Cut(line, ":")
		if !found || !strings.EqualFold(strings.TrimSpace(name), "Messages-Waiting") {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(value)) {
		case "yes":
			return true, true
		case "no":
			return false, true
		}
		return false, false
	}
	return false, false
}

func hostIn(source string, hosts []netip.Addr) bool {
	ap, err := netip.ParseAddrPort(source)
	if err != nil {
		return false
	}
	for _, a := range hosts {
		if a.Unmap() == ap.Addr().Unmap() {
			return true
		}
	}
	return false
}
