package sip

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
)

// proxySet is the ordered list of proxies with their liveness from OPTIONS
// keep-alives: calls without a host go to the first one alive.
type proxySet struct {
	addrs []string
	alive []atomic.Bool
}

func newProxySet(cfg Config) *proxySet {
	addrs := cfg.Proxies
	if len(addrs) == 0 && cfg.Proxy != "" {
		addrs = []string{cfg.Proxy}
	}
	ps := &proxySet{addrs: addrs, alive: make([]atomic.Bool, len(addrs))}
	for i := range ps.alive {
		ps.alive[i].Store(true) // until a keep-alive says otherwise
	}
	return ps
}

// active is the first proxy alive, or the first one when none is.
func (ps *proxySet) active() string {
	for i, a := range ps.addrs {
		if ps.alive[i].Load() {
			return a
		}
	}
	if len(ps.addrs) > 0 {
		return ps.addrs[0]
	}
	return ""
}

// ProxyState is a proxy and whether it answers keep-alives.
type ProxyState struct {
	Addr  string
	Alive bool
}

// Proxies returns the proxy set with each proxy's state.
func (u *UA) Proxies() []ProxyState {
	out := make([]ProxyState, len(u.proxies.addrs))
	for i, a := range u.proxies.addrs {
		out[i] = ProxyState{Addr: a, Alive: u.proxies.alive[i].Load()}
	}
	return out
}

// keepAlive probes every proxy with OPTIONS each interval; any answer
// means alive (RFC 3261 11: even an error status proves the proxy is up).
func (u *UA) keepAlive(ctx context.Context, every time.Duration) {
	probe := func() {
		for i, a := range u.proxies.addrs {
			target, err := ParseTarget(a, u.cfg.Transport)
			var cli *sipgo.Client
			if err == nil {
				cli, err = u.client(target.Transport)
			}
			if err != nil {
				u.proxies.alive[i].Store(false)
				continue
			}
			req := sipmsg.NewRequest(sipmsg.OPTIONS, u.uri("", target.Addr, target.Transport))
			req.SetTransport(target.Transport.String())
			req.AppendHeader(sipmsg.NewHeader("User-Agent", u.cfg.UserAgent))
			u.flows.track(target)
			pctx, cancel := context.WithTimeout(ctx, min(every, 4*time.Second))
			_, err = cli.Do(pctx, req, sipgo.ClientRequestBuild)
			cancel()
			was := u.proxies.alive[i].Swap(err == nil)
			if was != (err == nil) {
				u.log.Warn("sip: proxy keep-alive", "proxy", a, "alive", err == nil)
				if u.cfg.OnProxyState != nil {
					u.cfg.OnProxyState(a, err == nil)
				}
			}
		}
	}
	t := time.NewTicker(every)
	defer t.Stop()
	probe()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			probe()
		}
	}
}
