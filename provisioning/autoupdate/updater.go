package autoupdate

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/icholy/digest"

	"github.com/potsgate/potsgate/provisioning"
)

// ErrNotRunning is returned by Trigger when Run is not running.
var ErrNotRunning = errors.New("automatic update is not running")

// Host is what the updater needs from the gateway it updates.
type Host interface {
	// Config returns the running configuration.
	Config() provisioning.Config
	// ApplyConfig makes a validated configuration the running one.
	ApplyConfig(ctx context.Context, res provisioning.ApplyResult) error
	// InstallFile stores an auxiliary file (call progress tones, TLS
	// material, ...) for use now or after a restart.
	InstallFile(ctx context.Context, kind FileKind, data []byte) error
	// StageFirmware writes a validated image to be booted at the next restart.
	StageFirmware(ctx context.Context, fw *Firmware) error
	// Restart restarts the device; it is called at most once per cycle,
	// after every file.
	Restart(ctx context.Context, reason string) error
}

// TLSInstaller is a Host that installs the TLS files (TLSRootFileUrl,
// TLSCertFileUrl, TLSPkeyFileUrl) as one set. A new certificate and its
// key arrive in the same cycle and only make sense together, so instead
// of InstallFile for each, the updater calls InstallTLS once, after the
// last of them, with those that changed. When it fails, every file of
// the set fails with its error and none is recorded as installed: the
// next cycle downloads them all again, so a set completed on the server
// later (the key uploaded after the certificate) is then installed
// whole.
type TLSInstaller interface {
	// InstallTLS validates the running TLS files with changed put in
	// place (kinds FileTLSRoot, FileTLSCert, FileTLSKey) and installs the
	// result, or installs nothing and says what is wrong.
	InstallTLS(ctx context.Context, changed map[FileKind][]byte) error
}

// Identity is how the device describes itself to provisioning servers.
type Identity struct {
	Model   string // <NAME>
	Version string // <VER>, also compared with firmware image versions
	// MAC is the device MAC; <MAC> in URLs and the User-Agent becomes its 12
	// lower-case hex digits.
	MAC string
}

// FileResult is the outcome for one file of one cycle.
type FileResult struct {
	Kind FileKind
	// URL is the URL requested, with any password replaced by "xxxxx".
	URL      string
	Outcome  Outcome
	Status   int // HTTP status, 0 if no answer
	Bytes    int
	Duration time.Duration
	Err      error
}

// Report is the result of one cycle.
type Report struct {
	Reason     string
	Start, End time.Time
	Files      []FileResult
	// Restarted reports that the host was asked to restart, and why.
	Restarted     bool
	RestartReason string
}

// Failed reports whether any file failed.
func (r Report) Failed() bool {
	return slices.ContainsFunc(r.Files, func(f FileResult) bool { return f.Outcome == Failed })
}

