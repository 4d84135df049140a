package sip

import (
	"context"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/testcert"
)

// autoAnswer answers every call at once.
type autoAnswer struct{}

func (autoAnswer) IncomingCall(c *Call) {
	go func() {
		if c.Answer(40002) == nil {
			for range c.Events() {
			}
		}
	}()
}
func (autoAnswer) CheckSync(context.Context, bool) error { return nil }

// BenchmarkCallSetup places calls (INVITE, 200, ACK, BYE, 200) between two
// user agents over UDP, TCP and TLS in turn, each iteration one call on
// each, and reports the time per call on each transport and the ratios to
// UDP measured in the same run. TCP and TLS reuse their connection, as the
// user agent does: the TLS handshake is paid once; tls-new-conn is a call
// on a new TLS connection, handshake included.
func BenchmarkCallSetup(b *testing.B) {
	ca := testcert.NewCA(b, "potsgate test CA")
	leaf := ca.Issue(b, testcert.Localhost())
	s := TLSSettings{Roots: testcert.Pool(ca), Certificate: &leaf.TLS, PeerName: PeerNameServer}
	cfg := func() Config {
		return Config{TCPListenAddr: "127.0.0.1:0", TLSListenAddr: "127.0.0.1:0", TLSServer: s.Server(), TLSClient: s.Client()}
	}
	callee := startUA(b, cfg(), autoAnswer{})
	caller := startUA(b, cfg(), autoAnswer{})
	call := func(tr Transport) time.Duration {
		to, _ := callee.Listening(tr)
		start := time.Now()
		ctx := context.Background()
		c, err := caller.Dial(ctx, Dial{To: "101", From: "201", Host: Target{Addr: to, Transport: tr}.String(), LocalPort: 40000})
		if err != nil {
			b.Fatal(err)
		}
		for ev := range c.Events() {
			if ev.Kind == EventAnswered {
				break
			}
			if ev.Kind == EventEnded {
				b.Fatalf("%v call ended: %d %s", tr, ev.Code, ev.Reason)
			}
		}
		if err := c.Hangup(ctx); err != nil {
			b.Fatalf("%v BYE: %v", tr, err)
		}
		return time.Since(start)
	}
	for _, tr := range []Transport{TransportUDP, TransportTCP, TransportTLS} {
		call(tr) // open the connections
	}
	// A call on a new TLS connection: the caller's is closed first, so
	// the handshake (ECDSA P-256, TLS 1.3) is in the figure.
	tlsTo, _ := callee.Listening(TransportTLS)
	newTLS := func() time.Duration {
		pool := caller.ua.TransportLayer().Pool("tls")
		if c := pool.Get(tlsTo.String()); c != nil {
			_ = c.Close()
			pool.Delete(tlsTo.String())
		}
		return call(TransportTLS)
	}
	var total [3]time.Duration
	var fresh time.Duration
	b.ResetTimer()
	for b.Loop() {
		for _, tr := range []Transport{TransportUDP, TransportTCP, TransportTLS} {
			total[tr] += call(tr)
		}
		fresh += newTLS()
	}
	n := float64(b.N)
	b.ReportMetric(float64(total[TransportUDP].Microseconds())/n, "udp-µs/call")
	b.ReportMetric(float64(total[TransportTCP].Microseconds())/n, "tcp-µs/call")
	b.ReportMetric(float64(total[TransportTLS].Microseconds())/n, "tls-µs/call")
	b.ReportMetric(float64(total[TransportTCP])/float64(total[TransportUDP]), "tcp/udp")
	b.ReportMetric(float64(total[TransportTLS])/float64(total[TransportUDP]), "tls/udp")
	b.ReportMetric(float64(fresh.Microseconds())/n, "tls-new-conn-µs/call")
	b.ReportMetric(float64(fresh)/float64(total[TransportUDP]), "tls-new-conn/udp")
}
