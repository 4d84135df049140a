package gateway

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/media/tone"
	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/provisioning/ini"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
)

const (
	adminPass   = "admin-pass-1"
	monitorPass = "monitor-pass-1"
	// webUsersIni configures an admin and a monitor account.
	webUsersIni = `
[ WebUsers ]
FORMAT WebUsers_Index = WebUsers_Username, WebUsers_Password, WebUsers_Privilege;
WebUsers 0 = "admin", "` + adminPass + `", 1;
WebUsers 1 = "watch", "` + monitorPass + `", 0;
[ \WebUsers ]
`
	// sipSecret is a secret parameter that pages must mask.
	sipSecret = "sip-secret-9"
)

// adminRegistry is the gateway's registry with the web accounts (until
// NewRegistry has them itself).
func adminRegistry(t testing.TB) *provisioning.Registry {
	t.Helper()
	reg, err := NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := reg.Table(TableWebUsers); !ok {
		if err := reg.RegisterTable(AdminTables()...); err != nil {
			t.Fatal(err)
		}
	}
	return reg
}

// fakeHost applies files with the real registry, as cmd's host does, and
// records restarts and factory resets.
type fakeHost struct {
	reg *provisioning.Registry
	mu  sync.Mutex
	cfg provisioning.Config
	// factory is what FactoryDefaults installs.
	factory   provisioning.Config
	restarts  []string
	factories int
}

func newFakeHost(t testing.TB, text string) *fakeHost {
	t.Helper()
	reg := adminRegistry(t)
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return &fakeHost{reg: reg, cfg: res.Config, factory: reg.Defaults()}
}

func (h *fakeHost) Config() provisioning.Config {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cfg
}

func (h *fakeHost) ApplyIni(_ context.Context, name string, text []byte) (provisioning.ApplyResult, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	res, err := h.reg.ApplyText(h.cfg, name, text)
	if err != nil {
		return res, err
	}
	h.cfg = res.Config
	return res, nil
}

func (h *fakeHost) Restart(_ context.Context, reason string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.restarts = append(h.restarts, reason)
	return nil
}

func (h *fakeHost) FactoryDefaults(context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.factories++
	h.cfg = h.factory
	return nil
}

func (h *fakeHost) set(t *testing.T, text string) {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	res, err := h.reg.ApplyText(h.cfg, "set.ini", []byte(text), provisioning.KeepUnlisted())
	if err != nil {
		t.Fatal(err)
	}
	h.cfg = res.Config
}

func exported(c provisioning.Config) string {
	var b bytes.Buffer
	_ = ini.Write(&b, c.ExportWithSecrets())
	return b.String()
}

// testClock is an injected clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer collects the handler's log.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type adminRig struct {
	*rig
	host  *fakeHost
	clock *testClock
	log   *syncBuffer
	srv   *httptest.Server
}

func newAdminRig(t *testing.T, hostIni string) *adminRig {
	t.Helper()
	r := newRig(t, "", 2, noMedia{})
	a := &adminRig{rig: r, host: newFakeHost(t, hostIni), clock: &testClock{t: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)}, log: &syncBuffer{}}
	a.srv = httptest.NewServer(r.g.AdminHandler(a.host, AdminOptions{Now: a.clock.Now,
		Logger: slog.New(slog.NewTextHandler(a.log, &slog.HandlerOptions{Level: slog.LevelDebug}))}))
	t.Cleanup(a.srv.Close)
	t.Cleanup(func() {
		// No secret in the log, whatever the test did.
		for _, s := range []string{adminPass, monitorPass, sipSecret} {
			if strings.Contains(a.log.String(), s) {
				t.Errorf("a secret is in the log:\n%s", a.log.String())
			}
		}
	})
	return a
}

// browser is a client with a cookie jar that follows redirects.
type browser struct {
	t    *testing.T
	c    *http.Client
	base string
}

func (a *adminRig) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	c := a.srv.Client()
	c.Jar = jar
	return &browser{t: t, c: c, base: a.srv.URL}
}

