package autoupdate

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/provisioning"
)

var testIdentity = Identity{Model: "MP-124-SIM", Version: "1.0.0", MAC: "00:90:8F:AB:CD:EF"}

type fixture struct {
	reg   *provisioning.Registry
	host  *recordingHost
	log   *logBuffer
	u     *Updater
	state string
}

// newFixture builds an updater whose running configuration is ini.
func newFixture(t *testing.T, ini string, opts Options) *fixture {
	t.Helper()
	f := &fixture{reg: testRegistry(t), log: &logBuffer{}, state: t.TempDir()}
	f.host = newHost(t, f.reg, ini)
	opts.Registry, opts.Host, opts.Logger, opts.StateDir = f.reg, f.host, f.log.logger(), f.state
	if opts.Identity == (Identity{}) {
		opts.Identity = testIdentity
	}
	opts.RequestTimeout = 10 * time.Second
	u, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	f.u = u
	return f
}

func (f *fixture) cycle(t *testing.T) Report {
	t.Helper()
	rep, err := f.u.RunCycle(t.Context(), "test")
	if err != nil {
		t.Fatalf("RunCycle: %v", err)
	}
	return rep
}

// only returns the single file result of a report.
func only(t *testing.T, rep Report) FileResult {
	t.Helper()
	if len(rep.Files) != 1 {
		t.Fatalf("report has %d files, want 1: %+v", len(rep.Files), rep)
	}
	return rep.Files[0]
}

func wantOutcome(t *testing.T, fr FileResult, want Outcome) {
	t.Helper()
	if fr.Outcome != want {
		t.Fatalf("%s %s: outcome %v (status %d, err %v), want %v", fr.Kind, fr.URL, fr.Outcome, fr.Status, fr.Err, want)
	}
}

const goodIni = "; from the provisioning server\nRegistrationTime = 120\nINIFileVersion = 'v42'\n"

func TestLighttpdBasicAuthInURL(t *testing.T) {
	srv := startLighttpd(t)
	srv.put(t, "basic/gw-00908fabcdef.ini", goodIni, time.Now().Add(-time.Hour))
	u := strings.Replace(srv.http, "http://", "http://"+httpUser+":"+httpPass+"@", 1)
	f := newFixture(t, fmt.Sprintf("IniFileURL = '%s/basic/gw-<MAC>.ini'\n", u), Options{})
	rep := f.cycle(t)
	fr := only(t, rep)
	wantOutcome(t, fr, Applied)
	if got := f.host.Config().Int("RegistrationTime"); got != 120 {
		t.Fatalf("RegistrationTime = %d after apply, want 120", got)
	}
	if !strings.Contains(fr.URL, "gw-00908fabcdef.ini") || strings.Contains(fr.URL, httpPass) {
		t.Fatalf("reported URL %q: want the MAC substituted and the password hidden", fr.URL)
	}
	mustNotContain(t, "log", f.log.String(), httpPass)
	mustNotContain(t, "report", fmt.Sprintf("%+v", rep), httpPass)
	state, _ := os.ReadFile(filepath.Join(f.state, stateFile))
	mustNotContain(t, "state file", string(state), httpPass)

	// The User-Agent as the server logged it.
	lines := srv.accessLines(t, 1)
	last := lines[len(lines)-1]
	for _, want := range []string{`"GET /basic/gw-00908fabcdef.ini`, " 200 ", " gw ", "potsgate", "MP-124-SIM", "1.0.0", "00908fabcdef"} {
		if !strings.Contains(last, want) {
			t.Errorf("access log line %q lacks %q", last, want)
		}
	}

	// Wrong password: 401, a clear failure, configuration untouched.
	bad := strings.Replace(srv.http, "http://", "http://"+httpUser+":wrong@", 1)
	f2 := newFixture(t, fmt.Sprintf("IniFileURL = '%s/basic/gw-<MAC>.ini'\n", bad), Options{})
	fr = only(t, f2.cycle(t))
	wantOutcome(t, fr, Failed)
	var he *HTTPError
	if !errors.As(fr.Err, &he) || he.Status != http.StatusUnauthorized || !strings.Contains(fr.Err.Error(), "401") {
		t.Fatalf("wrong password: err = %v, want an HTTPError 401", fr.Err)
	}
	if got := f2.host.Config().Int("RegistrationTime"); got != 3600 {
		t.Fatalf("RegistrationTime = %d after a 401, want the running 3600", got)
	}
}

