package main

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
)

// dscpOfGatewayPackets places a SIPp call to the gateway while tshark
// captures the loopback, and returns the DSCP values tshark reads
// (ip.dsfield.dscp) in the gateway's SIP and RTP packets and in SIPp's, as
// value -> packet count.
func dscpOfGatewayPackets(t *testing.T, g *gw) (sipDSCP, rtpDSCP, sippDSCP map[int]int) {
	t.Helper()
	peer.Require(t, "tshark")
	dir := t.TempDir()
	pcap := filepath.Join(dir, "cap.pcap")
	sipPort, _ := strconv.Atoi(g.SIP[strings.LastIndex(g.SIP, ":")+1:])
	filter := fmt.Sprintf("udp portrange %d-%d or udp port %d", g.rtpBase, g.rtpBase+g.rtpCount, sipPort)
	cap := peer.Start(t, dir, "tshark", "-i", "lo", "-f", filter, "-w", pcap)
	time.Sleep(time.Second) // tshark needs a moment before it captures
	res := runSIPp(t, g.SIP, []string{"101"}, 1, 1, 1, time.Second)
	time.Sleep(500 * time.Millisecond)
	cap.Stop()
	if res.ok != 1 || res.failed != 0 {
		t.Fatalf("SIPp: %d calls succeeded, %d failed; want 1 and 0", res.ok, res.failed)
	}
	out, err := peer.Run(t, time.Minute, dir, "tshark", "-r", pcap, "-T", "fields", "-e", "udp.srcport", "-e", "udp.dstport", "-e", "ip.dsfield.dscp")
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	sipDSCP, rtpDSCP, sippDSCP = map[int]int{}, map[int]int{}, map[int]int{}
	inRTP := func(p int) bool { return p >= g.rtpBase && p <= g.rtpBase+g.rtpCount }
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		src, _ := strconv.Atoi(f[0])
		dst, _ := strconv.Atoi(f[1])
		dscp, err := strconv.Atoi(f[2])
		if err != nil {
			t.Fatalf("tshark line %q: %v", line, err)
		}
		switch {
		case src == sipPort:
			sipDSCP[dscp]++
		case inRTP(src):
			rtpDSCP[dscp]++
		case dst == sipPort || inRTP(dst):
			sippDSCP[dscp]++
		}
	}
	return sipDSCP, rtpDSCP, sippDSCP
}

func only(m map[int]int, want int) bool { _, ok := m[want]; return len(m) == 1 && ok }

func show(m map[int]int) string {
	var s []string
	for v, n := range m {
		s = append(s, fmt.Sprintf("DSCP %d: %d packets", v, n))
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

// TestDSCPMarking: in a real call, tshark reads DSCP 40 in every SIP packet
// and 46 in every RTP packet the gateway sends (the defaults of
// PremiumServiceClassControlDiffServ and PremiumServiceClassMediaDiffServ),
// and the values configured when they are set; SIPp's own packets stay 0.
func TestDSCPMarking(t *testing.T) {
	for _, tc := range []struct {
		name      string
		ini       string
		sip, rtp  int
		minPacket int
	}{
		{"defaults", "", 40, 46, 40},
		{"configured", "PremiumServiceClassControlDiffServ = 24\nPremiumServiceClassMediaDiffServ = 34", 24, 34, 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := startGateway(t, "", tc.ini)
			sipD, rtpD, sippD := dscpOfGatewayPackets(t, g)
			if !only(sipD, tc.sip) || sipD[tc.sip] < 3 { // 100/180/200 at least, and the BYE's 200
				t.Errorf("gateway SIP packets: %s; want all DSCP %d", show(sipD), tc.sip)
			}
			if !only(rtpD, tc.rtp) || rtpD[tc.rtp] < tc.minPacket {
				t.Errorf("gateway RTP packets: %s; want all DSCP %d, %d or more", show(rtpD), tc.rtp, tc.minPacket)
			}
			if !only(sippD, 0) {
				t.Errorf("SIPp's packets: %s; want DSCP 0 (unmarked)", show(sippD))
			}
			t.Logf("gateway SIP %s; RTP %s; SIPp %s", show(sipD), show(rtpD), show(sippD))
		})
	}
}
