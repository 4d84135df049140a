package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
)

// TestBlindTransferByHookFlash: a phone in a call with a SIPp UAS flashes,
// hears dial tone while SIPp is held (sendonly re-INVITE), dials 201 and
// SIPp gets a REFER to 201, accepts it and reports the new call answered;
// the gateway then leaves the call with BYE and the phone hears it gone.
func TestBlindTransferByHookFlash(t *testing.T) {
	peer.Require(t, "sipp")
	scen, _ := filepath.Abs("testdata/uas_transfer.xml")
	sippPort, mediaPort := peer.FreeUDPPort(t), 44000+2*int(time.Now().UnixNano()%2000)
	uas := peer.Start(t, "", "sipp", "-sf", scen, "-i", "127.0.0.1", "-p", strconv.Itoa(sippPort),
		"-mi", "127.0.0.1", "-mp", strconv.Itoa(mediaPort), "-m", "1", "-nostdin", "-cp", strconv.Itoa(peer.FreeUDPPort(t)),
		"-trace_logs", "-log_file", filepath.Join(t.TempDir(), "sipp.log"))
	time.Sleep(300 * time.Millisecond) // SIPp has no readiness signal on UDP
	g := startGateway(t, "", fmt.Sprintf("ProxyIP = '127.0.0.1:%d'", sippPort))
	ph := dialFromPort1(t, g, "200", uas.Output)
	ph.Flash(300 * time.Millisecond)
	ph.Wait(time.Second) // dial tone while the far end is held
	ph.DialDTMF("201")
	if err := uas.Wait(20 * time.Second); err != nil {
		t.Fatalf("sipp (far end of the transfer): %v\n%s", err, uas.Output())
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := g.status(t)
		if st.Ports[0].State == "disconnected" && st.Counters["transferred"] == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the transfer: %+v", st)
		}
		time.Sleep(50 * time.Millisecond)
	}
	ph.HangUp()
}
