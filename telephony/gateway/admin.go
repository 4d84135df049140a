package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/telephony/line"
)

// Web management: the status pages plus configuration (view, download,
// backup, upload) and maintenance (lock, unlock, restart, factory
// defaults, port reset), behind a login with the accounts of the WebUsers
// table. There is no default account: with no WebUsers row the management
// pages are off and only the read-only status pages are served, as by
// StatusHandler. Accounts apply live: a removed account, or one whose
// password changed, is logged out at its next request.

// TableWebUsers is the table of web accounts.
const TableWebUsers = "WebUsers"

// Privilege is what a web account may do.
type Privilege int

const (
	// Monitor views status and configuration (secrets masked).
	Monitor Privilege = iota
	// Admin also uploads configuration, downloads backups and runs
	// maintenance actions.
	Admin
)

func (p Privilege) String() string {
	switch p {
	case Monitor:
		return "monitor"
	case Admin:
		return "admin"
	}
	return "Privilege(" + strconv.Itoa(int(p)) + ")"
}

// minPasswordLen is the shortest web password a configuration may set.
const minPasswordLen = 8

// AdminTables are the web accounts. Register them live (no restart): the
// management pages read them at every request.
func AdminTables() []provisioning.TableDef {
	return []provisioning.TableDef{{
		Name: TableWebUsers, MaxRows: 10,
		Description: "web management accounts; none = management pages off (a row with an empty password cannot log in)",
		Columns: []provisioning.Column{
			{Name: "Username", Kind: provisioning.KindString, MaxLen: 32, Check: checkWebUsername},
			{Name: "Password", Kind: provisioning.KindString, MaxLen: 64, Secret: true, Check: checkWebPassword},
			{Name: "Privilege", Kind: provisioning.KindEnum, Default: "0",
				Enum: []provisioning.EnumValue{{Value: int64(Monitor), Name: "monitor"}, {Value: int64(Admin), Name: "admin"}}},
		},
	}}
}

func checkWebUsername(s string) error {
	for _, c := range s {
		if !(c < unicode.MaxASCII && (unicode.IsLetter(c) || unicode.IsDigit(c)) || strings.ContainsRune("._-@", c)) {
			return errors.New("a user name has only letters, digits and . _ - @")
		}
	}
	return nil
}

// checkWebPassword never quotes the value: errors reach pages and logs.
func checkWebPassword(s string) error {
	if len(s) < minPasswordLen {
		return fmt.Errorf("a web password needs at least %d characters", minPasswordLen)
	}
	return nil
}

// AdminHost is what the management pages need of the device around the
// gateway: its running configuration and the actions that replace it.
type AdminHost interface {
	// Config returns the running configuration (WebUsers included).
	Config() provisioning.Config
	// ApplyIni validates an uploaded ini file whole and, when it is
	// valid, applies it the way Automatic Update applies a downloaded
	// one: live, or with a restart, as the host decides. An invalid file
	// changes nothing and its error is a *provisioning.ApplyError listing
	// every bad line.
	ApplyIni(ctx context.Context, name string, text []byte) (provisioning.ApplyResult, error)
	// Restart restarts the device on its running configuration.
	Restart(ctx context.Context, reason string) error
	// FactoryDefaults replaces the running configuration with the
	// factory one and restarts.
	FactoryDefaults(ctx context.Context) error
}

// AdminOptions tune the management pages; the zero value is the default.
type AdminOptions struct {
	// Now is the clock (nil: time.Now); tests inject one to expire
	// sessions and login lockouts.
	Now func() time.Time
	// Logger hears logins, logouts and every action (nil: the gateway's
	// logger for Gateway.AdminHandler, none for NewAdminHandler). No
	// password, session id or token is ever logged.
	Logger *slog.Logger
	// IdleTimeout ends a session unused for that long (0: 15 minutes).
	IdleTimeout time.Duration
	// MaxLoginFailures failed logins from one address within 15 minutes
	// refuse every login from it for LoginLockout (0: 5 and 1 minute).
	MaxLoginFailures int
	LoginLockout     time.Duration
	// Metrics serves "/metrics" (nil: NewMetrics of the handler's
	// gateway, without Automatic Update results).
	Metrics *Metrics
}

