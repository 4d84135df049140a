package sip

import (
	"context"
	"io"
	"sync"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// CRLF keep-alive (RFC 5626 3.5.1) on the TCP and TLS flows we open to
// registrars and proxies: a double CRLF ("ping") every interval, which the
// peer answers with a single CRLF ("pong"). The traffic keeps NAT bindings
// and firewall state alive; a ping left unanswered for a whole interval
// means the flow is dead, so it is closed and the next request dials anew.

var (
	crlfPing = []byte("\r\n\r\n")
	crlfPong = "\r\n"
)

// flowState is the keep-alive state of one flow.
type flowState struct {
	awaiting bool      // a ping is out, no pong yet
	sentAt   time.Time // when that ping left
}

// flowAction is what a keep-alive tick asks for.
type flowAction int

const (
	flowPing flowAction = iota + 1 // send a ping
	flowDead                       // the last ping got no pong: close the flow
)

// tick is the keep-alive timer firing for a flow.
func (s flowState) tick(now time.Time) (flowState, flowAction) {
	if s.awaiting {
		return flowState{}, flowDead
	}
	return flowState{awaiting: true, sentAt: now}, flowPing
}

// pong is a CRLF that arrived on the flow.
func (s flowState) pong() flowState { return flowState{} }

// flows are the stream flows the user agent opened as a client and keeps
// alive, keyed by network and remote address ("tls", "192.0.2.1:5061").
type flows struct {
	mu sync.Mutex
	m  map[flowKey]flowState
}

type flowKey struct{ network, addr string }

// track adds a flow we sent a request on.
func (f *flows) track(t Target) {
	if !t.Transport.Reliable() {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[flowKey]flowState{}
	}
	k := flowKey{t.Transport.network(), t.Addr.String()}
	if _, ok := f.m[k]; !ok {
		f.m[k] = flowState{}
	}
}

// readFilter sees every read of the transport layer before it parses:
// a lone CRLF on a flow we pinged is its pong.
func (u *UA) readFilter(p sipmsg.TransportReadProps, data []byte) ([]byte, error) {
	if string(data) != crlfPong || p.RemoteAddr == nil {
		return data, nil
	}
	k := flowKey{sipmsg.NetworkToLower(p.Transport), p.RemoteAddr.String()}
	u.flows.mu.Lock()
	s, ok := u.flows.m[k]
	if ok && s.awaiting {
		u.flows.m[k] = s.pong()
		u.stats.KeepAlivePongs.Add(1)
	}
	u.flows.mu.Unlock()
	return data, nil
}

// pingFlows runs one keep-alive tick over every tracked flow.
func (u *UA) pingFlows(now time.Time) {
	u.flows.mu.Lock()
	type step struct {
		k  flowKey
		do flowAction
	}
	var steps []step
	for k, s := range u.flows.m {
		pool := u.ua.TransportLayer().Pool(k.network)
		if pool == nil || pool.Size() == 0 {
			u.flows.m[k] = flowState{}
			continue
		}
		ns, a := s.tick(now)
		u.flows.m[k] = ns
		steps = append(steps, step{k, a})
	}
	u.flows.mu.Unlock()
	for _, st := range steps {
		pool := u.ua.TransportLayer().Pool(st.k.network)
		c := pool.Get(st.k.addr)
		if c == nil { // not open now: the next request dials it
			u.flows.mu.Lock()
			u.flows.m[st.k] = flowState{}
			u.flows.mu.Unlock()
			continue
		}
		switch st.do {
		case flowPing:
			w, ok := c.(io.Writer)
			if ok {
				if _, err := w.Write(crlfPing); err == nil {
					u.stats.KeepAlivePings.Add(1)
				}
			}
			_, _ = c.TryClose()
		case flowDead:
			u.stats.KeepAliveFailures.Add(1)
			u.log.Warn("sip: flow lost its keep-alive, closing it", "network", st.k.network, "remote", st.k.addr)
			_ = c.Close()
			pool.Delete(st.k.addr)
		}
	}
}

// crlfKeepAlive pings the flows every interval until ctx ends.
func (u *UA) crlfKeepAlive(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			u.pingFlows(now)
		}
	}
}
