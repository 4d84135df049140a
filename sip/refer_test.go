package sip

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"
)

// TestReplacesURI: the Refer-To of an attended transfer names the far
// end's Contact and, in Replaces, the dialog as the far end sees it: its
// own tag as to-tag, ours as from-tag (RFC 3891 section 3).
func TestReplacesURI(t *testing.T) {
	farH := &answeringHandler{t: t}
	far := startUA(t, Config{}, farH)
	gw := startUA(t, Config{}, &answeringHandler{t: t})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := gw.Dial(ctx, Dial{To: "201", Host: far.Addr().String(), From: "101", LocalPort: 40000})
	if err != nil {
		t.Fatal(err)
	}
	for ev := range c.Events() {
		if ev.Kind == EventAnswered {
			break
		}
		if ev.Kind == EventEnded {
			t.Fatalf("call ended %d %s", ev.Code, ev.Reason)
		}
	}
	if !c.Answered() {
		t.Fatal("Answered false after the answer")
	}
	var theirs *Call
	for _, fc := range far.Calls() {
		if fc.ID() == c.ID() {
			theirs = fc
		}
	}
	if theirs == nil {
		t.Fatal("the far end has no such call")
	}
	theirs.mu.Lock()
	toTag, fromTag := theirs.localTag, theirs.remoteTag
	theirs.mu.Unlock()
	want := "sip:201@" + far.Addr().String() + "?Replaces=" + url.QueryEscape(c.ID()+";to-tag="+toTag+";from-tag="+fromTag)
	if got := c.replacesURI(); got != want {
		t.Errorf("Refer-To\n got %s\nwant %s", got, want)
	}
	// A consultation call not answered yet cannot be replaced.
	if _, err := c.ReferReplaces(ctx, &Call{}); !errors.Is(err, ErrNotAnswered) {
		t.Errorf("ReferReplaces to an unanswered call: %v", err)
	}
	_ = c.Hangup(ctx)
}