// do sends a request and returns the final status and body.
func (b *browser) do(req *http.Request) (int, string) {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) login(user, pass string) (int, string) {
	b.t.Helper()
	return b.post("/login", url.Values{"username": {user}, "password": {pass}})
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the session's token, read from a page as a browser would.
func (b *browser) csrf() string {
	b.t.Helper()
	code, page := b.get("/maintenance")
	m := csrfRE.FindStringSubmatch(page)
	if code != 200 || m == nil {
		b.t.Fatalf("no CSRF token on /maintenance (%d):\n%s", code, page)
	}
	return m[1]
}

func (b *browser) upload(csrf, name, text string, extra url.Values) (int, string) {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", csrf)
	for k, vs := range extra {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile("ini", name)
	_, _ = io.WriteString(fw, text)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", b.base+"/config/upload", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// TestAdminOffWithoutUsers: with no WebUsers row the status pages are
// served as StatusHandler serves them and the management pages answer
// 404 saying how to turn them on.
func TestAdminOffWithoutUsers(t *testing.T) {
	a := newAdminRig(t, "Password = '"+sipSecret+"'\nUserName = 'gw'\n")
	b := a.browser(t)
	if code, page := b.get("/"); code != 200 || !strings.Contains(page, "<td>101</td>") {
		t.Errorf("status page: %d\n%s", code, page)
	}
	if code, js := b.get("/status"); code != 200 || !strings.Contains(js, `"number": "102"`) {
		t.Errorf("JSON status: %d\n%s", code, js)
	}
	if code, cfg := b.get("/ini"); code != 200 || !strings.Contains(cfg, "UserName = 'gw'") || strings.Contains(cfg, sipSecret) {
		t.Errorf("ini: %d\n%s", code, cfg)
	}
	for _, path := range []string{"/login", "/config", "/config/download", "/maintenance"} {
		if code, page := b.get(path); code != 404 || !strings.Contains(page, "WebUsers") {
			t.Errorf("GET %s without accounts: %d %q", path, code, page)
		}
	}
	if code, _ := b.login("admin", adminPass); code != 404 {
		t.Errorf("POST /login without accounts: %d", code)
	}
	// A row with no password is no account.
	a.host.set(t, "[ WebUsers ]\nFORMAT WebUsers_Index = WebUsers_Username, WebUsers_Privilege;\nWebUsers 0 = \"admin\", 1;\n[ \\WebUsers ]\n")
	if code, _ := b.get("/maintenance"); code != 404 {
		t.Errorf("an account without a password turned management on: %d", code)
	}
}

// TestAdminLoginRateLimit: a wrong password is refused; the fifth
// failure from an address refuses every login from it, the right one
// included, for a minute (injected clock).
func TestAdminLoginRateLimit(t *testing.T) {
	a := newAdminRig(t, webUsersIni)
	b := a.browser(t)
	if code, page := b.get("/"); code != 200 || !strings.Contains(page, `action="/login"`) {
		t.Fatalf("a visitor is not sent to the login form: %d\n%s", code, page)
	}
	for i := 1; i <= 4; i++ {
		if code, page := b.login("admin", "wrong-password"); code != 401 || !strings.Contains(page, "Wrong user name or password") {
			t.Fatalf("wrong password %d: %d\n%s", i, code, page)
		}
	}
	// The password typed as a user name must not reach the log.
	if code, page := b.login(adminPass, "x"); code != 429 || !strings.Contains(page, "try again in 60 s") {
		t.Fatalf("fifth failure: %d\n%s", code, page)
	}
	if code, _ := b.login("admin", adminPass); code != 429 {
		t.Fatalf("right password while locked out: %d, want 429", code)
	}
	a.clock.Advance(59 * time.Second)
	if code, _ := b.login("admin", adminPass); code != 429 {
		t.Fatalf("right password 59 s into the lockout: %d, want 429", code)
	}
	a.clock.Advance(2 * time.Second)
	if code, page := b.login("admin", adminPass); code != 200 || !strings.Contains(page, "Administrative state") {
		t.Fatalf("right password after the lockout: %d\n%s", code, page)
	}
	if !strings.Contains(a.log.String(), "web login failed") || !strings.Contains(a.log.String(), "locked_out=true") {
		t.Errorf("failures not logged:\n%s", a.log.String())
	}
}

// TestAdminMonitorReadOnly: a monitor account views status,
// configuration (secrets masked) and maintenance, and every action is
// 403, its CSRF token notwithstanding.
func TestAdminMonitorReadOnly(t *testing.T) {
	a := newAdminRig(t, webUsersIni+"Password = '"+sipSecret+"'\nUserName = 'gw'\n")
	b := a.browser(t)
	if code, _ := b.login("watch", monitorPass); code != 200 {
		t.Fatalf("monitor login: %d", code)
	}
	for _, path := range []string{"/", "/config", "/maintenance", "/status", "/ini"} {
		code, page := b.get(path)
		if code != 200 {
			t.Errorf("GET %s as monitor: %d", path, code)
		}
		for _, s := range []string{adminPass, monitorPass, sipSecret} {
			if strings.Contains(page, s) {
				t.Errorf("GET %s shows a secret:\n%s", path, page)
			}
		}
		if strings.Contains(page, "reset-port") || strings.Contains(page, "/config/upload") {
			t.Errorf("GET %s offers a monitor actions:\n%s", path, page)
		}
	}
	code, dl := b.get("/config/download")
	if code != 200 || !strings.Contains(dl, "WebUsers 0 = \"admin\", \"*\", 1;") || !strings.Contains(dl, "Password = '*'") ||
		strings.Contains(dl, adminPass) || strings.Contains(dl, sipSecret) {
		t.Errorf("download as monitor (secrets masked): %d\n%s", code, dl)
	}
	token := b.csrf()
	for _, path := range []string{"/maintenance/lock", "/maintenance/unlock", "/maintenance/reset-port", "/config/backup"} {
		if code, _ := b.post(path, url.Values{"csrf": {token}, "port": {"1"}}); code != 403 {
			t.Errorf("POST %s as monitor: %d, want 403", path, code)
		}
	}
	if code, _ := b.upload(token, "gw.ini", webUsersIni, nil); code != 403 {
		t.Errorf("upload as monitor: %d, want 403", code)
	}
	if a.g.Locked() {
		t.Error("a monitor locked the gateway")
	}
	// Logging out is the monitor's own business.
	if code, page := b.post("/logout", url.Values{"csrf": {token}}); code != 200 || !strings.Contains(page, "Logged out") {
		t.Errorf("monitor logout: %d\n%s", code, page)
	}
}

// TestAdminUpload: an invalid file is refused whole with its errors
// listed as file:line and the running configuration untouched; a valid
// one is applied; one that leaves no admin account is refused unless
// asked for.
func TestAdminUpload(t *testing.T) {
	a := newAdminRig(t, webUsersIni+"Password = '"+sipSecret+"'\n")
	b := a.browser(t)
	if code, _ := b.login("admin", adminPass); code != 200 {
		t.Fatalf("admin login: %d", code)
	}
	token := b.csrf()
	before := exported(a.host.Config())
	bad := webUsersIni + "CDRReportLevel = 1\nCDRReportLevel2 = 3\nGracefulLockTimeout = many\nPrackMode = 7\n"
	code, page := b.upload(token, "bad.ini", bad, nil)
	if code != 200 || !strings.Contains(page, "Nothing applied") || !strings.Contains(page, "bad.ini:9:") || !strings.Contains(page, "bad.ini:10:") ||
		!strings.Contains(page, "GracefulLockTimeout") {
		t.Errorf("bad upload page: %d\n%s", code, page)
	}
	if after := exported(a.host.Config()); after != before {
		t.Errorf("a refused file changed the configuration:\n%s\nwas\n%s", after, before)
	}
	// The masked download, edited and uploaded back, keeps the passwords.
	_, dl := b.get("/config/download")
	good := dl + "CDRReportLevel = 2\nGracefulLockTimeout = 30\n"
	code, page = b.upload(token, `C:\configs\good.ini`, good, nil)
	if code != 200 || !strings.Contains(page, "good.ini applied") || !strings.Contains(page, "CDRReportLevel") {
		t.Errorf("good upload page: %d\n%s", code, page)
	}
	c := a.host.Config()
	if c.Int("CDRReportLevel") != 2 || c.Int(ParamGracefulLockTimeout) != 30 || c.String("Password") != sipSecret {
		t.Errorf("applied configuration: CDRReportLevel %d, GracefulLockTimeout %d, password kept %v",
			c.Int("CDRReportLevel"), c.Int(ParamGracefulLockTimeout), c.String("Password") == sipSecret)
	}
	if _, ok := authenticate(c, "admin", adminPass); !ok {
		t.Error("the admin password did not survive the masked round trip")
	}
	// Still logged in: the account did not change.
	before = exported(c)
	code, page = b.upload(token, "small.ini", "CDRReportLevel = 1\n", nil)
	if code != 200 || !strings.Contains(page, "leaves no admin account") {
		t.Errorf("a file without WebUsers: %d\n%s", code, page)
	}
	if exported(a.host.Config()) != before {
		t.Error("a file leaving no admin account was applied")
	}
	code, page = b.upload(token, "small.ini", "CDRReportLevel = 1\n", url.Values{"allow_no_admin": {"1"}})
	if code != 404 || !strings.Contains(page, "WebUsers") || a.host.Config().Int("CDRReportLevel") != 1 {
		t.Errorf("a file leaving no account, asked for: %d %q, CDRReportLevel %d", code, page, a.host.Config().Int("CDRReportLevel"))
	}
}

// TestAdminCSRF: a POST without the session's token, with a wrong one,
// or from another site is refused and does nothing.
func TestAdminCSRF(t *testing.T) {
	a := newAdminRig(t, webUsersIni)
	b := a.browser(t)
	if code, _ := b.login("admin", adminPass); code != 200 {
		t.Fatalf("admin login: %d", code)
	}
	token := b.csrf()
	// One character changed: "x" alone would equal a token that starts with x.
	wrong := string(token[0]^1) + token[1:]
	for _, form := range []url.Values{{"mode": {"immediate"}}, {"mode": {"immediate"}, "csrf": {wrong}}, {"csrf": {""}}} {
		if code, _ := b.post("/maintenance/lock", form); code != 403 {
			t.Errorf("lock with %v: %d, want 403", form, code)
		}
	}
	req, _ := http.NewRequest("POST", b.base+"/maintenance/lock", strings.NewReader(url.Values{"csrf": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if code, _ := b.do(req); code != 403 {
		t.Errorf("cross-site lock: %d, want 403", code)
	}
	req, _ = http.NewRequest("POST", b.base+"/maintenance/lock", strings.NewReader(url.Values{"csrf": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://evil.example")
	if code, _ := b.do(req); code != 403 {
		t.Errorf("lock with a foreign Origin: %d, want 403", code)
	}
	if code, _ := b.upload("wrong", "gw.ini", webUsersIni, nil); code != 403 {
		t.Errorf("upload with a wrong token: %d, want 403", code)
	}
	if a.g.Locked() {
		t.Fatal("a refused POST locked the gateway")
	}
	if code, page := b.post("/maintenance/lock", url.Values{"csrf": {token}, "mode": {"immediate"}}); code != 200 || !a.g.Locked() ||
		!strings.Contains(page, "Locked: no new calls") {
		t.Errorf("lock with the token: %d, locked %v\n%s", code, a.g.Locked(), page)
	}
}

// TestAdminSessionExpiry: a session lasts while it is used and ends 15
// minutes after its last use (injected clock); the status page's own
// refresh is not use.
func TestAdminSessionExpiry(t *testing.T) {
	a := newAdminRig(t, webUsersIni)
	b := a.browser(t)
	if code, _ := b.login("admin", adminPass); code != 200 {
		t.Fatalf("admin login: %d", code)
	}
	for range 3 {
		a.clock.Advance(14 * time.Minute)
		if code, page := b.get("/config"); code != 200 || !strings.Contains(page, "Running configuration") {
			t.Fatalf("in use after 14 min idle: %d\n%s", code, page)
		}
	}
	a.clock.Advance(10 * time.Minute)
	if code, _ := b.get("/?auto=1"); code != 200 {
		t.Fatalf("refresh: %d", code)
	}
	a.clock.Advance(5 * time.Minute)
	if code, page := b.get("/config"); code != 200 || !strings.Contains(page, "Your session ended") {
		t.Errorf("15 min after the last use (a refresh between): %d\n%s", code, page)
	}
	if code, _ := b.login("admin", adminPass); code != 200 {
		t.Fatalf("login again: %d", code)
	}
	token := b.csrf()
	a.clock.Advance(15 * time.Minute)
	if code, _ := b.post("/maintenance/lock", url.Values{"csrf": {token}}); code != 403 || a.g.Locked() {
		t.Errorf("POST with an expired session: %d, locked %v", code, a.g.Locked())
	}
}

// TestAdminLogout: logging out ends the session on the server, so the
// old cookie is worthless.
func TestAdminLogout(t *testing.T) {
	a := newAdminRig(t, webUsersIni)
	b := a.browser(t)
	if code, _ := b.login("admin", adminPass); code != 200 {
		t.Fatalf("admin login: %d", code)
	}
	u, _ := url.Parse(a.srv.URL)
	old := b.c.Jar.Cookies(u)
	token := b.csrf()
	if code, page := b.post("/logout", url.Values{"csrf": {token}}); code != 200 || !strings.Contains(page, "Logged out") {
		t.Fatalf("logout: %d\n%s", code, page)
	}
	if code, page := b.get("/maintenance"); code != 200 || !strings.Contains(page, `action="/login"`) {
		t.Errorf("after logout: %d\n%s", code, page)
	}
	replay := a.browser(t)
	replay.c.Jar.SetCookies(u, old)
	if code, page := replay.get("/maintenance"); !strings.Contains(page, `action="/login"`) {
		t.Errorf("the old cookie still works after logout: %d\n%s", code, page)
	}
	if !strings.Contains(a.log.String(), "web logout") {
		t.Errorf("logout not logged:\n%s", a.log.String())
	}
}

// TestAdminCookie: the session cookie is HttpOnly and SameSite=Strict,
// and Secure over TLS; each login gets a new 256-bit id.
func TestAdminCookie(t *testing.T) {
	host := newFakeHost(t, webUsersIni)
	r := newRig(t, "", 1, noMedia{})
	for _, tls := range []bool{false, true} {
		var srv *httptest.Server
		if tls {
			srv = httptest.NewTLSServer(r.g.AdminHandler(host, AdminOptions{}))
		} else {
			srv = httptest.NewServer(r.g.AdminHandler(host, AdminOptions{}))
		}
		defer srv.Close()
		c := srv.Client()
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		var ids []string
		for range 2 {
			res, err := c.PostForm(srv.URL+"/login", url.Values{"username": {"admin"}, "password": {adminPass}})
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			cookies := res.Cookies()
			if res.StatusCode != 303 || len(cookies) != 1 {
				t.Fatalf("login (TLS %v): %s, cookies %v", tls, res.Status, cookies)
			}
			ck := cookies[0]
			if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure != tls || ck.Path != "/" || len(ck.Value) != 43 {
				t.Errorf("cookie (TLS %v): %s", tls, res.Header.Get("Set-Cookie"))
			}
			ids = append(ids, ck.Value)
			if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
		}
		if ids[0] == ids[1] {
			t.Error("two logins got the same session id")
		}
	}
}

// TestAdminBasicAuth: scripts read /status and /ini with HTTP Basic
// credentials; the pages themselves want the login form.
func TestAdminBasicAuth(t *testing.T) {
	a := newAdminRig(t, webUsersIni)
	get := func(path, user, pass string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", a.srv.URL+path, nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		c := a.srv.Client()
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	if res, _ := get("/status", "", ""); res.StatusCode != 401 || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Basic") {
		t.Errorf("/status without credentials: %s %q", res.Status, res.Header.Get("WWW-Authenticate"))
	}
	if res, js := get("/status", "watch", monitorPass); res.StatusCode != 200 || !strings.Contains(js, `"number": "101"`) {
		t.Errorf("/status with credentials: %s\n%s", res.Status, js)
	}
	if res, _ := get("/ini", "watch", "nope"); res.StatusCode != 401 {
		t.Errorf("/ini with a wrong password: %s", res.Status)
	}
	if res, _ := get("/maintenance", "admin", adminPass); res.StatusCode != 303 {
		t.Errorf("/maintenance with Basic credentials: %s, want a redirect to the login form", res.Status)
	}
	for range 4 {
		get("/ini", "watch", "nope")
	}
	if res, _ := get("/status", "watch", monitorPass); res.StatusCode != 429 {
		t.Errorf("Basic after 5 failures: %s, want 429", res.Status)
	}
}

// TestAdminBackup: an admin's backup has the secrets (a restore must
// restore them), is an attachment, and is logged.
func TestAdminBackup(t *testing.T) {
	a := newAdminRig(t, webUsersIni+"Password = '"+sipSecret+"'\n")
	b := a.browser(t)
	if code, _ := b.login("admin", adminPass); code != 200 {
		t.Fatalf("admin login: %d", code)
	}
	_, page := b.get("/config")
	if strings.Contains(page, adminPass) || strings.Contains(page, sipSecret) || !strings.Contains(page, "passwords included") {
		t.Errorf("configuration page:\n%s", page)
	}
	req, _ := http.NewRequest("POST", b.base+"/config/backup", strings.NewReader(url.Values{"csrf": {b.csrf()}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") || res.Header.Get("Cache-Control") != "no-store" ||
		!strings.Contains(string(body), adminPass) || !strings.Contains(string(body), sipSecret) {
		t.Errorf("backup: %s %v\n%s", res.Status, res.Header, body)
	}
	// It restores: applied on factory defaults it gives the same configuration.
	reg := adminRegistry(t)
	restored, err := reg.ApplyText(reg.Defaults(), "backup.ini", body)
	if err != nil || exported(restored.Config) != exported(a.host.Config()) {
		t.Errorf("backup does not restore (%v)", err)
	}
	if !strings.Contains(a.log.String(), "backup downloaded") {
		t.Errorf("backup not logged:\n%s", a.log.String())
	}
}

// TestAdminMaintenance: lock (graceful, immediate) and unlock act on the
// gateway; restart and factory defaults ask first, then reach the host.
func TestAdminMaintenance(t *testing.T) {
	a := newAdminRig(t, webUsersIni)
	b := a.browser(t)
	if code, _ := b.login("admin", adminPass); code != 200 {
		t.Fatalf("admin login: %d", code)
	}
	token := b.csrf()
	post := func(path string, form url.Values) string {
		t.Helper()
		form.Set("csrf", token)
		code, page := b.post(path, form)
		if code != 200 {
			t.Fatalf("POST %s: %d\n%s", path, code, page)
		}
		return page
	}
	if page := post("/maintenance/lock", url.Values{"mode": {"graceful"}}); !a.g.Locked() || !strings.Contains(page, "Locked gracefully") ||
		!strings.Contains(page, "Administrative state: locked") {
		t.Errorf("graceful lock: locked %v\n%s", a.g.Locked(), page)
	}
	if page := post("/maintenance/unlock", url.Values{}); a.g.Locked() || !strings.Contains(page, "Administrative state: unlocked") {
		t.Errorf("unlock: locked %v\n%s", a.g.Locked(), page)
	}
	page := post("/maintenance/restart", url.Values{})
	if !strings.Contains(page, "Restart the gateway now?") || len(a.host.restarts) != 0 {
		t.Errorf("restart without confirmation: restarts %v\n%s", a.host.restarts, page)
	}
	if page := post("/maintenance/restart", url.Values{"confirm": {"yes"}}); len(a.host.restarts) != 1 || !strings.Contains(page, "Restarting") {
		t.Errorf("confirmed restart: restarts %v\n%s", a.host.restarts, page)
	}
	if page := post("/maintenance/factory-defaults", url.Values{}); !strings.Contains(page, "Download a backup first") || a.host.factories != 0 {
		t.Errorf("factory defaults without confirmation: %d\n%s", a.host.factories, page)
	}
	// The factory configuration has no account: management goes off.
	code, page := b.post("/maintenance/factory-defaults", url.Values{"csrf": {token}, "confirm": {"yes"}})
	if a.host.factories != 1 || code != 404 || !strings.Contains(page, "WebUsers") {
		t.Errorf("confirmed factory defaults: %d resets, %d\n%s", a.host.factories, code, page)
	}
	if !strings.Contains(a.log.String(), "action=factory-defaults") {
		t.Errorf("action not logged:\n%s", a.log.String())
	}
}

// TestAdminResetPort: resetting a port in a port-to-port call cuts the
// call on both lines; its phones then hang up and the lines are idle.
func TestAdminResetPort(t *testing.T) {
	a := newAdminRig(t, webUsersIni)
	caller, callee := a.phones[0], a.phones[1]
	caller.PickUp()
	caller.Wait(300 * time.Millisecond)
	caller.DialDTMF("102")
	waitFor(t, "102 rings", callee.Ringing)
	callee.PickUp()
	waitFor(t, "101 and 102 in a call", func() bool { return a.g.ports[0].inCall() && a.g.ports[1].inCall() })

	b := a.browser(t)
	if code, _ := b.login("admin", adminPass); code != 200 {
		t.Fatalf("admin login: %d", code)
	}
	token := b.csrf()
	code, page := b.post("/maintenance/reset-port", url.Values{"csrf": {token}, "port": {"1"}})
	if code != 200 || !strings.Contains(page, "Port 1 reset: its call ended") {
		t.Errorf("reset: %d\n%s", code, page)
	}
	waitFor(t, "both ports out of the call", func() bool { return !a.g.ports[0].inCall() && !a.g.ports[1].inCall() })
	caller.HangUp()
	callee.HangUp()
	waitFor(t, "both lines idle", func() bool { return a.g.ports[0].idle() && a.g.ports[1].idle() })
	if _, page := b.post("/maintenance/reset-port", url.Values{"csrf": {token}, "port": {"2"}}); !strings.Contains(page, "Port 2 had no call") {
		t.Errorf("reset of an idle port:\n%s", page)
	}
	if _, page := b.post("/maintenance/reset-port", url.Values{"csrf": {token}, "port": {"9"}}); !strings.Contains(page, "No such port: 9") {
		t.Errorf("reset of port 9:\n%s", page)
	}
	if _, err := a.g.ResetPort(0); err == nil {
		t.Error("ResetPort(0) accepted")
	}
}

// TestAdminAccountsLive: accounts apply at once: a demoted admin can no
// longer act, and a changed password ends the session.
func TestAdminAccountsLive(t *testing.T) {
	a := newAdminRig(t, webUsersIni)
	b := a.browser(t)
	if code, _ := b.login("admin", adminPass); code != 200 {
		t.Fatalf("admin login: %d", code)
	}
	token := b.csrf()
	a.host.set(t, strings.Replace(webUsersIni, `"`+adminPass+`", 1;`, `"`+adminPass+`", 0;`, 1))
	if code, _ := b.post("/maintenance/lock", url.Values{"csrf": {token}}); code != 403 || a.g.Locked() {
		t.Errorf("demoted admin locks: %d", code)
	}
	a.host.set(t, strings.Replace(webUsersIni, adminPass, "another-pass-2", 1))
	if code, page := b.get("/maintenance"); code != 200 || !strings.Contains(page, "Your session ended") {
		t.Errorf("after a password change: %d\n%s", code, page)
	}
}

// TestWebUsersTable: the table refuses short passwords and odd user
// names, and exports the password masked.
func TestWebUsersTable(t *testing.T) {
	reg := adminRegistry(t)
	_, err := reg.ApplyText(reg.Defaults(), "u.ini", []byte(`[ WebUsers ]
FORMAT WebUsers_Index = WebUsers_Username, WebUsers_Password, WebUsers_Privilege;
WebUsers 0 = "admin", "short", 1;
WebUsers 1 = "bad name", "long-enough-1", 1;
WebUsers 2 = "ok", "long-enough-1", 2;
[ \WebUsers ]
`))
	msg := fmt.Sprint(err)
	for _, want := range []string{"u.ini:3:", "at least 8", "u.ini:4:", "letters, digits", "u.ini:5:", "Privilege"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, `"short"`) {
		t.Errorf("the password is quoted in the error:\n%s", msg)
	}
}

// ExampleGateway_AdminHandler serves a gateway's web management with one
// admin account: the login form opens a session, and the session's pages
// carry the token that every action must send back.
func ExampleGateway_AdminHandler() {
	reg, _ := NewRegistry()
	if _, ok := reg.Table(TableWebUsers); !ok { // until NewRegistry has it
		_ = reg.RegisterTable(AdminTables()...)
	}
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(`
[ WebUsers ]
FORMAT WebUsers_Index = WebUsers_Username, WebUsers_Password, WebUsers_Privilege;
WebUsers 0 = "admin", "change-me-now", 1;
[ \WebUsers ]
`))
	if err != nil {
		panic(err)
	}
	us, _ := tone.Country("US")
	g, err := New(Options{Config: res.Config, Ports: []Port{{Number: "101", FXS: sim.NewPhone()}}, Tones: us, Media: noMedia{},
		SIP: sip.Config{ListenAddr: "127.0.0.1:0", Codecs: []sdp.Format{pcmu}}})
	if err != nil {
		panic(err)
	}
	defer g.Close()
	host := &fakeHost{reg: reg, cfg: res.Config}
	srv := httptest.NewServer(g.AdminHandler(host, AdminOptions{}))
	defer srv.Close()

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	res0, _ := client.PostForm(srv.URL+"/login", url.Values{"username": {"admin"}, "password": {"change-me-now"}})
	res0.Body.Close()
	fmt.Println("login:", res0.Status, res0.Request.URL.Path)

	page, _ := client.Get(srv.URL + "/maintenance")
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	token := csrfRE.FindStringSubmatch(string(body))[1]
	lock, _ := client.PostForm(srv.URL+"/maintenance/lock", url.Values{"csrf": {token}, "mode": {"immediate"}})
	lock.Body.Close()
	fmt.Println("lock:", lock.Status, g.AdminState())
	// Output:
	// login: 200 OK /
	// lock: 200 OK locked
}

// TestSessionStoreBounds: sessions and failure records are bounded (the
// least recently used go first) and expired ones are swept on access.
func TestSessionStoreBounds(t *testing.T) {
	clock := &testClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := newSessionStore(AdminOptions{Now: clock.Now, IdleTimeout: time.Minute, MaxLoginFailures: 3, LoginLockout: time.Minute})
	first := s.create(account{user: "a"})
	for range maxSessions {
		clock.Advance(time.Millisecond)
		s.create(account{user: "b"})
	}
	if _, ok := s.get(first.id, false); ok || len(s.sessions) != maxSessions {
		t.Errorf("%d sessions, the oldest kept %v", len(s.sessions), ok)
	}
	for i := range maxFailureRecords + 10 {
		s.loginFailed(fmt.Sprint("10.0.", i/256, ".", i%256))
	}
	if len(s.failures) != maxFailureRecords {
		t.Errorf("%d failure records", len(s.failures))
	}
	clock.Advance(failureWindow)
	s.lockedOut("10.9.9.9")
	if len(s.sessions) != 0 || len(s.failures) != 0 {
		t.Errorf("not swept: %d sessions, %d failure records", len(s.sessions), len(s.failures))
	}
	for i := range 3 {
		if locked := s.loginFailed("10.1.1.1"); locked != (i == 2) {
			t.Errorf("failure %d: locked %v", i+1, locked)
		}
	}
	if d := s.lockedOut("10.1.1.1"); d != time.Minute {
		t.Errorf("locked out for %v", d)
	}
	for addr, want := range map[string]string{"192.0.2.7:1234": "192.0.2.7", "[2001:db8:1:2:3:4:5:6]:80": "2001:db8:1:2::/64", "[::ffff:192.0.2.8]:80": "192.0.2.8"} {
		if got := clientAddr(&http.Request{RemoteAddr: addr}); got != want {
			t.Errorf("clientAddr(%s) = %s, want %s", addr, got, want)
		}
	}
}
