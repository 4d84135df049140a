package gateway

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/provisioning/ini"
)

// Accounts, sessions and the login rate limit of the web management
// pages.

const (
	sessionCookie = ProductName + "_session"
	csrfField     = "csrf"
	// maxSessions bounds memory: the least recently used session goes
	// when a login would pass it.
	maxSessions = 64
	// maxFailureRecords bounds the addresses remembered for the rate
	// limit; the oldest goes first.
	maxFailureRecords = 1024
	// failureWindow is how long a failed login counts.
	failureWindow = 15 * time.Minute
)

// account is a WebUsers row that can log in.
type account struct {
	user string
	priv Privilege
	// cred identifies the credentials: a session keeps it, so a changed
	// password ends the sessions opened with the old one.
	cred [32]byte
}

func credentials(user, password string) [32]byte {
	h := sha256.New()
	io.WriteString(h, ProductName+" web account\x00")
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(user)))
	h.Write(n[:])
	io.WriteString(h, user)
	io.WriteString(h, password)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// accounts are the configured rows that can log in: a user name and a
// password.
func accounts(c provisioning.Config) []account {
	var out []account
	for _, r := range c.Table(TableWebUsers) {
		user, pass := r.String("Username"), r.String("Password")
		if user == "" || pass == "" {
			continue
		}
		out = append(out, account{user: user, priv: Privilege(r.Int("Privilege")), cred: credentials(user, pass)})
	}
	return out
}

// managementOn: some account can log in.
func managementOn(c provisioning.Config) bool { return len(accounts(c)) > 0 }

func hasAdmin(c provisioning.Config) bool {
	for _, a := range accounts(c) {
		if a.priv >= Admin {
			return true
		}
	}
	return false
}

// authenticate finds the account of user and password. Every account is
// compared, each in constant time, so the time taken tells neither which
// account matched nor how much of a password was right.
func authenticate(c provisioning.Config, user, password string) (account, bool) {
	if user == "" || password == "" {
		return account{}, false
	}
	want := credentials(user, password)
	var found account
	ok := 0
	for _, a := range accounts(c) {
		match := subtle.ConstantTimeCompare(a.cred[:], want[:])
		if match == 1 && ok == 0 {
			found = a
		}
		ok |= match
	}
	return found, ok == 1
}

// accountFor is the account a session logged in as, if it is still
// configured with the same password (its privilege as configured now).
func accountFor(c provisioning.Config, user string, cred [32]byte) (account, bool) {
	for _, a := range accounts(c) {
		if a.user == user && subtle.ConstantTimeCompare(a.cred[:], cred[:]) == 1 {
			return a, true
		}
	}
	return account{}, false
}

func knownUser(c provisioning.Config, user string) bool {
	for _, a := range accounts(c) {
		if a.user == user {
			return true
		}
	}
	return false
}

// writeIni writes c as an ini file; secrets in clear only for a backup.
func writeIni(w io.Writer, c provisioning.Config, secrets bool) error {
	if secrets {
		return ini.Write(w, c.ExportWithSecrets())
	}
	return ini.Write(w, c.Export())
}

// clientAddr is what the rate limit counts failures by: the peer's
// address (never a forwarded header, which the client writes), IPv6 by
// its /64, which one host usually has whole.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap().WithZone("")
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

func hasSessionCookie(r *http.Request) bool {
	_, err := r.Cookie(sessionCookie)
	return err == nil
}

func clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	if !hasSessionCookie(r) {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
}

// randomToken is 256 random bits, URL-safe.
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails: crypto/rand crashes the program rather than return weak bytes
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// sessionStore holds the login sessions and the failed logins per
// address. One admin handler owns it. Expired entries are swept when the
// store is used, so it needs no goroutine.
type sessionStore struct {
	now         func() time.Time
	idle        time.Duration
	maxFailures int
	lockout     time.Duration

	mu       sync.Mutex
	sessions map[string]*session
	failures map[string]*failures
	swept    time.Time
}