// Observer receives every cycle's report.
type Observer interface {
	UpdateDone(Report)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(Report)

// UpdateDone calls f.
func (f ObserverFunc) UpdateDone(r Report) { f(r) }

// Options configure an Updater. Registry and Host are required.
type Options struct {
	Registry *provisioning.Registry
	Host     Host
	Identity Identity
	// StateDir keeps what must survive restarts; "" keeps nothing.
	StateDir string
	Logger   *slog.Logger
	// Observer gets each report in addition to the log.
	Observer Observer
	// Now is the clock (default time.Now).
	Now func() time.Time
	// RandomDelay draws the daily random delay in [0, max] (default uniform).
	RandomDelay func(max time.Duration) time.Duration
	// RootCAs are the trusted roots for HTTPS (nil = the system's).
	RootCAs *x509.CertPool
	// ClientCert is presented when a server asks for one.
	ClientCert *tls.Certificate
	// InstalledTLS, when set, is asked at each cycle for the trusted
	// roots and the device certificate installed now (TLSRootFileUrl,
	// TLSCertFileUrl, TLSPkeyFileUrl); a nil one leaves RootCAs or
	// ClientCert in place. So a set installed by a cycle verifies the
	// servers of the next.
	InstalledTLS func() (*x509.CertPool, *tls.Certificate)
	// Transport is cloned for each cycle (nil = http.DefaultTransport's
	// settings); its TLS settings are replaced from the configuration.
	Transport *http.Transport
	// RequestTimeout bounds one download (default 60 s).
	RequestTimeout time.Duration
	// After, when set, replaces the timer Run waits on between cycles; tests
	// use it to see the delays Run chose without waiting for them.
	After func(d time.Duration) <-chan time.Time
}

// Updater runs Automatic Update cycles.
type Updater struct {
	opts    Options
	log     *slog.Logger
	cycleMu sync.Mutex // one cycle at a time
	trigger chan string
	running atomic.Bool
}

// New returns an Updater. The state directory is read at the first cycle.
func New(opts Options) (*Updater, error) {
	if opts.Registry == nil || opts.Host == nil {
		return nil, errors.New("autoupdate: Registry and Host are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RandomDelay == nil {
		opts.RandomDelay = func(max time.Duration) time.Duration {
			if max <= 0 {
				return 0
			}
			return time.Duration(rand.Int64N(int64(max) + 1))
		}
	}
	if opts.RequestTimeout == 0 {
		opts.RequestTimeout = 60 * time.Second
	}
	return &Updater{opts: opts, log: opts.Logger, trigger: make(chan string, 1)}, nil
}

// Trigger asks the running loop for a cycle now and returns without waiting
// for it. Requests made while one is pending are merged.
func (u *Updater) Trigger(ctx context.Context, reason string) error {
	if !u.running.Load() {
		return ErrNotRunning
	}
	select {
	case u.trigger <- reason:
	default: // one is already pending
	}
	return ctx.Err()
}

// ScheduleFrom reads the schedule parameters of a configuration.
func ScheduleFrom(c provisioning.Config) Schedule {
	s := Schedule{
		Period:    time.Duration(c.Int(provisioning.ParamAutoUpdateFrequency)) * time.Minute,
		RandomMax: time.Duration(c.Int(provisioning.ParamAutoUpdatePredefinedRandomTime)) * time.Second,
		Retry:     time.Duration(c.Int(provisioning.ParamAUPDRetryTime)) * time.Second,
	}
	if h, m, ok := provisioning.ParseTimeOfDay(c.String(provisioning.ParamAutoUpdatePredefinedTime)); ok {
		s.Daily, s.Hour, s.Minute = true, h, m
	}
	return s
}

// Run runs a start-up cycle, then cycles on schedule and on Trigger until
// ctx ends. The schedule is re-read from the running configuration after
// every cycle, so a downloaded ini can change it.
func (u *Updater) Run(ctx context.Context) error {
	if !u.running.CompareAndSwap(false, true) {
		return errors.New("autoupdate: Run called twice")
	}
	defer u.running.Store(false)
	reason := "start-up"
	var daily time.Time
	for {
		rep, _ := u.RunCycle(ctx, reason)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		sched := ScheduleFrom(u.opts.Host.Config())
		now := u.opts.Now()
		if !sched.Daily {
			daily = time.Time{}
		} else if daily.IsZero() || !daily.After(now) {
			daily = sched.NextDaily(now, u.opts.RandomDelay(sched.RandomMax))
		}
		next := sched.Next(rep.End, rep.Failed(), daily)
		var (
			timer *time.Timer
			fired <-chan time.Time
		)
		switch {
		case next.IsZero():
		case u.opts.After != nil:
			fired = u.opts.After(max(next.Sub(now), 0))
		default:
			timer = time.NewTimer(max(next.Sub(now), 0))
			fired = timer.C
		}
		select {
		case <-ctx.Done():
		case reason = <-u.trigger:
		case <-fired:
			switch {
			case rep.Failed() && sched.Retry > 0 && next.Equal(rep.End.Add(sched.Retry)):
				reason = "retry"
			case !daily.IsZero() && next.Equal(daily):
				reason = "daily"
				daily = time.Time{}
			default:
				reason = "periodic"
			}
		}
		if timer != nil {
			timer.Stop()
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// RunCycle runs one cycle now and returns its report. The error is non-nil
// when the cycle could not run at all (bad state directory); per-file
// failures are in the report.
func (u *Updater) RunCycle(ctx context.Context, reason string) (rep Report, err error) {
	u.cycleMu.Lock()
	defer u.cycleMu.Unlock()
	rep = Report{Reason: reason, Start: u.opts.Now()}
	// Deferred so every return, early ones included, is timed and reported.
	defer func() {
		rep.End = u.opts.Now()
		u.logReport(rep)
		if u.opts.Observer != nil {
			u.opts.Observer.UpdateDone(rep)
		}
	}()
	st, err := loadState(u.opts.StateDir)
	if err != nil {
		return rep, err
	}
	c := cycle{u: u, st: st, cfg: u.opts.Host.Config()}
	c.client = u.httpClient(c.cfg)
	defer c.client.CloseIdleConnections()
	c.run(ctx, &rep)
	if err := st.save(u.opts.StateDir); err != nil {
		return rep, err
	}
	if len(c.restartReasons) > 0 && ctx.Err() == nil {
		rep.Restarted = true
		rep.RestartReason = strings.Join(c.restartReasons, "; ")
		if err := u.opts.Host.Restart(ctx, rep.RestartReason); err != nil {
			return rep, fmt.Errorf("restart: %w", err)
		}
	}
	return rep, nil
}

func (u *Updater) logReport(r Report) {
	for _, f := range r.Files {
		attrs := []any{"reason", r.Reason, "file", f.Kind.String(), "url", f.URL, "result", f.Outcome.String(), "status", f.Status, "bytes", f.Bytes}
		if f.Err != nil {
			u.log.Warn("automatic update", append(attrs, "error", f.Err.Error())...)
		} else {
			u.log.Info("automatic update", attrs...)
		}
	}
	if r.Restarted {
		u.log.Info("automatic update restarts the device", "reason", r.RestartReason)
	}
}

func (u *Updater) httpClient(cfg provisioning.Config) *http.Client {
	var tr *http.Transport
	if u.opts.Transport != nil {
		tr = u.opts.Transport.Clone()
	} else {
		tr = http.DefaultTransport.(*http.Transport).Clone()
	}
	roots, cert := u.opts.RootCAs, u.opts.ClientCert
	if u.opts.InstalledTLS != nil {
		r, c := u.opts.InstalledTLS()
		if r != nil {
			roots = r
		}
		if c != nil {
			cert = c
		}
	}
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots}
	if !cfg.Bool(provisioning.ParamAUPDVerifyCertificates) {
		tlsConf.InsecureSkipVerify = true // the operator turned verification off
	}
	if cert != nil {
		tlsConf.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	}
	tr.TLSClientConfig = tlsConf
	var rt http.RoundTripper = tr
	if user := cfg.String(provisioning.ParamAUPDDigestUsername); user != "" {
		rt = &digest.Transport{Username: user, Password: cfg.String(provisioning.ParamAUPDDigestPassword), Transport: tr}
	}
	return &http.Client{Transport: rt}
}

// cycle is the work of one RunCycle.
type cycle struct {
	u              *Updater
	st             *state
	cfg            provisioning.Config // running, then as updated by this cycle's ini files
	client         *http.Client
	restartReasons []string
	name           string // redacted URL of the file being processed
	// tls are the TLS files of this cycle waiting to be installed as a
	// set (when the host is a TLSInstaller).
	tls []pendingTLS
}

// pendingTLS is a downloaded TLS file not yet installed.
type pendingTLS struct {
	kind   FileKind
	body   []byte
	sha256 string
	us     *urlState
	start  time.Time
	result int // index in the report's Files
}

func isTLS(k FileKind) bool { return k == FileTLSRoot || k == FileTLSCert || k == FileTLSKey }

func (c *cycle) run(ctx context.Context, rep *Report) {
	for k := FileKind(0); k < numFileKinds; k++ {
		if ctx.Err() != nil {
			return
		}
		if k == FileTLSKey+1 {
			c.installTLS(ctx, rep)
		}
		raw := c.cfg.String(k.Param())
		if raw == "" {
			continue
		}
		if k == FileAutoFirmware && !c.cfg.Bool(provisioning.ParamAutoUpdateCmpFile) {
			continue
		}
		rep.Files = append(rep.Files, c.file(ctx, k, raw))
		if n := len(c.tls); n > 0 && c.tls[n-1].kind == k && c.tls[n-1].result < 0 {
			c.tls[n-1].result = len(rep.Files) - 1
		}
	}
}

// installTLS hands the cycle's changed TLS files to the host as one set.
func (c *cycle) installTLS(ctx context.Context, rep *Report) {
	if len(c.tls) == 0 {
		return
	}
	changed := make(map[FileKind][]byte, len(c.tls))
	for _, p := range c.tls {
		changed[p.kind] = p.body
	}
	err := c.u.opts.Host.(TLSInstaller).InstallTLS(ctx, changed)
	for _, p := range c.tls {
		if err != nil {
			rep.Files[p.result].Outcome = Failed
			rep.Files[p.result].Err = fmt.Errorf("install %s: %w", p.kind, err)
			continue
		}
		p.us.SHA256, p.us.LastDownload = p.sha256, p.start
	}
	c.tls = nil
}

func (c *cycle) file(ctx context.Context, kind FileKind, raw string) FileResult {
	start := c.u.opts.Now()
	target := strings.ReplaceAll(raw, "<MAC>", c.u.mac())
	res := FileResult{Kind: kind, URL: redact(target)}
	c.name = res.URL
	defer func() { res.Duration = c.u.opts.Now().Sub(start) }()
	us := c.st.get(kind, raw)
	if kind == FileFirmware && us.Done {
		res.Outcome = Unchanged // one-time firmware already installed from this URL
		return res
	}
	body, status, err := c.fetch(ctx, kind, target, us.LastDownload)
	res.Status, res.Bytes = status, len(body)
	if err != nil {
		res.Outcome, res.Err = Failed, err
		return res
	}
	if status == http.StatusNotModified {
		res.Outcome = NotModified
		return res
	}
	res.Outcome, res.Err = c.process(ctx, kind, body, us)
	switch n := len(c.tls); {
	case n > 0 && c.tls[n-1].us == us && c.tls[n-1].result < 0:
		c.tls[n-1].start = start // recorded once the set is installed
	case res.Err == nil:
		us.LastDownload = start
	}
	return res
}

func (u *Updater) mac() string {
	m := strings.ToLower(u.opts.Identity.MAC)
	return strings.NewReplacer(":", "", "-", "", ".", "").Replace(m)
}

func (c *cycle) userAgent() string {
	id := c.u.opts.Identity
	return strings.NewReplacer(
		"<NAME>", id.Model, "<VER>", id.Version, "<MAC>", c.u.mac(),
		"<CONF>", c.cfg.String(provisioning.ParamINIFileVersion),
	).Replace(c.cfg.String(provisioning.ParamAupdHTTPUserAgent))
}

// HTTPError is a download answered with an unexpected HTTP status.
type HTTPError struct {
	Status int
	Reason string
}

func (e *HTTPError) Error() string { return fmt.Sprintf("server answered %d %s", e.Status, e.Reason) }

func (c *cycle) fetch(ctx context.Context, kind FileKind, target string, since time.Time) ([]byte, int, error) {
	ctx, cancel := context.WithTimeout(ctx, c.u.opts.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("bad URL in %s: %w", kind.Param(), scrub(err, target))
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return nil, 0, fmt.Errorf("%s: scheme %q not supported (http, https)", kind.Param(), req.URL.Scheme)
	}
	req.Header.Set("User-Agent", c.userAgent())
	if !since.IsZero() {
		req.Header.Set("If-Modified-Since", since.UTC().Format(http.TimeFormat))
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("GET %s: %w", redact(target), scrub(err, target))
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotModified:
		return nil, resp.StatusCode, nil
	default:
		return nil, resp.StatusCode, &HTTPError{Status: resp.StatusCode, Reason: http.StatusText(resp.StatusCode)}
	}
	limit := kind.maxSize()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, resp.StatusCode, fmt.Errorf("GET %s: body cut short after %d bytes: %w", redact(target), len(body), err)
	}
	if int64(len(body)) > limit {
		return nil, resp.StatusCode, fmt.Errorf("GET %s: file larger than %d bytes", redact(target), limit)
	}
	if resp.ContentLength >= 0 && int64(len(body)) != resp.ContentLength {
		return nil, resp.StatusCode, fmt.Errorf("GET %s: body is %d bytes, Content-Length says %d", redact(target), len(body), resp.ContentLength)
	}
	return body, resp.StatusCode, nil
}

func (c *cycle) process(ctx context.Context, kind FileKind, body []byte, us *urlState) (Outcome, error) {
	switch kind {
	case FileIni, FileIniTemplate:
		return c.processIni(ctx, kind, body, us)
	case FileFirmware, FileAutoFirmware:
		return c.processFirmware(ctx, kind, body, us)
	}
	sum := sha256.Sum256(body)
	hexSum := hex.EncodeToString(sum[:])
	if hexSum == us.SHA256 {
		return Unchanged, nil
	}
	if _, ok := c.u.opts.Host.(TLSInstaller); ok && isTLS(kind) {
		// Applied if the set installs; installTLS says otherwise.
		c.tls = append(c.tls, pendingTLS{kind: kind, body: body, sha256: hexSum, us: us, result: -1})
		return Applied, nil
	}
	if err := c.u.opts.Host.InstallFile(ctx, kind, body); err != nil {
		return Failed, fmt.Errorf("install %s: %w", kind, err)
	}
	us.SHA256 = hexSum
	if kind.LoadedAtStart() {
		c.restartReasons = append(c.restartReasons, kind.Param()+" installed")
	}
	return Applied, nil
}

func (c *cycle) processIni(ctx context.Context, kind FileKind, body []byte, us *urlState) (Outcome, error) {
	mode := c.cfg.Int(provisioning.ParamAUPDCheckIfIniChanged)
	crc := iniCRC(body, mode)
	if mode != 0 && us.Applied && us.CRC == crc {
		return Unchanged, nil
	}
	var opts []provisioning.ApplyOption
	if kind == FileIniTemplate {
		opts = append(opts, provisioning.KeepUnlisted())
	}
	// Errors are named after the URL (password hidden), so the operator
	// sees which file and line to fix.
	res, err := c.u.opts.Registry.ApplyText(c.cfg, c.name, body, opts...)
	if err != nil {
		return Failed, err
	}
	for _, w := range res.Warnings {
		c.u.log.Warn("automatic update: ini warning", "file", kind.String(), "warning", w.String())
	}
	if err := c.u.opts.Host.ApplyConfig(ctx, res); err != nil {
		return Failed, fmt.Errorf("apply %s: %w", kind, err)
	}
	c.cfg = res.Config
	us.CRC, us.Applied = crc, true
	c.st.ConfigVersion = c.cfg.String(provisioning.ParamINIFileVersion)
	if res.ResetNow {
		c.restartReasons = append(c.restartReasons, kind.Param()+" has ResetNow = 1")
	}
	if len(res.RestartRequired) > 0 {
		c.restartReasons = append(c.restartReasons, "changed "+strings.Join(res.RestartRequired, ", "))
	}
	return Applied, nil
}

// iniCRC is the AUPDCheckIfIniChanged checksum: mode 1 over the whole file,
// mode 2 over its lines in sorted order, so reordering is not a change.
func iniCRC(body []byte, mode int64) uint32 {
	if mode != 2 {
		return crc32.ChecksumIEEE(body)
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, len(body)+1)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	slices.Sort(lines)
	return crc32.ChecksumIEEE([]byte(strings.Join(lines, "\n")))
}

func (c *cycle) processFirmware(ctx context.Context, kind FileKind, body []byte, us *urlState) (Outcome, error) {
	fw, err := DecodeFirmware(body)
	if err != nil {
		return Failed, err
	}
	hexSum := hex.EncodeToString(fw.SHA256[:])
	if fw.Version == c.u.opts.Identity.Version || hexSum == us.SHA256 {
		us.Done = kind == FileFirmware
		return Unchanged, nil
	}
	if err := c.u.opts.Host.StageFirmware(ctx, fw); err != nil {
		return Failed, fmt.Errorf("stage firmware %s: %w", fw.Version, err)
	}
	us.SHA256 = hexSum
	us.Done = kind == FileFirmware
	c.restartReasons = append(c.restartReasons, "firmware "+fw.Version+" staged")
	return Applied, nil
}

// redact hides the password of a URL's userinfo.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparsable URL>"
	}
	return u.Redacted()
}

// scrub removes a URL's password from an error message (net/http errors
// quote the URL they failed on).
func scrub(err error, raw string) error {
	u, perr := url.Parse(raw)
	if perr != nil || u.User == nil {
		return err
	}
	if _, has := u.User.Password(); !has {
		return err
	}
	msg := err.Error()
	clean := strings.ReplaceAll(msg, raw, redact(raw))
	if clean == msg {
		return err
	}
	return &scrubbed{msg: clean, err: err}
}

type scrubbed struct {
	msg string
	err error
}

func (s *scrubbed) Error() string { return s.msg }
func (s *scrubbed) Unwrap() error { return s.err }