func TestLighttpdUserAgentCarriesConfigVersion(t *testing.T) {
	srv := startLighttpd(t)
	srv.put(t, "gw.ini", goodIni, time.Now().Add(-time.Hour))
	f := newFixture(t, fmt.Sprintf("IniFileURL = '%s/gw.ini'\nINIFileVersion = 'cfg-7'\n", srv.http), Options{})
	wantOutcome(t, only(t, f.cycle(t)), Applied)
	line := srv.accessLines(t, 1)[0]
	want := `"Mozilla/4.0 (compatible; potsgate; MP-124-SIM;1.0.0;00908fabcdef;cfg-7)"`
	if !strings.HasSuffix(line, want) {
		t.Fatalf("access log line %q\nwant User-Agent %s", line, want)
	}
	// The next request carries the version the downloaded ini set.
	srv.put(t, "gw.ini", goodIni+"; touched\n", time.Now().Add(time.Hour))
	f.cycle(t)
	lines := srv.accessLines(t, 2)
	if !strings.Contains(lines[len(lines)-1], ";v42)") {
		t.Fatalf("second request %q does not carry configuration version v42", lines[len(lines)-1])
	}
}

func TestLighttpdDigest(t *testing.T) {
	srv := startLighttpd(t)
	for _, dir := range []string{"digest", "digest256"} {
		t.Run(dir, func(t *testing.T) {
			srv.put(t, dir+"/gw.ini", goodIni, time.Now().Add(-time.Hour))
			ini := fmt.Sprintf("IniFileURL = '%s/%s/gw.ini'\nAUPDDigestUsername = '%s'\nAUPDDigestPassword = '%s'\n", srv.http, dir, httpUser, httpPass)
			f := newFixture(t, ini, Options{})
			wantOutcome(t, only(t, f.cycle(t)), Applied)
			mustNotContain(t, "log", f.log.String(), httpPass)

			wrong := strings.Replace(ini, "'"+httpPass+"'", "'nope'", 1)
			f = newFixture(t, wrong, Options{})
			fr := only(t, f.cycle(t))
			wantOutcome(t, fr, Failed)
			if fr.Status != http.StatusUnauthorized {
				t.Fatalf("wrong digest password: status %d, want 401", fr.Status)
			}
		})
	}
	// The SHA-256 realm refuses an MD5 answer, so the pass above proves the
	// client answered with SHA-256.
	lines := srv.accessLines(t, 4)
	var sha256OK bool
	for _, l := range lines {
		if strings.Contains(l, "/digest256/gw.ini") && strings.Contains(l, " 200 ") && strings.Contains(l, " gw ") {
			sha256OK = true
		}
	}
	if !sha256OK {
		t.Fatalf("no authenticated 200 for /digest256/ in the access log:\n%s", strings.Join(lines, "\n"))
	}
}

func TestLighttpdHTTPS(t *testing.T) {
	srv := startLighttpd(t)
	srv.put(t, "gw.ini", goodIni, time.Now().Add(-time.Hour))
	ini := fmt.Sprintf("IniFileURL = '%s/gw.ini'\n", srv.https)

	t.Run("verified with the CA", func(t *testing.T) {
		f := newFixture(t, ini, Options{RootCAs: srv.pki.pool})
		wantOutcome(t, only(t, f.cycle(t)), Applied)
	})
	t.Run("unknown CA fails clearly", func(t *testing.T) {
		f := newFixture(t, ini, Options{})
		fr := only(t, f.cycle(t))
		wantOutcome(t, fr, Failed)
		if !strings.Contains(fr.Err.Error(), "certificate") {
			t.Fatalf("err = %v, want it to name the certificate problem", fr.Err)
		}
		if f.host.Config().Int("RegistrationTime") != 3600 {
			t.Fatal("configuration changed although the download failed")
		}
	})
	t.Run("verification turned off", func(t *testing.T) {
		f := newFixture(t, ini+"AUPDVerifyCertificates = 0\n", Options{})
		wantOutcome(t, only(t, f.cycle(t)), Applied)
	})
	t.Run("client certificate required", func(t *testing.T) {
		mini := fmt.Sprintf("IniFileURL = '%s/gw.ini'\n", srv.mtls)
		f := newFixture(t, mini, Options{RootCAs: srv.pki.pool})
		fr := only(t, f.cycle(t))
		wantOutcome(t, fr, Failed)
		f = newFixture(t, mini, Options{RootCAs: srv.pki.pool, ClientCert: &srv.pki.clientCert})
		wantOutcome(t, only(t, f.cycle(t)), Applied)
	})
}

