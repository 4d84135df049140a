package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/telephony/gateway"
)

// TestWebManagementOfRunningGateway: an admin logs in to the running
// gateway's pages and uploads an ini that renumbers the ports (restart
// required): the gateway restarts in-process on it and the admin's session
// outlives the restart.
func TestWebManagementOfRunningGateway(t *testing.T) {
	g := startGateway(t, "", `[ WebUsers ]
FORMAT WebUsers_Index = WebUsers_Username, WebUsers_Password, WebUsers_Privilege;
WebUsers 0 = "admin", "correct-horse-battery", 1;
[ \WebUsers ]`)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	base := "http://" + g.HTTP
	get := func(path string) string {
		t.Helper()
		res, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", path, res.StatusCode, b)
		}
		return string(b)
	}
	res, err := client.PostForm(base+"/login", url.Values{"username": {"admin"}, "password": {"correct-horse-battery"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	page := get("/config")
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the configuration page (not logged in?):\n%s", page)
	}

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", m[1])
	fw, _ := mw.CreateFormFile("ini", "renumber.ini")
	_, _ = io.WriteString(fw, `SetDefaultOnIniFileProcess = 0
INIFileVersion = 'from-the-web'
[ TrunkGroup ]
FORMAT TrunkGroup_Index = TrunkGroup_TrunkGroupNum, TrunkGroup_FirstBChannel, TrunkGroup_LastBChannel, TrunkGroup_FirstPhoneNumber;
TrunkGroup 0 = 1, 1, 4, 301;
[ \TrunkGroup ]
`)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, base+"/config/upload", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if res, err = client.Do(req); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("upload: %d", res.StatusCode)
	}
	peer.WaitFor(t, 15*time.Second, "the restart", func() bool { return g.Restarts() == 1 })
	// With accounts configured the status needs a login: the session's.
	peer.WaitFor(t, 10*time.Second, "ports 301-304", func() bool {
		var st gateway.Status
		return json.Unmarshal([]byte(get("/status")), &st) == nil && len(st.Ports) == 4 && st.Ports[0].Number == "301"
	})
	if page := get("/config"); !strings.Contains(page, "from-the-web") || !strings.Contains(page, `name="csrf"`) {
		t.Fatalf("after the restart the admin is logged out or the configuration is not the uploaded one:\n%s", page)
	}
	if got := dialOutcome(t, g, "302"); got != "answered" {
		t.Fatalf("call to 302: %s", got)
	}
}
