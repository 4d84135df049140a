package sip

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
)

// Registration is one registration binding: the gateway as a whole, or one
// endpoint (port) with its own credentials.
type Registration struct {
	// Registrar is "host:port" (RegistrarIP), reached by the user
	// agent's transport, or "host:port;transport=tls" (or tcp, udp).
	Registrar string
	// User is the address-of-record user; Domain its host (default: the
	// registrar's host).
	User, Domain string
	// AuthUser and Password answer digest challenges (Authentication
	// table); AuthUser defaults to User.
	AuthUser, Password string
	// Expires is what we ask for (RegistrationTime, default 3600 s).
	Expires time.Duration
	// Divider is when to refresh, as a percentage of the granted time
	// (RegistrationTimeDivider, default 50).
	Divider int
	// Retry is the wait after a failure (RegistrationRetryTime, default 30 s).
	Retry time.Duration
}

// RegState is the state of a registration.
type RegState int

const (
	Unregistered RegState = iota
	Registered
	RegistrationFailed
)

func (s RegState) String() string {
	switch s {
	case Unregistered:
		return "unregistered"
	case Registered:
		return "registered"
	case RegistrationFailed:
		return "failed"
	}
	return "RegState(" + strconv.Itoa(int(s)) + ")"
}

// RegistrationError is a REGISTER answered with a failure status.
type RegistrationError struct {
	Code   int
	Reason string
}

func (e *RegistrationError) Error() string {
	return fmt.Sprintf("registration refused: %d %s", e.Code, e.Reason)
}

// Register keeps r registered until ctx ends, then removes the binding.
// onState, when set, hears every change (and every failure) with the
// granted expiry or the error.
func (u *UA) Register(ctx context.Context, r Registration, onState func(RegState, time.Duration, error)) error {
	if r.Expires <= 0 {
		r.Expires = time.Hour
	}
	if r.Divider <= 0 || r.Divider > 100 {
		r.Divider = 50
	}
	if r.Retry <= 0 {
		r.Retry = 30 * time.Second
	}
	if r.AuthUser == "" {
		r.AuthUser = r.User
	}
	target, err := ParseTarget(r.Registrar, u.cfg.Transport)
	if err != nil {
		return fmt.Errorf("sip: registrar: %w", err)
	}
	if _, err := u.client(target.Transport); err != nil {
		return fmt.Errorf("sip: registrar %s: %w", target, err)
	}
	if r.Domain == "" {
		r.Domain = target.Addr.Addr().String()
	}
	req := u.registerRequest(r, target)
	u.flows.track(target)
	report := func(s RegState, granted time.Duration, err error) {
		if onState != nil {
			onState(s, granted, err)
		}
	}
	for {
		granted, err := u.register(ctx, req, r, r.Expires)
		var wait time.Duration
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			u.log.Warn("sip: registration failed", "user", r.User, "registrar", r.Registrar, "error", err)
			report(RegistrationFailed, 0, err)
			wait = r.Retry
		} else {
			report(Registered, granted, nil)
			wait = granted * time.Duration(r.Divider) / 100
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
			continue
		}
		break
	}
	// Remove the binding, with a little time of our own.
	rctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err = u.register(rctx, req, r, 0)
	report(Unregistered, 0, nil)
	return err
}

func (u *UA) registerRequest(r Registration, target Target) *sipmsg.Request {
	req := sipmsg.NewRequest(sipmsg.REGISTER, u.uri("", target.Addr, target.Transport))
	req.SetTransport(target.Transport.String())
	aor := sipmsg.Uri{Scheme: u.scheme(target.Transport), User: r.User, Host: r.Domain}
	from := &sipmsg.FromHeader{Address: aor}
	from.Params.Add("tag", sipmsg.GenerateTagN(16))
	req.AppendHeader(from)
	req.AppendHeader(&sipmsg.ToHeader{Address: aor})
	req.AppendHeader(u.contactFor(r.User, target.Transport))
	// One Call-ID for every refresh of this binding (RFC 3261 10.2.4).
	req.AppendHeader(sipmsg.NewHeader("Call-ID", sipmsg.GenerateTagN(24)+"@"+u.addr.Addr().String()))
	req.AppendHeader(&sipmsg.CSeqHeader{SeqNo: 0, MethodName: sipmsg.REGISTER})
	mf := sipmsg.MaxForwardsHeader(70)
	req.AppendHeader(&mf)
	req.AppendHeader(sipmsg.NewHeader("User-Agent", u.cfg.UserAgent))
	req.SetBody(nil) // Content-Length: 0, which a stream needs to frame it
	return req
}

// register sends one REGISTER (expires 0 removes the binding) and returns
// the expiry the registrar granted.
func (u *UA) register(ctx context.Context, req *sipmsg.Request, r Registration, expires time.Duration) (time.Duration, error) {
	req.RemoveHeader("Via")
	req.RemoveHeader("Authorization")
	req.RemoveHeader("Proxy-Authorization")
	req.RemoveHeader("Expires")
	req.AppendHeader(sipmsg.NewHeader("Expires", strconv.Itoa(int(expires/time.Second))))
	req.CSeq().SeqNo++
	ctx, cancel := context.WithTimeout(ctx, 32*time.Second)
	defer cancel()
	t, _ := ParseTransport(req.Transport())
	cli, err := u.client(t)
	if err != nil {
		return 0, err
	}
	res, err := cli.Do(ctx, req, sipgo.ClientRequestAddVia)
	if err == nil && res == nil {
		err = errors.New("transaction ended without a response")
	}
	if err != nil {
		return 0, u.streamError(t, req.Destination(), err)
	}
	if (res.StatusCode == 401 || res.StatusCode == 407) && r.Password != "" {
		res, err = cli.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: r.AuthUser, Password: r.Password})
		if err != nil {
			return 0, u.streamError(t, req.Destination(), err)
		}
	}
	if res.StatusCode != 200 {
		return 0, &RegistrationError{Code: res.StatusCode, Reason: res.Reason}
	}
	granted := expires
	if c := res.Contact(); c != nil {
		if v, ok := c.Params.Get("expires"); ok {
			if n, err := strconv.Atoi(v); err == nil {
				granted = time.Duration(n) * time.Second
			}
		}
	} else if h := res.GetHeader("Expires"); h != nil {
		if n, err := strconv.Atoi(h.Value()); err == nil {
			granted = time.Duration(n) * time.Second
		}
	}
	if expires > 0 && granted <= 0 {
		return 0, errors.New("registrar granted no time")
	}
	return granted, nil
}