func TestLighttpdIfModifiedSince(t *testing.T) {
	srv := startLighttpd(t)
	srv.put(t, "gw.ini", goodIni+"EnableCallerID = 1\n", time.Now().Add(-time.Hour))
	f := newFixture(t, fmt.Sprintf("IniFileURL = '%s/gw.ini'\n", srv.http), Options{})
	rep := f.cycle(t)
	wantOutcome(t, only(t, rep), Applied)
	if !rep.Restarted || len(f.host.restarts) != 1 {
		t.Fatalf("EnableCallerID needs a restart: report %+v, restarts %v", rep, f.host.restarts)
	}

	// Second cycle: If-Modified-Since, 304, nothing applied, no restart.
	rep = f.cycle(t)
	wantOutcome(t, only(t, rep), NotModified)
	if applied, _, restarts := f.host.counts(); applied != 1 || restarts != 1 || rep.Restarted {
		t.Fatalf("after 304: %d applies, %d restarts, want 1 and 1", applied, restarts)
	}
	lines := srv.accessLines(t, 2)
	if !strings.Contains(lines[1], " 304 ") {
		t.Fatalf("second request was answered %q, want 304", lines[1])
	}

	// A new updater on the same state directory (a restarted gateway) still
	// sends If-Modified-Since.
	u2, _ := New(Options{Registry: f.reg, Host: f.host, StateDir: f.state, Identity: testIdentity})
	rep, _ = u2.RunCycle(t.Context(), "after restart")
	wantOutcome(t, only(t, rep), NotModified)

	// A changed file is downloaded and applied.
	srv.put(t, "gw.ini", "RegistrationTime = 300\nEnableCallerID = 1\n", time.Now().Add(time.Hour))
	rep = f.cycle(t)
	wantOutcome(t, only(t, rep), Applied)
	if got := f.host.Config().Int("RegistrationTime"); got != 300 {
		t.Fatalf("RegistrationTime = %d, want 300 from the changed file", got)
	}
	if rep.Restarted {
		t.Fatalf("restarted although no restart-required value changed: %s", rep.RestartReason)
	}
}

func TestLighttpdMalformedIniKeepsRunningConfig(t *testing.T) {
	srv := startLighttpd(t)
	srv.put(t, "gw.ini", "RegistrationTime = 120\n; fine so far\nRegistrationTime = banana\nEnableCallerID = 7\n", time.Now().Add(-time.Hour))
	f := newFixture(t, fmt.Sprintf("IniFileURL = '%s/gw.ini'\nAUPDRetryTime = 45\n", srv.http), Options{})
	fr := only(t, f.cycle(t))
	wantOutcome(t, fr, Failed)
	msg := fr.Err.Error()
	for _, want := range []string{"gw.ini:3", "RegistrationTime", "gw.ini:4", "EnableCallerID"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not name %q", msg, want)
		}
	}
	if applied, _, _ := f.host.counts(); applied != 0 || f.host.Config().Int("RegistrationTime") != 3600 {
		t.Fatal("a malformed ini changed the running configuration")
	}
	// A later, fixed file at the same URL is applied (the failure was not
	// remembered as this URL's content).
	srv.put(t, "gw.ini", goodIni, time.Now().Add(time.Hour))
	wantOutcome(t, only(t, f.cycle(t)), Applied)
}

