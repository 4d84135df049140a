package sip

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/potsgate/potsgate/sip/sdp"
)

var (
	g729Fmt = sdp.Format{PayloadType: 18, Name: "G729", ClockRate: 8000, Params: "annexb=no"}
	pcmuFmt = sdp.Format{PayloadType: 0, Name: "PCMU", ClockRate: 8000}
	pcmaFmt = sdp.Format{PayloadType: 8, Name: "PCMA", ClockRate: 8000}
)

// TestReoffer: a call set up in G.729 moves to G.711 by a re-INVITE
// offering only G.711, as for fax; a far end without the offered coder
// refuses with 488 and the call keeps its codec.
func TestReoffer(t *testing.T) {
	h := holdHandler{calls: make(chan *Call, 1)}
	callee := startUA(t, Config{Codecs: []sdp.Format{g729Fmt, pcmuFmt}}, h)
	caller := startUA(t, Config{Codecs: []sdp.Format{g729Fmt, pcmuFmt}}, &answeringHandler{t: t})
	out, err := caller.Dial(context.Background(), Dial{To: "101", Host: callee.Addr().String(), From: "x", LocalPort: 39710})
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, out, EventAnswered)
	if c := out.Choice().Codec.Name; c != "G729" {
		t.Fatalf("the call starts in %s, want G729", c)
	}
	in := <-h.calls
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	var se *StatusError
	if _, err := in.Reoffer(ctx, []sdp.Format{pcmaFmt}); !errors.As(err, &se) || se.Code != 488 {
		t.Fatalf("offer of PCMA alone: %v, want 488", err)
	}
	if in.Choice().Codec.Name != "G729" {
		t.Fatalf("after the refusal the call is in %s", in.Choice().Codec.Name)
	}
	ch, err := in.Reoffer(ctx, []sdp.Format{pcmuFmt, pcmaFmt})
	if err != nil {
		t.Fatal(err)
	}
	if ch.Codec.Name != "PCMU" || ch.Direction != sdp.SendRecv {
		t.Errorf("callee's media after the re-offer %+v, want PCMU sendrecv", ch)
	}
	if got := nextModified(t, out); got.Codec.Name != "PCMU" {
		t.Errorf("caller's media after the re-offer %+v, want PCMU", got)
	}
	if _, err := in.Reoffer(ctx, nil); !errors.Is(err, ErrNoFormats) {
		t.Errorf("empty re-offer: %v", err)
	}
	_ = out.Hangup(ctx)
}
