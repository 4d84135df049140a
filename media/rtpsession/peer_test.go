package rtpsession

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
)

// TestTsharkCleanStream captures a paced 20 ms PCMU stream between two
// sessions with tshark and checks that its RTP stream analysis reports all
// packets, 0 lost and no sequence or timestamp problem.
func TestTsharkCleanStream(t *testing.T) {
	peer.Require(t, "tshark")
	ca, cb := listen(t), listen(t)
	port := addrOf(cb).Port()
	dir := t.TempDir()
	pcap := filepath.Join(dir, "cap.pcap")
	const packets = 100
	// RTCP is off: the capture holds the RTP towards B only.
	cap := peer.Start(t, dir, "tshark", "-i", "lo", "-f", fmt.Sprintf("udp dst port %d", port), "-c", fmt.Sprint(packets), "-w", pcap)
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(cap.Output(), "Capturing on") {
		if time.Now().After(deadline) {
			t.Fatalf("tshark did not start: %s", cap.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
	a := newSession(t, Config{Conn: ca, Remote: addrOf(cb), RTCPInterval: -1})
	b := newSession(t, Config{Conn: cb, RTCPInterval: -1})
	frame := make([]int16, 80)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	// "Capturing on" can come before the filter sees packets: the stream
	// goes on until tshark has its count (up to twice as long), and loss
	// is counted by sequence number within what it captured.
stream:
	for i := range 4 * packets {
		select {
		case <-cap.Done():
			break stream
		case <-tick.C:
		}
		a.WriteFrame(toneFrame(frame, i*80, 1000, 8000))
		b.ReadFrame(frame)
	}
	if err := cap.Wait(10 * time.Second); err != nil {
		t.Fatalf("tshark: %v\n%s", err, cap.Output())
	}
	out, err := peer.Run(t, 30*time.Second, dir, "tshark", "-r", pcap, "-d", fmt.Sprintf("udp.port==%d,rtp", port), "-q", "-z", "rtp,streams")
	if err != nil {
		t.Fatalf("tshark -z rtp,streams: %v\n%s", err, out)
	}
	t.Logf("%s", out)
	var line string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "g711U") {
			line = l
		}
	}
	f := strings.Fields(line)
	// ... SSRC Payload Pkts Lost (pct) ...
	i := 0
	for i < len(f) && f[i] != "g711U" {
		i++
	}
	if i+3 >= len(f) {
		t.Fatalf("no PCMU stream in tshark output:\n%s", out)
	}
	if f[i+1] != fmt.Sprint(packets) || f[i+2] != "0" || f[i+3] != "(0.0%)" {
		t.Errorf("tshark: %s packets, %s %s lost; want %d, 0 (0.0%%)", f[i+1], f[i+2], f[i+3], packets)
	}
	if strings.HasSuffix(strings.TrimSpace(line), "X") {
		t.Errorf("tshark flags a problem: %s", line)
	}
}