func TestLighttpdFirmware(t *testing.T) {
	srv := startLighttpd(t)
	img, err := EncodeFirmware("potsgate", "2.0.0", []byte("new image"))
	if err != nil {
		t.Fatal(err)
	}
	srv.put(t, "fw.img", string(img), time.Now().Add(-time.Hour))
	bad := append([]byte(nil), img...)
	bad[len(bad)-1] ^= 0xff
	srv.put(t, "bad.img", string(bad), time.Now().Add(-time.Hour))
	srv.put(t, "gw.ini", goodIni+"EnableCallerID = 1\n", time.Now().Add(-time.Hour))

	ini := fmt.Sprintf("IniFileURL = '%[1]s/gw.ini'\nCmpFileURL = '%[1]s/fw.img'\n", srv.http)
	f := newFixture(t, ini, Options{})
	rep := f.cycle(t)
	if len(rep.Files) != 2 || rep.Files[0].Outcome != Applied || rep.Files[1].Outcome != Applied {
		t.Fatalf("report %+v", rep)
	}
	// Configuration before firmware, one restart after both.
	if got := strings.Join(f.host.eventLog(), ","); got != "config,firmware 2.0.0,restart" {
		t.Fatalf("host saw %s, want config,firmware 2.0.0,restart", got)
	}
	// CmpFileURL is installed once: the next cycle does not stage it again.
	srv.put(t, "fw.img", string(img), time.Now().Add(time.Hour))
	f.cycle(t)
	if _, fw, _ := f.host.counts(); fw != 1 {
		t.Fatalf("firmware staged %d times, want once", fw)
	}

	// An invalid image is never staged and causes no restart.
	f = newFixture(t, fmt.Sprintf("AutoCmpFileUrl = '%s/bad.img'\nAutoUpdateCmpFile = 1\n", srv.http), Options{})
	rep = f.cycle(t)
	fr := only(t, rep)
	wantOutcome(t, fr, Failed)
	if !errors.Is(fr.Err, ErrBadFirmware) || rep.Restarted || len(f.host.eventLog()) != 0 {
		t.Fatalf("bad image: err %v, restarted %v, host saw %v", fr.Err, rep.Restarted, f.host.eventLog())
	}
	// AutoCmpFileUrl is ignored while AutoUpdateCmpFile = 0.
	f = newFixture(t, fmt.Sprintf("AutoCmpFileUrl = '%s/fw.img'\n", srv.http), Options{})
	if rep := f.cycle(t); len(rep.Files) != 0 {
		t.Fatalf("AutoUpdateCmpFile = 0 but the cycle fetched %+v", rep.Files)
	}
}

// TestServerIgnoringIfModifiedSince uses a server that answers 200 with the
// same body every time: the CRC check must keep it from being re-applied.
func TestServerIgnoringIfModifiedSince(t *testing.T) {
	var sawIMS bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-Modified-Since") != "" {
			sawIMS = true
		}
		fmt.Fprint(w, goodIni+"EnableCallerID = 1\n")
	}))
	defer srv.Close()
	for _, mode := range []string{"1", "2"} {
		f := newFixture(t, fmt.Sprintf("IniFileURL = '%s/gw.ini'\nAUPDCheckIfIniChanged = %s\n", srv.URL, mode), Options{})
		wantOutcome(t, only(t, f.cycle(t)), Applied)
		rep := f.cycle(t)
		wantOutcome(t, only(t, rep), Unchanged)
		if applied, _, restarts := f.host.counts(); applied != 1 || restarts != 1 || rep.Restarted {
			t.Fatalf("mode %s: %d applies and %d restarts, want 1 and 1", mode, applied, restarts)
		}
	}
	if !sawIMS {
		t.Fatal("the client never sent If-Modified-Since")
	}
	// Mode 0 re-applies every download.
	f := newFixture(t, fmt.Sprintf("IniFileURL = '%s/gw.ini'\nAUPDCheckIfIniChanged = 0\n", srv.URL), Options{})
	f.cycle(t)
	wantOutcome(t, only(t, f.cycle(t)), Applied)
}

// TestCheckIfIniChangedSortedLines: mode 2 ignores a reordering, mode 1 does not.
func TestCheckIfIniChangedSortedLines(t *testing.T) {
	body := "RegistrationTime = 120\nEnableCallerID = 1\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) }))
	defer srv.Close()
	for mode, want := range map[string]Outcome{"1": Applied, "2": Unchanged} {
		body = "RegistrationTime = 120\nEnableCallerID = 1\n"
		f := newFixture(t, fmt.Sprintf("IniFileURL = '%s/gw.ini'\nAUPDCheckIfIniChanged = %s\n", srv.URL, mode), Options{})
		f.cycle(t)
		body = "EnableCallerID = 1\nRegistrationTime = 120\n"
		if got := only(t, f.cycle(t)).Outcome; got != want {
			t.Errorf("mode %s, reordered file: %v, want %v", mode, got, want)
		}
	}
}

