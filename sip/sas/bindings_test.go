package sas

import (
	"slices"
	"testing"
	"time"
)

func TestBindingsExpiry(t *testing.T) {
	var b Bindings
	t0 := time.Unix(100, 0)
	b.Set("sip:1001@x", "sip:1001@127.0.0.1:5061", 10*time.Second, t0)
	b.Set("sip:1001@x", "sip:1001@127.0.0.1:5062", 20*time.Second, t0)
	if got := b.Lookup("sip:1001@x", t0.Add(5*time.Second)); len(got) != 2 {
		t.Fatalf("lookup at 5s: %v", got)
	}
	got := b.Lookup("sip:1001@x", t0.Add(10*time.Second))
	if !slices.Equal(got, []string{"sip:1001@127.0.0.1:5062"}) {
		t.Fatalf("lookup at 10s: %v", got)
	}
	if n := b.Expire(t0.Add(15 * time.Second)); n != 1 {
		t.Fatalf("expired %d, want 1", n)
	}
	if l := b.List(); len(l) != 1 {
		t.Fatalf("list %v", l)
	}
	b.Set("sip:1001@x", "sip:1001@127.0.0.1:5062", 0, t0)
	if l := b.List(); len(l) != 0 {
		t.Fatalf("after unregister: %v", l)
	}
}