// AdminHandler serves the web management interface of g; see
// NewAdminHandler.
func (g *Gateway) AdminHandler(host AdminHost, opts AdminOptions) http.Handler {
	if opts.Logger == nil {
		opts.Logger = g.log.With("component", "web")
	}
	return NewAdminHandler(func() *Gateway { return g }, host, opts)
}

// NewAdminHandler serves the web management interface of whichever
// gateway gw returns (nil: 503, starting), so a host that builds its
// gateway again at each restart keeps one handler, and its sessions.
//
// Paths: "/" the status page, "/status" JSON, "/ini" the running
// configuration, secrets masked, and "/metrics" for Prometheus (as
// StatusHandler); "/login", "/logout";
// "/config" the configuration page (view, download, backup, upload);
// "/maintenance" the maintenance page. With no WebUsers account only the
// first four are served, open, and the others answer 404 saying how to
// turn management on. With accounts, everything needs a login: a session
// cookie from the login form, or HTTP Basic credentials for GET /status,
// /ini and /metrics (scripts, and Prometheus's basic_auth). Monitor
// accounts view; admin accounts act.
func NewAdminHandler(gw func() *Gateway, host AdminHost, opts AdminOptions) http.Handler {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 15 * time.Minute
	}
	if opts.MaxLoginFailures <= 0 {
		opts.MaxLoginFailures = 5
	}
	if opts.LoginLockout <= 0 {
		opts.LoginLockout = time.Minute
	}
	if opts.Metrics == nil {
		opts.Metrics = NewMetrics(gw)
	}
	a := &adminHandler{gw: gw, host: host, log: opts.Logger, store: newSessionStore(opts),
		cop: http.NewCrossOriginProtection(), metrics: opts.Metrics.Handler()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.view(false, a.statusPage))
	mux.HandleFunc("GET /status", a.view(true, a.statusHandler))
	mux.HandleFunc("GET /ini", a.view(true, a.statusHandler))
	mux.HandleFunc("GET /metrics", a.view(true, func(w http.ResponseWriter, r *http.Request, _ *adminReq) { a.metrics.ServeHTTP(w, r) }))
	mux.HandleFunc("GET /login", a.loginForm)
	mux.HandleFunc("POST /login", a.login)
	mux.HandleFunc("POST /logout", a.act(Monitor, a.logout))
	mux.HandleFunc("GET /config", a.view(false, a.configPage))
	mux.HandleFunc("GET /config/download", a.view(false, a.download))
	mux.HandleFunc("POST /config/backup", a.act(Admin, a.backup))
	mux.HandleFunc("POST /config/upload", a.act(Admin, a.upload))
	mux.HandleFunc("GET /maintenance", a.view(false, a.maintenancePage))
	mux.HandleFunc("GET /maintenance/confirm", a.view(false, a.confirmPage))
	mux.HandleFunc("POST /maintenance/{action}", a.act(Admin, a.maintain))
	a.mux = mux
	return a
}

type adminHandler struct {
	gw    func() *Gateway
	host  AdminHost
	log   *slog.Logger
	store *sessionStore
	mux   *http.ServeMux
	cop   *http.CrossOriginProtection
	// metrics is served in place of the gateway's own StatusHandler
	// /metrics, so that it has the host's Automatic Update results.
	metrics http.Handler
}

// maxUpload bounds an uploaded ini file and any form.
const maxUpload = 1 << 20

// secureHeaders keep the pages out of frames, other origins' forms and
// caches; the pages have no script and one inline style.
func secureHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
}

