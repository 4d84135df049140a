package sas

import (
	"sort"
	"sync"
	"time"
)

// Binding is one registered contact of an address of record. SAS keys
// bindings by the user part of the AOR (the branch has one domain).
type Binding struct {
	AOR     string
	Contact string
	Expires time.Time
}

// Bindings is a registrar binding table, safe for concurrent use. Time is
// passed in so expiry is testable without sleeping.
type Bindings struct {
	mu sync.Mutex
	m  map[string]map[string]time.Time // aor -> contact -> expiry
}

// Set records (or with ttl <= 0 removes) a contact for aor.
func (b *Bindings) Set(aor, contact string, ttl time.Duration, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ttl <= 0 {
		delete(b.m[aor], contact)
		if len(b.m[aor]) == 0 {
			delete(b.m, aor)
		}
		return
	}
	if b.m == nil {
		b.m = make(map[string]map[string]time.Time)
	}
	if b.m[aor] == nil {
		b.m[aor] = make(map[string]time.Time)
	}
	b.m[aor][contact] = now.Add(ttl)
}

// Lookup returns the unexpired contacts of aor, sorted.
func (b *Bindings) Lookup(aor string, now time.Time) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for c, exp := range b.m[aor] {
		if now.Before(exp) {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

// Expire removes bindings expired at now and returns how many it removed.
func (b *Bindings) Expire(now time.Time) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for aor, cs := range b.m {
		for c, exp := range cs {
			if !now.Before(exp) {
				delete(cs, c)
				n++
			}
		}
		if len(cs) == 0 {
			delete(b.m, aor)
		}
	}
	return n
}

// List returns all bindings (including not yet purged expired ones), sorted.
func (b *Bindings) List() []Binding {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []Binding
	for aor, cs := range b.m {
		for c, exp := range cs {
			out = append(out, Binding{AOR: aor, Contact: c, Expires: exp})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].AOR != out[j].AOR {
			return out[i].AOR < out[j].AOR
		}
		return out[i].Contact < out[j].Contact
	})
	return out
}

// Len returns the number of bindings held (including not yet purged
// expired ones).
func (b *Bindings) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, cs := range b.m {
		n += len(cs)
	}
	return n
}

// RemoveAll removes every contact of aor (REGISTER with Contact: *).
func (b *Bindings) RemoveAll(aor string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.m, aor)
}

// Has reports whether aor already holds contact (so refreshing it does not
// count against a cap).
func (b *Bindings) Has(aor, contact string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.m[aor][contact]
	return ok
}

// Expiry returns when contact of aor expires.
func (b *Bindings) Expiry(aor, contact string) (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.m[aor][contact]
	return t, ok
}
