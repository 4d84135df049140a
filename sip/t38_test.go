package sip

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/potsgate/potsgate/media/t38"
	"github.com/potsgate/potsgate/sip/sdp"
)

var testT38 = t38.Params{MaxBitRate: 14400, RateManagement: t38.TransferredTCF, MaxBuffer: 2000, MaxDatagram: 1400, UDPEC: t38.ECRedundancy}

// t38Handler answers calls and takes T.38 offers on port 45000, or
// refuses them with err, after delay.
type t38Handler struct {
	holdHandler
	err     error
	delay   time.Duration
	offered atomic.Int64
}

func (h *t38Handler) T38Offered(c *Call, offer sdp.T38) (int, t38.Params, error) {
	h.offered.Add(1)
	time.Sleep(h.delay)
	if h.err != nil {
		return 0, t38.Params{}, h.err
	}
	return 45000, testT38, nil
}

// t38Call sets up a PCMU call from caller (cfg) to a callee with h and
// returns both ends.
func t38Call(t *testing.T, cfg Config, h Handler, calls chan *Call, callerH Handler) (out, in *Call, callee, caller *UA) {
	t.Helper()
	callee = startUA(t, Config{Codecs: []sdp.Format{pcmuFmt}, MinSE: time.Second}, h)
	if callerH == nil {
		callerH = &answeringHandler{t: t}
	}
	cfg.Codecs = []sdp.Format{pcmuFmt}
	caller = startUA(t, cfg, callerH)
	out, err := caller.Dial(context.Background(), Dial{To: "101", Host: callee.Addr().String(), From: "x", LocalPort: 39720})
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, out, EventAnswered)
	in = <-calls
	t.Cleanup(func() { _ = out.Hangup(context.Background()) })
	return out, in, callee, caller
}