func (a *adminHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	secureHeaders(w.Header())
	g := a.gw()
	if g == nil {
		http.Error(w, "starting", http.StatusServiceUnavailable)
		return
	}
	if !managementOn(a.host.Config()) {
		switch r.URL.Path {
		case "/metrics":
			a.metrics.ServeHTTP(w, r)
		case "/", "/status", "/ini":
			g.StatusHandler(a.host.Config).ServeHTTP(w, r)
		default:
			http.Error(w, "Web management is off: no account is configured. Add a WebUsers table (Username, Password of 8 characters or more, "+
				"Privilege 1 = admin, 0 = monitor) to the configuration to turn it on.", http.StatusNotFound)
		}
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	a.mux.ServeHTTP(w, r)
}

// adminReq is one authenticated request.
type adminReq struct {
	g    *Gateway
	cfg  provisioning.Config
	acct account
	// sess is the login session; zero for HTTP Basic requests.
	sess sessionView
}

// view serves a GET to any logged-in account; basic also accepts HTTP
// Basic credentials (for scripts reading /status and /ini).
func (a *adminHandler) view(basic bool, fn func(http.ResponseWriter, *http.Request, *adminReq)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, ok := a.request(r, r.URL.Query().Get("auto") == "")
		if ok {
			fn(w, r, q)
			return
		}
		if _, _, has := r.BasicAuth(); has && basic {
			if q, ok := a.basicAuth(w, r); ok {
				fn(w, r, q)
			}
			return
		}
		if basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="`+ProductName+`", charset="UTF-8"`)
			http.Error(w, "log in first", http.StatusUnauthorized)
			return
		}
		to := "/login"
		if hasSessionCookie(r) {
			to += "?expired=1"
			clearSessionCookie(w, r)
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
	}
}

// act serves a state-changing POST: a logged-in account of at least
// priv, a same-origin request, and the session's CSRF token.
func (a *adminHandler) act(priv Privilege, fn func(http.ResponseWriter, *http.Request, *adminReq)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !a.sameOrigin(r) {
			http.Error(w, "refused: the form came from another site", http.StatusForbidden)
			return
		}
		// Not counted as use until the token is checked: a forged POST
		// must not keep a session alive.
		q, ok := a.request(r, false)
		if !ok {
			clearSessionCookie(w, r)
			http.Error(w, "refused: not logged in, or the session expired; log in again at /login", http.StatusForbidden)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxUpload+64<<10)
		var err error
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			err = r.ParseMultipartForm(2 * maxUpload)
			if r.MultipartForm != nil {
				defer r.MultipartForm.RemoveAll()
			}
		} else {
			err = r.ParseForm()
		}
		if err != nil {
			http.Error(w, "bad form: "+err.Error(), http.StatusBadRequest)
			return
		}
		if !q.sess.checkCSRF(r.PostFormValue(csrfField)) {
			a.log.Warn("web request refused: bad CSRF token", "user", q.acct.user, "path", r.URL.Path, "address", clientAddr(r))
			http.Error(w, "refused: the form is stale or forged; reload the page", http.StatusForbidden)
			return
		}
		a.store.get(q.sess.id, true)
		if q.acct.priv < priv {
			http.Error(w, "refused: this needs an admin account", http.StatusForbidden)
			return
		}
		fn(w, r, q)
	}
}

// request finds the request's session and its account, still configured
// with the password it logged in with; touch counts the request as use
// (the status page's automatic refresh does not, so an open page does
// not keep a session alive forever).
func (a *adminHandler) request(r *http.Request, touch bool) (*adminReq, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, false
	}
	s, ok := a.store.get(c.Value, touch)
	if !ok {
		return nil, false
	}
	g, cfg := a.gw(), a.host.Config()
	if g == nil {
		return nil, false
	}
	acct, ok := accountFor(cfg, s.user, s.cred)
	if !ok {
		a.store.drop(s.id)
		a.log.Info("web session ended: account changed", "user", s.user)
		return nil, false
	}
	return &adminReq{g: g, cfg: cfg, acct: acct, sess: s}, true
}

// basicAuth checks HTTP Basic credentials, rate limited like the form.
func (a *adminHandler) basicAuth(w http.ResponseWriter, r *http.Request) (*adminReq, bool) {
	user, pass, _ := r.BasicAuth()
	addr := clientAddr(r)
	if wait := a.store.lockedOut(addr); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(ceilSeconds(wait)))
		http.Error(w, "too many failed logins from your address; try again later", http.StatusTooManyRequests)
		return nil, false
	}
	cfg := a.host.Config()
	acct, ok := authenticate(cfg, user, pass)
	if !ok {
		a.loginFailed(cfg, addr, user)
		w.Header().Set("WWW-Authenticate", `Basic realm="`+ProductName+`", charset="UTF-8"`)
		http.Error(w, "wrong user name or password", http.StatusUnauthorized)
		return nil, false
	}
	a.store.loginSucceeded(addr)
	g := a.gw()
	if g == nil {
		http.Error(w, "starting", http.StatusServiceUnavailable)
		return nil, false
	}
	return &adminReq{g: g, cfg: cfg, acct: acct}, true
}

func (a *adminHandler) loginFailed(cfg provisioning.Config, addr, user string) {
	locked := a.store.loginFailed(addr)
	// The name only when it is an account's: people type passwords into
	// the user name field.
	attrs := []any{"address", addr, "locked_out", locked}
	if knownUser(cfg, user) {
		attrs = append(attrs, "user", user)
	}
	a.log.Warn("web login failed", attrs...)
}

// sameOrigin refuses a browser's cross-site POST (Sec-Fetch-Site, or an
// Origin that is not this host), on top of the SameSite cookie and the
// CSRF token.
func (a *adminHandler) sameOrigin(r *http.Request) bool { return a.cop.Check(r) == nil }

// Login

func (a *adminHandler) loginForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.request(r, false); ok {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	d := a.data(nil, "Log in")
	switch {
	case r.URL.Query().Get("expired") != "":
		d.Flash = &notice{Text: "Your session ended; log in again."}
	case r.URL.Query().Get("out") != "":
		d.Flash = &notice{Text: "Logged out."}
	}
	a.render(w, http.StatusOK, "login", d)
}

func (a *adminHandler) login(w http.ResponseWriter, r *http.Request) {
	if !a.sameOrigin(r) {
		http.Error(w, "refused: the form came from another site", http.StatusForbidden)
		return
	}
	addr := clientAddr(r)
	d := a.data(nil, "Log in")
	if wait := a.store.lockedOut(addr); wait > 0 {
		a.lockedOutPage(w, d, wait)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	cfg := a.host.Config()
	user := r.PostFormValue("username")
	acct, ok := authenticate(cfg, user, r.PostFormValue("password"))
	if !ok {
		a.loginFailed(cfg, addr, user)
		if wait := a.store.lockedOut(addr); wait > 0 {
			a.lockedOutPage(w, d, wait)
			return
		}
		d.Flash = &notice{Err: true, Text: "Wrong user name or password."}
		a.render(w, http.StatusUnauthorized, "login", d)
		return
	}
	a.store.loginSucceeded(addr)
	// A new id at every login: a session id planted before it is useless.
	if c, err := r.Cookie(sessionCookie); err == nil {
		a.store.drop(c.Value)
	}
	s := a.store.create(acct)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: s.id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	a.log.Info("web login", "user", acct.user, "privilege", acct.priv.String(), "address", addr)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (a *adminHandler) lockedOutPage(w http.ResponseWriter, d *pageData, wait time.Duration) {
	secs := ceilSeconds(wait)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	d.Flash = &notice{Err: true, Text: fmt.Sprintf("Too many failed logins from your address: try again in %d s.", secs)}
	a.render(w, http.StatusTooManyRequests, "login", d)
}

func ceilSeconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }

func (a *adminHandler) logout(w http.ResponseWriter, r *http.Request, q *adminReq) {
	a.store.drop(q.sess.id)
	clearSessionCookie(w, r)
	a.log.Info("web logout", "user", q.acct.user)
	http.Redirect(w, r, "/login?out=1", http.StatusSeeOther)
}

// Status

func (a *adminHandler) statusPage(w http.ResponseWriter, r *http.Request, q *adminReq) {
	d := a.data(q, "Status")
	d.Refresh = true
	a.render(w, http.StatusOK, "status", d)
}

// statusHandler serves /status and /ini as StatusHandler does.
func (a *adminHandler) statusHandler(w http.ResponseWriter, r *http.Request, q *adminReq) {
	q.g.StatusHandler(a.host.Config).ServeHTTP(w, r)
}

// Configuration

func (a *adminHandler) configPage(w http.ResponseWriter, r *http.Request, q *adminReq) {
	d := a.data(q, "Configuration")
	var b strings.Builder
	_ = writeIni(&b, q.cfg, false)
	d.Ini = b.String()
	a.render(w, http.StatusOK, "config", d)
}

// download is the running configuration with secrets masked: uploaded
// back to this device it keeps the running secrets.
func (a *adminHandler) download(w http.ResponseWriter, r *http.Request, q *adminReq) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+ProductName+`.ini"`)
	_ = writeIni(w, q.cfg, false)
}

// backup is the running configuration with its secrets, for admins only:
// a backup that masks them cannot restore a replaced or reset device
// (its web accounts included). It is a POST with the CSRF token, so no
// other page can start it, and every one is logged.
func (a *adminHandler) backup(w http.ResponseWriter, r *http.Request, q *adminReq) {
	a.log.Warn("configuration backup downloaded, secrets included", "user", q.acct.user, "address", clientAddr(r))
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+ProductName+`-backup-`+a.store.now().UTC().Format("20060102-150405")+`.ini"`)
	_ = writeIni(w, q.cfg, true)
}

