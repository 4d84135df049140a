package sip

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/potsgate/potsgate/sip/sdp"
)

// holdHandler answers and hands the call to the test.
type holdHandler struct{ calls chan *Call }

func (h holdHandler) IncomingCall(c *Call) {
	go func() {
		conn, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			_ = c.Reject(500, "no media port")
			return
		}
		defer conn.Close()
		if c.Answer(conn.LocalAddr().(*net.UDPAddr).Port) == nil {
			h.calls <- c
			<-c.Done()
		}
	}()
}
func (holdHandler) CheckSync(context.Context, bool) error { return nil }

// nextModified waits for the far end's view of a re-INVITE.
func nextModified(t *testing.T, c *Call) sdp.Choice {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev := <-c.Events():
			if ev.Kind == EventModified {
				return ev.Choice
			}
			if ev.Kind == EventEnded {
				t.Fatalf("call ended (%d %s)", ev.Code, ev.Reason)
			}
		case <-timeout:
			t.Fatal("no re-INVITE reached the far end")
		}
	}
}

// TestHoldAndResume: either side puts the other on hold with a sendonly
// re-INVITE (the held side answers recvonly) and resumes with sendrecv.
func TestHoldAndResume(t *testing.T) {
	h := holdHandler{calls: make(chan *Call, 1)}
	callee := startUA(t, Config{}, h)
	caller := startUA(t, Config{}, &answeringHandler{t: t})
	out, err := caller.Dial(context.Background(), Dial{To: "101", Host: callee.Addr().String(), From: "x", LocalPort: 39700})
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, out, EventAnswered)
	in := <-h.calls
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, side := range []struct {
		name         string
		holder, held *Call
	}{{"caller holds", out, in}, {"callee holds", in, out}} {
		ch, err := side.holder.Hold(ctx)
		if err != nil {
			t.Fatalf("%s: %v", side.name, err)
		}
		if ch.Direction != sdp.SendOnly || ch.Codec.Name != "PCMU" {
			t.Errorf("%s: holder's media %+v, want PCMU sendonly", side.name, ch)
		}
		if got := nextModified(t, side.held); got.Direction != sdp.RecvOnly {
			t.Errorf("%s: held side's direction %v, want recvonly", side.name, got.Direction)
		}
		if ch, err = side.holder.Resume(ctx); err != nil || ch.Direction != sdp.SendRecv {
			t.Fatalf("%s: resume: %+v, %v", side.name, ch, err)
		}
		if got := nextModified(t, side.held); got.Direction != sdp.SendRecv {
			t.Errorf("%s: after resume the held side's direction is %v", side.name, got.Direction)
		}
	}
	_ = out.Hangup(ctx)
	if _, err := out.Hold(ctx); !errors.Is(err, ErrCallEnded) {
		t.Errorf("hold of an ended call: %v, want ErrCallEnded", err)
	}
}