type session struct {
	sessionView
	last  time.Time
	flash *notice
}

// sessionView is a session as a request sees it.
type sessionView struct {
	id, csrf string
	user     string
	cred     [32]byte
}

func (s sessionView) checkCSRF(token string) bool {
	return s.csrf != "" && subtle.ConstantTimeCompare([]byte(s.csrf), []byte(token)) == 1
}

type failures struct {
	count int
	last  time.Time
	// until: logins from the address are refused until then.
	until time.Time
}

func newSessionStore(o AdminOptions) *sessionStore {
	return &sessionStore{now: o.Now, idle: o.IdleTimeout, maxFailures: o.MaxLoginFailures, lockout: o.LoginLockout,
		sessions: map[string]*session{}, failures: map[string]*failures{}}
}

// sweep drops expired sessions and forgotten failures, at most once a
// second; called with mu held.
func (s *sessionStore) sweep(now time.Time) {
	if now.Sub(s.swept) < time.Second && !now.Before(s.swept) {
		return
	}
	s.swept = now
	for id, ss := range s.sessions {
		if now.Sub(ss.last) >= s.idle {
			delete(s.sessions, id)
		}
	}
	for addr, f := range s.failures {
		if !now.Before(f.until) && now.Sub(f.last) >= failureWindow {
			delete(s.failures, addr)
		}
	}
}

func (s *sessionStore) create(a account) sessionView {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.sweep(now)
	if len(s.sessions) >= maxSessions {
		var oldest *session
		for _, ss := range s.sessions {
			if oldest == nil || ss.last.Before(oldest.last) {
				oldest = ss
			}
		}
		delete(s.sessions, oldest.id)
	}
	ss := &session{sessionView: sessionView{id: randomToken(), csrf: randomToken(), user: a.user, cred: a.cred}, last: now}
	s.sessions[ss.id] = ss
	return ss.sessionView
}

// get finds a live session; touch counts this as use of it.
func (s *sessionStore) get(id string, touch bool) (sessionView, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.sweep(now)
	ss, ok := s.sessions[id]
	if !ok {
		return sessionView{}, false
	}
	if now.Sub(ss.last) >= s.idle {
		delete(s.sessions, id)
		return sessionView{}, false
	}
	if touch {
		ss.last = now
	}
	return ss.sessionView, true
}

func (s *sessionStore) drop(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, id)
}

func (s *sessionStore) setFlash(id string, n notice) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss, ok := s.sessions[id]; ok {
		ss.flash = &n
	}
}

func (s *sessionStore) takeFlash(id string) (notice, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.sessions[id]
	if !ok || ss.flash == nil {
		return notice{}, false
	}
	n := *ss.flash
	ss.flash = nil
	return n, true
}

// lockedOut is how long logins from addr are still refused (0: not).
func (s *sessionStore) lockedOut(addr string) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.sweep(now)
	if f, ok := s.failures[addr]; ok && now.Before(f.until) {
		return f.until.Sub(now)
	}
	return 0
}

// loginFailed counts a failure from addr; true when it locks addr out.
func (s *sessionStore) loginFailed(addr string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.sweep(now)
	f, ok := s.failures[addr]
	if !ok {
		if len(s.failures) >= maxFailureRecords {
			var oldest string
			for a, x := range s.failures {
				if oldest == "" || x.last.Before(s.failures[oldest].last) {
					oldest = a
				}
			}
			delete(s.failures, oldest)
		}
		f = &failures{}
		s.failures[addr] = f
	}
	if now.Sub(f.last) >= failureWindow {
		f.count = 0
	}
	f.count++
	f.last = now
	if f.count >= s.maxFailures {
		f.count = 0
		f.until = now.Add(s.lockout)
		return true
	}
	return false
}

func (s *sessionStore) loginSucceeded(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.failures, addr)
}