func (a *adminHandler) upload(w http.ResponseWriter, r *http.Request, q *adminReq) {
	f, hdr, err := r.FormFile("ini")
	if err != nil {
		a.flash(w, r, q, "/config", notice{Err: true, Text: "Choose an ini file to upload."})
		return
	}
	defer f.Close()
	text, err := io.ReadAll(io.LimitReader(f, maxUpload+1))
	if err != nil || len(text) > maxUpload {
		a.flash(w, r, q, "/config", notice{Err: true, Text: fmt.Sprintf("The file is larger than %d bytes, or unreadable.", maxUpload)})
		return
	}
	name := uploadName(hdr.Filename)
	if r.PostFormValue("allow_no_admin") == "" && leavesNoAdmin(q.cfg, name, text) {
		a.flash(w, r, q, "/config", notice{Err: true, Text: "Nothing applied: " + name + " leaves no admin account, so these pages could not change " +
			"the configuration again. Add the WebUsers table to the file (a table the file leaves out is emptied when " +
			"SetDefaultOnIniFileProcess = 1), or tick \"apply even if the file leaves no admin account\"."})
		return
	}
	res, err := a.host.ApplyIni(r.Context(), name, text)
	if err != nil {
		n := notice{Err: true, Text: "Nothing applied: " + err.Error()}
		var invalid *provisioning.ApplyError
		if errors.As(err, &invalid) {
			n.Text = fmt.Sprintf("Nothing applied: %s has %d invalid line(s); the running configuration is unchanged.", name, len(invalid.Problems))
			for _, p := range invalid.Problems {
				n.Lines = append(n.Lines, p.Error())
			}
		}
		if invalid != nil {
			a.log.Warn("web upload refused", "user", q.acct.user, "file", name, "invalid_lines", len(invalid.Problems))
		} else {
			a.log.Warn("web upload refused", "user", q.acct.user, "file", name, "error", err.Error())
		}
		a.flash(w, r, q, "/config", n)
		return
	}
	n := notice{Text: fmt.Sprintf("%s applied: %d change(s).", name, len(res.Changed))}
	if len(res.Changed) > 0 {
		n.Lines = append(n.Lines, "changed: "+strings.Join(res.Changed, ", "))
	}
	if len(res.RestartRequired) > 0 || res.ResetNow {
		n.Lines = append(n.Lines, "the gateway restarts to apply: "+strings.Join(append(res.RestartRequired, resetNowNote(res.ResetNow)...), ", "))
	}
	for _, wn := range res.Warnings {
		n.Lines = append(n.Lines, "warning: "+wn.String())
	}
	if !hasAdmin(res.Config) {
		n.Lines = append(n.Lines, "warning: no admin account is left: the web pages can no longer change the configuration")
	}
	a.log.Info("web upload applied", "user", q.acct.user, "file", name, "changed", len(res.Changed),
		"restart", len(res.RestartRequired) > 0 || res.ResetNow)
	a.flash(w, r, q, "/config", n)
}

