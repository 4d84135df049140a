package sas

import (
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// handleRegister is the registrar: it relays, ignores or answers the
// REGISTER by mode and state, and keeps the binding table.
func (s *Service) handleRegister(req *sip.Request, tx sip.ServerTransaction) {
	if !s.validate(req, tx) {
		return
	}
	user := req.To().Address.User
	if user == "" {
		s.c.badReqs.Add(1)
		s.respond(req, tx, 400, "Bad Request")
		return
	}
	st := s.State()
	local := s.cfg.SASRedundant || s.cfg.standalone() || st == StateEmergency || s.isProxy(req.Source())
	if !local {
		switch s.cfg.SASSurvivabilityMode {
		case ModeIgnoreRegister:
			s.c.registerIgnored.Add(1)
			return
		case ModeAutoAnswerRegister:
			local = true
		}
	}
	if local {
		s.registerLocal(req, tx, user)
		return
	}
	dest := s.activeProxy()
	s.c.registerRelayed.Add(1)
	s.forward(req, tx, dest, s.proxyTr[dest], nil, false, func(res *sip.Response) {
		if res.StatusCode >= 200 && res.StatusCode < 300 {
			s.recordFromResponse(req, res, user)
		}
	})
}

// requestedExpiry returns the expiry a contact asks for: its expires
// parameter, else the Expires header, else def.
func requestedExpiry(c *sip.ContactHeader, req headerGetter, def time.Duration) time.Duration {
	if v, ok := c.Params.Get("expires"); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
			return time.Duration(n) * time.Second
		}
	}
	if h := req.GetHeader("Expires"); h != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(h.Value())); err == nil && n >= 0 {
			return time.Duration(n) * time.Second
		}
	}
	return def
}

func contacts(m headerGetter) (list []*sip.ContactHeader, star bool) {
	for _, h := range m.GetHeaders("Contact") {
		c, ok := h.(*sip.ContactHeader)
		if !ok {
			continue
		}
		if c.Address.Wildcard {
			star = true
			continue
		}
		list = append(list, c)
	}
	return list, star
}

// headerGetter is what requests and responses share.
type headerGetter interface {
	GetHeader(name string) sip.Header
	GetHeaders(name string) []sip.Header
}

// contactKey is how a contact is stored: its URI without header params.
func contactKey(c *sip.ContactHeader) string {
	u := c.Address
	return u.String()
}

// recordFromResponse records the bindings a proxy's 2xx to a relayed
// REGISTER confirms (outbound mode).
func (s *Service) recordFromResponse(req *sip.Request, res *sip.Response, user string) {
	now := s.now()
	reqList, star := contacts(req)
	if star {
		s.bindings.RemoveAll(user)
	}
	for _, c := range reqList {
		if requestedExpiry(c, req, time.Hour) == 0 {
			s.bindings.Set(user, contactKey(c), 0, now)
		}
	}
	resList, _ := contacts(res)
	for _, c := range resList {
		ttl := requestedExpiry(c, res, 0)
		if ttl > 0 && !s.bindings.Has(user, contactKey(c)) && s.bindings.Len() >= s.cfg.MaxBindings {
			continue
		}
		s.bindings.Set(user, contactKey(c), ttl, now)
	}
}

// registerLocal answers a REGISTER as the registrar.
func (s *Service) registerLocal(req *sip.Request, tx sip.ServerTransaction, user string) {
	if s.auth != nil && !s.authorize(req, tx, "Authorization", 401, "WWW-Authenticate", user) {
		return
	}
	now := s.now()
	list, star := contacts(req)
	if star {
		if len(list) > 0 || requestedExpiry(&sip.ContactHeader{}, req, -1) != 0 {
			s.c.badReqs.Add(1)
			s.respond(req, tx, 400, "Bad Request")
			return
		}
		s.bindings.RemoveAll(user)
	}
	s.rememberFlow(req, list)
	for _, c := range list {
		ttl := min(requestedExpiry(c, req, s.cfg.SASRegistrationTime), s.cfg.SASRegistrationTime)
		key := contactKey(c)
		if ttl > 0 && !s.bindings.Has(user, key) && s.bindings.Len() >= s.cfg.MaxBindings {
			s.respond(req, tx, 503, "Service Unavailable", sip.NewHeader("Retry-After", "60"))
			return
		}
		s.bindings.Set(user, key, ttl, now)
	}
	s.c.registerLocal.Add(1)
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	for _, c := range s.bindings.Lookup(user, now) {
		exp, _ := s.bindings.Expiry(user, c)
		secs := int(exp.Sub(now).Round(time.Second) / time.Second)
		res.AppendHeader(sip.NewHeader("Contact", "<"+c+">;expires="+strconv.Itoa(secs)))
	}
	if tx != nil {
		_ = tx.Respond(res)
	}
}