// TestFailuresRetryAfterRetryTime: every failing server gives a clear
// result, leaves the configuration alone, and Run schedules the next cycle
// AUPDRetryTime later (seen through Options.After, so nothing sleeps).
func TestFailuresRetryAfterRetryTime(t *testing.T) {
	down := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return "http://" + addr
	}()
	status500 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "database on fire", http.StatusInternalServerError)
	}))
	defer status500.Close()
	truncated := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, "RegistrationTime = 120\n")
		// Returning with less than Content-Length makes net/http cut the connection.
	}))
	defer truncated.Close()
	srv := startLighttpd(t)
	srv.put(t, "basic/gw.ini", goodIni, time.Now().Add(-time.Hour))
	unauthorized := srv.http + "/basic/gw.ini"

	cases := []struct {
		name, url, want string
	}{
		{"server down", down + "/gw.ini", "connection refused"},
		{"401", unauthorized, "401"},
		{"500", status500.URL + "/gw.ini", "500"},
		{"truncated body", truncated.URL + "/gw.ini", "cut short"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fixed := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
			delays := make(chan time.Duration, 1)
			reports := make(chan Report, 1)
			f := newFixture(t, fmt.Sprintf("IniFileURL = '%s'\nAUPDRetryTime = 45\nAutoUpdateFrequency = 60\n", tc.url), Options{
				Now:      func() time.Time { return fixed },
				Observer: ObserverFunc(func(r Report) { reports <- r }),
				After: func(d time.Duration) <-chan time.Time {
					delays <- d
					return nil // never fires: the test ends Run
				},
			})
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() { done <- f.u.Run(ctx) }()
			rep := <-reports
			d := <-delays
			cancel()
			<-done
			fr := only(t, rep)
			wantOutcome(t, fr, Failed)
			if !strings.Contains(fr.Err.Error(), tc.want) {
				t.Errorf("err = %v, want it to say %q", fr.Err, tc.want)
			}
			if d != 45*time.Second {
				t.Errorf("next cycle in %v, want AUPDRetryTime 45s", d)
			}
			if applied, _, restarts := f.host.counts(); applied != 0 || restarts != 0 {
				t.Errorf("%d applies and %d restarts after a failure", applied, restarts)
			}
			if !strings.Contains(f.log.String(), "result=failed") {
				t.Errorf("log does not report the failure:\n%s", f.log.String())
			}
		})
	}
}

func TestRedirectFollowed(t *testing.T) {
	srv := startLighttpd(t)
	srv.put(t, "gw.ini", goodIni, time.Now().Add(-time.Hour))
	redirector := httptest.NewServer(http.RedirectHandler(srv.http+"/gw.ini", http.StatusFound))
	defer redirector.Close()
	f := newFixture(t, fmt.Sprintf("IniFileURL = '%s/old/gw.ini'\n", redirector.URL), Options{})
	wantOutcome(t, only(t, f.cycle(t)), Applied)
}

func TestAuxiliaryFileInstalledOnce(t *testing.T) {
	srv := startLighttpd(t)
	srv.put(t, "cpt.dat", "[CALL PROGRESS TONE #0]\n", time.Now().Add(-time.Hour))
	f := newFixture(t, fmt.Sprintf("CptFileURL = '%s/cpt.dat'\nAUPDCheckIfIniChanged = 0\n", srv.http), Options{})
	rep := f.cycle(t)
	wantOutcome(t, only(t, rep), Applied)
	if got := string(f.host.files[FileCPT]); got != "[CALL PROGRESS TONE #0]\n" {
		t.Fatalf("installed %q", got)
	}
	// Tones are loaded at start: a new tones file takes a restart.
	if !rep.Restarted || !strings.Contains(rep.RestartReason, "CptFileUrl installed") {
		t.Fatalf("restart %v %q after a new tones file", rep.Restarted, rep.RestartReason)
	}
	// Same content served again (newer time): not installed twice.
	srv.put(t, "cpt.dat", "[CALL PROGRESS TONE #0]\n", time.Now().Add(time.Hour))
	rep = f.cycle(t)
	wantOutcome(t, only(t, rep), Unchanged)
	if rep.Restarted {
		t.Fatal("restarted for an unchanged tones file")
	}
}