// leavesNoAdmin: text is valid and would leave no admin account (what
// the host makes of an invalid file, it reports itself).
func leavesNoAdmin(cfg provisioning.Config, name string, text []byte) bool {
	reg := cfg.Registry()
	if reg == nil {
		return false
	}
	res, err := reg.ApplyText(cfg, name, text)
	return err == nil && !hasAdmin(res.Config)
}

func resetNowNote(on bool) []string {
	if on {
		return []string{"ResetNow"}
	}
	return nil
}

// uploadName is the uploaded file's base name, for error positions:
// printable, short, never a path.
func uploadName(s string) string {
	s = path.Base(strings.ReplaceAll(s, `\`, "/"))
	s = strings.Map(func(c rune) rune {
		if c < 0x20 || c == 0x7f || c > unicode.MaxASCII {
			return '_'
		}
		return c
	}, s)
	if len(s) > 64 {
		s = s[:64]
	}
	if s == "" || s == "." || s == "/" {
		return "upload.ini"
	}
	return s
}

// Maintenance

func (a *adminHandler) maintenancePage(w http.ResponseWriter, r *http.Request, q *adminReq) {
	a.render(w, http.StatusOK, "maintenance", a.data(q, "Maintenance"))
}

// confirmation is what an action asked twice does; ok is false for the
// others.
func confirmation(action string) (text string, ok bool) {
	switch action {
	case "restart":
		return "Restart the gateway now? Every call in progress ends. The gateway starts again on its running configuration.", true
	case "factory-defaults":
		return "Restore the factory configuration and restart? Every setting is lost, the web accounts included: unless the factory " +
			"configuration has WebUsers, these pages turn off. Download a backup first.", true
	}
	return "", false
}

func (a *adminHandler) confirmPage(w http.ResponseWriter, r *http.Request, q *adminReq) {
	action := r.URL.Query().Get("action")
	text, ok := confirmation(action)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if q.acct.priv < Admin {
		http.Error(w, "refused: this needs an admin account", http.StatusForbidden)
		return
	}
	d := a.data(q, "Confirm")
	d.Confirm = &confirmData{Action: action, Text: text}
	a.render(w, http.StatusOK, "confirm", d)
}

func (a *adminHandler) maintain(w http.ResponseWriter, r *http.Request, q *adminReq) {
	action := r.PathValue("action")
	if _, ask := confirmation(action); ask && r.PostFormValue("confirm") != "yes" {
		http.Redirect(w, r, "/maintenance/confirm?action="+action, http.StatusSeeOther)
		return
	}
	log := a.log.With("user", q.acct.user, "action", action)
	ctx := r.Context()
	var n notice
	switch action {
	case "lock":
		graceful := r.PostFormValue("mode") != "immediate"
		q.g.Lock(graceful)
		n.Text = "Locked: no new calls; the calls in progress end now."
		if graceful {
			n.Text = "Locked gracefully: no new calls; the calls in progress go on"
			if s := q.g.config().Int(ParamGracefulLockTimeout); s > 0 {
				n.Text += fmt.Sprintf(" for at most %d s", s)
			}
			n.Text += "."
		}
	case "unlock":
		q.g.Unlock()
		n.Text = "Unlocked: calls are accepted again."
	case "restart":
		if err := a.host.Restart(ctx, "web: "+q.acct.user); err != nil {
			n = notice{Err: true, Text: "Restart failed: " + err.Error()}
		} else {
			n.Text = "Restarting: log in again in a few seconds."
		}
	case "factory-defaults":
		if err := a.host.FactoryDefaults(ctx); err != nil {
			n = notice{Err: true, Text: "Factory defaults failed: " + err.Error()}
		} else {
			n.Text = "Factory configuration restored; the gateway restarts."
		}
	case "reset-port":
		idx, err := strconv.Atoi(r.PostFormValue("port"))
		if err == nil {
			var ended bool
			ended, err = q.g.ResetPort(idx)
			n.Text = fmt.Sprintf("Port %d reset: its call ended; the line is idle once its phone is on hook.", idx)
			if !ended {
				n.Text = fmt.Sprintf("Port %d had no call to end; the line is idle once its phone is on hook.", idx)
			}
		}
		if err != nil {
			n = notice{Err: true, Text: "No such port: " + r.PostFormValue("port")}
		}
	default:
		http.NotFound(w, r)
		return
	}
	if n.Err {
		log.Warn("web maintenance action failed", "error", n.Text)
	} else {
		log.Info("web maintenance action")
	}
	a.flash(w, r, q, "/maintenance", n)
}

// flash shows n on the next page of the session (post, redirect, get: a
// reload does not repeat the action).
func (a *adminHandler) flash(w http.ResponseWriter, r *http.Request, q *adminReq, to string, n notice) {
	a.store.setFlash(q.sess.id, n)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// ErrUnknownPort is returned for a port index the gateway does not have.
var ErrUnknownPort = errors.New("gateway: no such port")

// ResetPort ends the call of port index (1-based), as a forced lock does
// for every port: a SIP call gets BYE (CANCEL, or 480 before it is
// answered), and held or waiting calls end with it; a port-to-port call
// is cut on both lines. The line then hears the far end go, as at any
// remote hang-up: an FXO line goes on hook and idle, an FXS line is idle
// once its phone is on hook. ended reports whether there was a call.
func (g *Gateway) ResetPort(index int) (ended bool, err error) {
	if index < 1 || index > len(g.ports) {
		return false, fmt.Errorf("%w: %d", ErrUnknownPort, index)
	}
	p := g.ports[index-1]
	p.mu.Lock()
	c, peer := p.call, p.peer
	if c != nil {
		p.hangingUp = true // the held or waiting call ends with this one
	}
	p.mu.Unlock()
	switch {
	case peer != nil:
		g.log.Info("port reset", "port", p.index, "peer", peer.index)
		peer.release()
		p.release()
		peer.deliver(line.Event{Kind: line.RemoteHangup})
		p.deliver(line.Event{Kind: line.RemoteHangup})
	case c != nil:
		g.log.Info("port reset", "port", p.index, "call", c.ID())
		g.hangupLater(c) // follow delivers the hang-up to the line
	default:
		g.log.Info("port reset: no call", "port", p.index)
		return false, nil
	}
	return true, nil
}

// Pages

// notice is a message for the next page: an action's outcome.
type notice struct {
	Err   bool
	Text  string
	Lines []string
}

type confirmData struct {
	Action, Text string
}

// pageData is what every page template gets; each page reads its part.
type pageData struct {
	Product, Version, Title string
	// User is empty on the login page.
	User      string
	Privilege string
	Admin     bool
	CSRF      string
	Flash     *notice
	// Refresh: the status page reloads itself (without counting as use of
	// the session).
	Refresh    bool
	AdminState string
	Grace      int64
	Ini        string
	Confirm    *confirmData
	Status
}

func (a *adminHandler) data(q *adminReq, title string) *pageData {
	d := &pageData{Product: ProductName, Version: Version(), Title: title}
	if q == nil {
		return d
	}
	d.User, d.Privilege, d.Admin, d.CSRF = q.acct.user, q.acct.priv.String(), q.acct.priv >= Admin, q.sess.csrf
	if q.sess.id != "" {
		if n, ok := a.store.takeFlash(q.sess.id); ok {
			d.Flash = &n
		}
	}
	d.Status = q.g.Status()
	d.AdminState = q.g.AdminState().String()
	d.Grace = q.g.config().Int(ParamGracefulLockTimeout)
	return d
}

func (a *adminHandler) render(w http.ResponseWriter, code int, page string, d *pageData) {
	t := adminPages[page]
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	if err := t.Execute(w, d); err != nil {
		a.log.Warn("web page not rendered", "page", page, "error", err)
	}
}
