package main

import (
	"bytes"
	"context"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/potsgate/potsgate/internal/peer"
)

// browser starts a headless Chromium (Debian's chromium) for the test, with
// a fresh profile and every background service off: the machine has no
// network beyond loopback, and a test must not reach further anyway.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := peer.Require(t, "chromium")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter"),
		chromedp.Flag("password-store", "basic"),
		chromedp.WindowSize(1100, 900),
		chromedp.UserDataDir(t.TempDir()),
	)
	t.Cleanup(cancelAlloc)
	tab, cancelTab := chromedp.NewContext(alloc, chromedp.WithLogf(t.Logf))
	t.Cleanup(cancelTab)
	return tab
}

// TestWebPagesInBrowser: an admin uses the management pages of the running
// gateway in a real browser: logs in, sees the ports, uploads an ini with
// an invalid line and sees that line reported (nothing applied), locks and
// unlocks the gateway, logs out. Every request the pages make goes to the
// gateway: no script, style or font from anywhere else. The status page's
// screenshot is kept as the test's artifact (go test -artifacts).
func TestWebPagesInBrowser(t *testing.T) {
	g := startGateway(t, "", `[ WebUsers ]
FORMAT WebUsers_Index = WebUsers_Username, WebUsers_Password, WebUsers_Privilege;
WebUsers 0 = "admin", "correct-horse-battery", 1;
[ \WebUsers ]`)
	base := "http://" + g.HTTP
	ctx := browser(t)

	var mu sync.Mutex
	var requested []string
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requested = append(requested, e.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// submit clicks a button that posts a form and waits for the page
	// the post leads to.
	submit := func(what, button string) {
		t.Helper()
		if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(button))); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	location := func() string {
		t.Helper()
		l, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimPrefix(l, base)
	}

	// keep saves a screenshot of the page as an artifact of the test.
	keep := func(name string) {
		t.Helper()
		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
		if err != nil {
			t.Fatal(err)
		}
		if cfg, err := png.DecodeConfig(bytes.NewReader(shot)); err != nil || cfg.Width < 800 || cfg.Height < 400 {
			t.Fatalf("screenshot %s: %v, %+v", name, err, cfg)
		}
		path := filepath.Join(t.ArtifactDir(), name)
		if err := os.WriteFile(path, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}

	// Log in: the status page sends a browser to the login form.
	do("open the status page", chromedp.Navigate(base+"/"))
	if l := location(); l != "/login" {
		t.Fatalf("without a session / went to %s, want /login", l)
	}
	do("fill in the login form", chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), "admin"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "correct-horse-battery"))
	submit("log in", `form[action="/login"] button`)
	if l, nav := location(), text("nav"); l != "/" || !strings.Contains(nav, "admin (admin)") {
		t.Fatalf("after logging in: at %s, nav %q", l, nav)
	}

	// The ports, on the status page.
	ports := text("table")
	for _, n := range []string{"101", "102", "103", "104"} {
		if !strings.Contains(ports, n) {
			t.Errorf("port %s not on the status page:\n%s", n, ports)
		}
	}
	keep("status.png")

	// An ini with an invalid third line: reported by line, nothing applied.
	bad := filepath.Join(t.TempDir(), "bad.ini")
	if err := os.WriteFile(bad, []byte("SetDefaultOnIniFileProcess = 0\nINIFileVersion = 'from-the-browser'\nRingOnPeriod = often\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	do("open the configuration page", chromedp.Navigate(base+"/config"),
		chromedp.SetUploadFiles(chromedp.CSS(`input[name="ini"]`), []string{bad}))
	submit("upload", `form[action="/config/upload"] button`)
	report := text(".err")
	if !strings.Contains(report, "1 invalid line") || !strings.Contains(report, "bad.ini:3") || !strings.Contains(report, "RingOnPeriod") {
		t.Errorf("upload report %q: want line 3's RingOnPeriod reported", report)
	}
	if cfg := text("pre"); strings.Contains(cfg, "from-the-browser") {
		t.Errorf("the invalid file was applied in part:\n%s", cfg)
	}
	keep("upload-error.png")

	// Lock, then unlock; the gateway's own state follows.
	do("open the maintenance page", chromedp.Navigate(base+"/maintenance"))
	submit("lock", `form[action="/maintenance/lock"] button`)
	if h := text("h2"); !strings.Contains(h, "Administrative state: locked") {
		t.Errorf("after Lock the page says %q", h)
	}
	keep("locked.png")
	if _, m := scrape(t, g, "admin", "correct-horse-battery"); !strings.Contains(m, "\npotsgate_admin_locked 1\n") {
		t.Errorf("after Lock the gateway is not locked (potsgate_admin_locked)")
	}
	do("open the maintenance page", chromedp.Navigate(base+"/maintenance"))
	submit("unlock", `form[action="/maintenance/unlock"] button`)
	if h := text("h2"); !strings.Contains(h, "Administrative state: unlocked") {
		t.Errorf("after Unlock the page says %q", h)
	}
	if _, m := scrape(t, g, "admin", "correct-horse-battery"); !strings.Contains(m, "\npotsgate_admin_locked 0\n") {
		t.Errorf("after Unlock the gateway is still locked (potsgate_admin_locked)")
	}

	// Log out: the session is gone, the pages send the browser to log in.
	submit("log out", `form[action="/logout"] button`)
	if l := location(); !strings.HasPrefix(l, "/login") {
		t.Errorf("after logging out: at %s", l)
	}
	do("open the configuration page", chromedp.Navigate(base+"/config"))
	if l := location(); !strings.HasPrefix(l, "/login") {
		t.Errorf("after logging out /config went to %s, want the login form", l)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(requested) < 10 {
		t.Fatalf("only %d requests seen: %v", len(requested), requested)
	}
	for _, r := range requested {
		u, err := url.Parse(r)
		if err != nil || u.Host != g.HTTP {
			t.Errorf("the pages requested %s: not the gateway", r)
		}
	}
}
