package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/internal/testcert"
)

// tlsSRTPIni is SRTP mandatory with the keys allowed only over TLS
// signalling (EnableSDESOverInsecureTransport stays 0).
const tlsSRTPIni = "EnableMediaSecurity = 1\nMediaSecurityBehaviour = 1\nSIPTransportType = 2"

// secureBaresip is a baresip speaking TLS with a certificate of p's root,
// and SRTP mandatory, beside a gateway using p's device certificate.
func secureBaresip(t *testing.T, p *pki) (dir, sipAddr, rec string, rtpBase int) {
	t.Helper()
	leaf := p.root.Issue(t, testcert.Localhost())
	certDir := t.TempDir()
	// baresip reads its certificate and key from one file.
	both := testcert.WriteFile(t, certDir, "baresip.pem", append(append([]byte{}, leaf.CertPEM...), leaf.KeyPEM...))
	return baresipSRTP(t, both, p.rootFile)
}

// checkNoClearSIP reads the capture: TLS records on the SIP TLS ports
// (the gateway's and baresip's), and not one SIP message in clear.
func checkNoClearSIP(t *testing.T, pcap string, tlsPorts ...int) {
	t.Helper()
	dir := filepath.Dir(pcap)
	var decode []string
	for _, p := range tlsPorts {
		decode = append(decode, "-d", fmt.Sprintf("tcp.port==%d,tls", p))
	}
	tlsOut, err := peer.Run(t, time.Minute, dir, "tshark", append([]string{"-r", pcap, "-Y", "tls.record", "-T", "fields", "-e", "frame.number"}, decode...)...)
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, tlsOut)
	}
	sipOut, err := peer.Run(t, time.Minute, dir, "tshark", "-r", pcap, "-Y", "sip", "-T", "fields", "-e", "sip.Method", "-e", "sip.Status-Code")
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, sipOut)
	}
	tlsRecords, clearSIP := len(tsharkLines(tlsOut)), strings.Join(tsharkLines(sipOut), "; ")
	t.Logf("capture: %d packets with TLS records, cleartext SIP: %q", tlsRecords, clearSIP)
	if tlsRecords < 4 {
		t.Errorf("only %d TLS packets in the capture: the signalling did not go over TLS", tlsRecords)
	}
	if clearSIP != "" {
		t.Errorf("SIP in clear on the wire: %s", clearSIP)
	}
}

// TestBaresipTLSSRTPPhoneCalls: SIP over TLS and mandatory SRTP, keys only
// over TLS: a simulated phone calls baresip (TLS, srtp-mand); the tones
// go both ways, the status shows signalling and media encrypted, and the
// capture has no SIP and no RTP payload in clear.
func TestBaresipTLSSRTPPhoneCalls(t *testing.T) {
	p := newPKI(t, "gw-baresip")
	dir, sipAddr, rec, brtp := secureBaresip(t, p)
	bs := peer.Start(t, dir, "baresip", "-f", dir, "-t", "60")
	tlsPort := peer.FreeTCPPort(t)
	g := startGatewayFlags(t, t.TempDir(), "", func(f *gatewayFlags) {
		f.tlsRoots, f.tlsCert, f.tlsKey = p.rootFile, p.certFile, p.keyFile
	}, tlsSRTPIni, "TLSLocalSIPPort = "+strconv.Itoa(tlsPort), fmt.Sprintf("ProxyIP = '%s'", sipAddr), "EnableSAS = 0")
	_, baresipTLS, _ := strings.Cut(sipAddr, ":")
	cap, pcap := capture(t, g, brtp, "tcp port "+strconv.Itoa(tlsPort)+" or tcp port "+baresipTLS)
	time.Sleep(500 * time.Millisecond) // baresip has no readiness signal
	ph := dialFromPort1(t, g, "201", bs.Output)
	ph.Say(sine(1000, 3*time.Second))
	time.Sleep(3 * time.Second)
	cs := g.status(t).Ports[0].Call
	if cs == nil || !cs.MediaEncrypted || !cs.SignallingEncrypted || cs.Transport != "TLS" {
		t.Errorf("status of the call: %+v", cs)
	}
	heard := ph.Heard()
	if p440, p1k := goertzelPower(heard, 440), goertzelPower(heard, 1000); p440 < 100*p1k {
		t.Errorf("the phone does not hear baresip's 440 Hz over TLS+SRTP: 440 Hz %.3g, 1 kHz %.3g\n%s", p440, p1k, bs.Output())
	}
	ph.HangUp()
	time.Sleep(time.Second) // the BYE and its answer in the capture
	checkNoClearTone(t, cap, pcap)
	bport, _ := strconv.Atoi(baresipTLS)
	checkNoClearSIP(t, pcap, tlsPort, bport)
	time.Sleep(500 * time.Millisecond) // baresip closes its recording at hang-up
	if !recordedTone(t, dir, rec, 1000, 700) {
		t.Fatalf("baresip's recordings hold no 1 kHz from the phone\n%s", bs.Output())
	}
}

// TestBaresipTLSSRTPCallsPort: baresip calls port 102 over TLS with
// mandatory SRTP; the phone answers and the tones go both ways.
func TestBaresipTLSSRTPCallsPort(t *testing.T) {
	p := newPKI(t, "gw-baresip")
	dir, _, rec, brtp := secureBaresip(t, p)
	tlsPort := peer.FreeTCPPort(t)
	g := startGatewayFlags(t, t.TempDir(), "", func(f *gatewayFlags) {
		f.tlsRoots, f.tlsCert, f.tlsKey = p.rootFile, p.certFile, p.keyFile
	}, tlsSRTPIni, "TLSLocalSIPPort = "+strconv.Itoa(tlsPort), "EnableSAS = 0")
	ph := g.Phones[1]
	ph.Echo(false)
	ph.Record(true)
	ph.Say(sine(1000, 8*time.Second))
	cap, pcap := capture(t, g, brtp, "tcp port "+strconv.Itoa(tlsPort))
	target := fmt.Sprintf("/dial sip:102@127.0.0.1:%d;transport=tls", tlsPort)
	bs := peer.Start(t, dir, "baresip", "-f", dir, "-e", target, "-t", "8")
	peer.WaitFor(t, 20*time.Second, "port 102 in the call", func() bool { return g.status(t).Ports[1].State == "connected" })
	ph.Heard()
	time.Sleep(3 * time.Second)
	cs := g.status(t).Ports[1].Call
	if cs == nil || !cs.MediaEncrypted || !cs.SignallingEncrypted || cs.Transport != "TLS" {
		t.Errorf("status of the call: %+v", cs)
	}
	heard := ph.Heard()
	if p440, p1k := goertzelPower(heard, 440), goertzelPower(heard, 1000); p440 < 100*p1k {
		t.Errorf("the phone does not hear baresip's 440 Hz over TLS+SRTP: 440 Hz %.3g, 1 kHz %.3g\n%s", p440, p1k, bs.Output())
	}
	if err := bs.Wait(20 * time.Second); err != nil {
		t.Logf("baresip: %v", err)
	}
	checkNoClearTone(t, cap, pcap)
	checkNoClearSIP(t, pcap, tlsPort)
	if !recordedTone(t, dir, rec, 1000, 700) {
		t.Fatalf("baresip's recordings hold no 1 kHz from the phone\n%s", bs.Output())
	}
}

// tsharkLines are the lines of tshark's output without its warning about
// running as root (peer.Run mixes stderr in).
func tsharkLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "Running as user") {
			lines = append(lines, l)
		}
	}
	return lines
}