// TestT38Reinvite: our re-INVITE to T.38 is answered with the far end's
// image line (both ends on T.38, the far end told by EventModified), and
// a re-INVITE offering G.711 takes the call back to audio at both ends.
func TestT38Reinvite(t *testing.T) {
	h := &t38Handler{holdHandler: holdHandler{calls: make(chan *Call, 1)}}
	out, in, _, _ := t38Call(t, Config{}, h, h.calls, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ch, err := out.ReofferT38(ctx, 46000, testT38)
	if err != nil {
		t.Fatal(err)
	}
	if !ch.T38.Enabled() || ch.T38.Remote.Port() != 45000 || ch.T38.Params.MaxBitRate != 14400 || ch.T38.Params.UDPEC != t38.ECRedundancy {
		t.Errorf("our T.38 choice %+v", ch.T38)
	}
	got := nextModified(t, in)
	if !got.T38.Enabled() || got.T38.Remote.Port() != 46000 || h.offered.Load() != 1 {
		t.Errorf("far end's choice %+v (asked %d times)", got.T38, h.offered.Load())
	}
	if _, port, on := in.T38(); !on || port != 45000 {
		t.Errorf("far end on T.38 %v port %d", on, port)
	}
	// The end of the fax: back to G.711.
	back, err := out.Reoffer(ctx, []sdp.Format{pcmuFmt})
	if err != nil {
		t.Fatal(err)
	}
	if back.T38.Enabled() || back.Codec.Name != "PCMU" || back.Remote.Port() == 0 {
		t.Errorf("back to audio: %+v", back)
	}
	if got := nextModified(t, in); got.T38.Enabled() || got.Codec.Name != "PCMU" || got.Remote.Port() != 39720 {
		t.Errorf("far end back to audio: %+v", got)
	}
	if _, _, on := out.T38(); on {
		t.Error("still on T.38")
	}
}

// TestT38FarEndReinvite: the far end moves the call to T.38 and back; we
// answer with our image line (T38Handler gives the port), and our own
// session refreshes from then on offer the image line.
func TestT38FarEndReinvite(t *testing.T) {
	calls := make(chan *Call, 1)
	ours := &t38Handler{}
	out, in, _, _ := t38Call(t, Config{}, holdHandler{calls: calls}, calls, ours)
	_ = out
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// the callee (a far end, here) re-INVITEs us, the caller
	ch, err := in.ReofferT38(ctx, 47000, t38.Params{Version: 0, MaxBitRate: 9600, RateManagement: t38.TransferredTCF, UDPEC: t38.ECFEC})
	if err != nil {
		t.Fatal(err)
	}
	// our answer: our port and parameters, its lower rate, redundancy
	if ch.T38.Remote.Port() != 45000 || ch.T38.Params.MaxBitRate != 9600 || ch.T38.Params.UDPEC != t38.ECRedundancy {
		t.Errorf("our answer %+v", ch.T38)
	}
	got := nextModified(t, out)
	if !got.T38.Enabled() || got.T38.Remote.Port() != 47000 {
		t.Errorf("our choice %+v", got.T38)
	}
	out.mu.Lock()
	refresh := string(out.localOffer.Marshal())
	out.mu.Unlock()
	if !strings.Contains(refresh, "m=image 45000 udptl t38") || strings.Contains(refresh, "m=audio") {
		t.Errorf("our refreshes would offer:\n%s", refresh)
	}
	if _, err := in.Reoffer(ctx, []sdp.Format{pcmuFmt}); err != nil {
		t.Fatal(err)
	}
	if got := nextModified(t, out); got.T38.Enabled() || got.Codec.Name != "PCMU" {
		t.Errorf("back to audio: %+v", got)
	}
	out.mu.Lock()
	refresh = string(out.localOffer.Marshal())
	out.mu.Unlock()
	if !strings.Contains(refresh, "m=audio 39720 RTP/AVP 0") {
		t.Errorf("our refreshes would offer:\n%s", refresh)
	}
}

// TestT38Refused: a far end without T.38 (no T38Handler), or whose
// handler refuses, answers 488 with a Warning saying why, counts it, and
// the call stays on audio; a far end that never answers is ctx's error.
func TestT38Refused(t *testing.T) {
	for _, c := range []struct {
		name string
		h    Handler
		want string
	}{
		{"no T.38", nil, "T.38 fax relay is off"},
		{"refused", &t38Handler{err: errors.New("no UDPTL port")}, "no UDPTL port"},
	} {
		t.Run(c.name, func(t *testing.T) {
			calls := make(chan *Call, 1)
			h := c.h
			if h == nil {
				h = holdHandler{calls: calls}
			} else {
				h.(*t38Handler).calls = calls
			}
			out, in, callee, _ := t38Call(t, Config{}, h, calls, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := out.ReofferT38(ctx, 46000, testT38)
			var se *StatusError
			if !errors.As(err, &se) || se.Code != 488 || !strings.Contains(se.Warning, c.want) {
				t.Fatalf("%v (warning %q), want 488 saying %q", err, se.Warning, c.want)
			}
			t.Logf("%v: Warning: %s", err, se.Warning)
			if callee.Stats().T38Refused.Load() != 1 {
				t.Errorf("refusals counted: %d", callee.Stats().T38Refused.Load())
			}
			if _, _, on := out.T38(); on || out.Choice().Codec.Name != "PCMU" {
				t.Errorf("after the refusal: %+v", out.Choice())
			}
			if _, _, on := in.T38(); on {
				t.Error("far end on T.38")
			}
		})
	}
	t.Run("no answer", func(t *testing.T) {
		h := &t38Handler{holdHandler: holdHandler{calls: make(chan *Call, 1)}, delay: 3 * time.Second}
		out, _, _, _ := t38Call(t, Config{}, h, h.calls, nil)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if _, err := out.ReofferT38(ctx, 46000, testT38); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%v, want the deadline", err)
		}
		if _, _, on := out.T38(); on {
			t.Error("on T.38 without an answer")
		}
	})
}

// TestT38BadOffer: a re-INVITE whose T.38 attributes are wrong is
// answered 488 with a Warning naming the attribute, and counted; the
// call goes on.
func TestT38BadOffer(t *testing.T) {
	h := &t38Handler{holdHandler: holdHandler{calls: make(chan *Call, 1)}}
	out, in, callee, _ := t38Call(t, Config{}, h, h.calls, nil)
	for i, bad := range []string{"a=T38MaxBitRate:lots\r\n", "a=T38FaxRateManagement:localTCF\r\n", "a=T38FaxUdpEC:t38UDPNothing\r\n", "a=T38FaxVersion:7\r\n"} {
		body := "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=image 46000 udptl t38\r\na=T38FaxVersion:0\r\n" + bad
		time.Sleep(50 * time.Millisecond) // the far end lets go of the last one after its answer
		req := out.inDialog(sipmsg.INVITE)
		req.AppendHeader(out.contact())
		req.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
		req.SetBody([]byte(body))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		res, err := out.transact(ctx, req)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		w := ""
		if hw := res.GetHeader("Warning"); hw != nil {
			w = hw.Value()
		}
		name := strings.TrimPrefix(strings.SplitN(bad, ":", 2)[0], "a=")
		if res.StatusCode != 488 || !strings.Contains(w, name) {
			t.Errorf("%q: %d, Warning %q", bad, res.StatusCode, w)
		}
		t.Logf("%s -> %d %s; Warning: %s", strings.TrimSpace(bad), res.StatusCode, res.Reason, w)
		if n := callee.Stats().T38Refused.Load(); n != int64(i+1) {
			t.Errorf("counted %d", n)
		}
	}
	if h.offered.Load() != 0 {
		t.Error("the gateway was asked for a port for a bad offer")
	}
	if _, _, on := in.T38(); on {
		t.Error("on T.38")
	}
	select {
	case <-in.Done():
		t.Error("the call ended")
	default:
	}
}

// TestT38SessionRefresh: session refreshes during T.38 (re-INVITE or
// UPDATE, 2 s sessions) keep the call on T.38: the refreshing re-INVITE
// offers the image line again, the far end's T38Handler is not asked
// again, nothing goes back to audio. A far end's re-INVITE without SDP
// gets our image line as an offer.
func TestT38SessionRefresh(t *testing.T) {
	for _, byUpdate := range []bool{false, true} {
		name := "reinvite"
		if byUpdate {
			name = "update"
		}
		t.Run(name, func(t *testing.T) {
			h := &t38Handler{holdHandler: holdHandler{calls: make(chan *Call, 1)}}
			cfg := Config{MinSE: time.Second, SessionExpires: 2 * time.Second, SessionRefreshByUpdate: byUpdate}
			out, in, _, _ := t38Call(t, cfg, h, h.calls, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := out.ReofferT38(ctx, 46000, testT38); err != nil {
				t.Fatal(err)
			}
			nextModified(t, in)
			in.mu.Lock()
			before := in.refreshed
			in.mu.Unlock()
			deadline := time.After(5 * time.Second) // two and a half intervals
		wait:
			for {
				select {
				case ev := <-in.Events():
					t.Fatalf("the far end saw %v (%+v) during T.38", ev.Kind, ev.Choice)
				case ev := <-out.Events():
					t.Fatalf("we saw %v (%+v) during T.38", ev.Kind, ev.Choice)
				case <-deadline:
					break wait
				}
			}
			in.mu.Lock()
			after := in.refreshed
			in.mu.Unlock()
			if after-before < 3 {
				t.Errorf("%d refreshes in 5 s", after-before)
			}
			if _, _, on := in.T38(); !on || h.offered.Load() != 1 {
				t.Errorf("far end on T.38: %v, asked %d times", on, h.offered.Load())
			}
			if _, _, on := out.T38(); !on {
				t.Error("we left T.38")
			}
			// A re-INVITE without SDP: we offer the session as it stands.
			req := in.inDialog(sipmsg.INVITE)
			req.AppendHeader(in.contact())
			res, err := in.transact(ctx, req)
			if err != nil || res.StatusCode != 200 || !strings.Contains(string(res.Body()), "m=image 46000 udptl t38") {
				t.Errorf("re-INVITE without SDP: %v %v", res, err)
			}
		})
	}
}
