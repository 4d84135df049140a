package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/media/g711"
)

// srtpIni turns mandatory SRTP on; the keys may cross UDP signalling (the
// TLS transport comes on its own branch).
const srtpIni = "EnableMediaSecurity = 1\nMediaSecurityBehaviour = 1\nEnableSDESOverInsecureTransport = 1"

// baresipSRTP writes a baresip configuration with SRTP mandatory
// (mediaenc=srtp-mand), a 440 Hz source and a recording folder, and
// returns the folder, its SIP address, the recording folder and its first
// RTP port (it uses 20 from there). With tlsFiles, baresip speaks TLS
// (it listens for it on the UDP port + 1, the address returned then) with
// that certificate and key file and those roots.
func baresipSRTP(t *testing.T, tlsFiles ...string) (dir, sipAddr, rec string, rtpBase int) {
	t.Helper()
	peer.Require(t, "baresip")
	peer.Require(t, "sox")
	dir = t.TempDir()
	rec = filepath.Join(dir, "rec")
	if err := os.MkdirAll(rec, 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "src_440.wav")
	if out, err := peer.Run(t, time.Minute, dir, "sox", "-n", "-r", "8000", "-b", "16", "-c", "1", src, "synth", "20", "sine", "440", "vol", "0.3"); err != nil {
		t.Fatalf("sox: %v\n%s", err, out)
	}
	udpPort := baresipPort(t)
	sipAddr = fmt.Sprintf("127.0.0.1:%d", udpPort)
	rtpBase = 43000 + 2*int(time.Now().UnixNano()%1000)
	trans, uri := "udp", sipAddr
	tlsConf := ""
	if len(tlsFiles) == 2 {
		trans, sipAddr = "tls", fmt.Sprintf("127.0.0.1:%d", udpPort+1)
		uri = sipAddr + ";transport=tls"
		tlsConf = fmt.Sprintf("sip_certificate\t\t%s\nsip_cafile\t\t%s\n", tlsFiles[0], tlsFiles[1])
	}
	// The recipe of ../shared/peers/baresip/config, with the srtp module.
	conf := fmt.Sprintf(`poll_method		epoll
sip_listen		%s
net_interface		127.0.0.1
sip_trans_def		%s
%scall_local_timeout	120
call_max_calls		4
audio_player		alsa,null
audio_alert		alsa,null
audio_source		aufile,%s
audio_buffer		20-160
rtp_ports		%d-%d
rtp_stats		yes
jitter_buffer_delay	1-10
module_path		/usr/lib/baresip/modules
module			g711.so
module			srtp.so
module			alsa.so
module			aufile.so
module			sndfile.so
module			cons.so
module_tmp		uuid.so
module_tmp		account.so
module_app		menu.so
snd_path		%s
cons_listen		127.0.0.1:%d
`, fmt.Sprintf("127.0.0.1:%d", udpPort), trans, tlsConf, src, rtpBase, rtpBase+20, rec, peer.FreeUDPPort(t))
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	account := fmt.Sprintf("<sip:201@%s>;regint=0;answermode=auto;audio_codecs=PCMU;mediaenc=srtp-mand\n", uri)
	if err := os.WriteFile(filepath.Join(dir, "accounts"), []byte(account), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, sipAddr, rec, rtpBase
}

// recordedTone reports whether one of baresip's recordings holds f Hz
// well above other.
func recordedTone(t *testing.T, dir, rec string, f, other float64) bool {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(rec, "*dec*.wav"))
	if len(files) == 0 {
		files, _ = filepath.Glob(filepath.Join(rec, "*.wav"))
	}
	for _, file := range files {
		out, err := peer.Run(t, time.Minute, dir, "sox", file, "-r", "8000", "-c", "1", "-b", "16", filepath.Join(dir, "rx.wav"))
		if err != nil {
			t.Logf("sox %s: %v\n%s", file, err, out)
			continue
		}
		rx, err := os.ReadFile(filepath.Join(dir, "rx.wav"))
		if err != nil || len(rx) < 44+16000 {
			continue
		}
		samples := make([]int16, (len(rx)-44)/2)
		for i := range samples {
			samples[i] = int16(uint16(rx[44+2*i]) | uint16(rx[45+2*i])<<8)
		}
		if goertzelPower(samples, f) > 100*goertzelPower(samples, other) {
			return true
		}
	}
	return false
}

// toneShare is the part of a frame's power at f: about 1 for a pure tone,
// about 2/len(x) for noise.
func toneShare(x []int16, f float64) float64 {
	var ms float64
	for _, v := range x {
		ms += float64(v) * float64(v)
	}
	ms /= float64(len(x))
	if ms == 0 {
		return 0
	}
	return 2 * goertzelPower(x, f) / ms
}

// capture starts tshark on the packets between the gateway's RTP range
// and baresip's (other tests on the machine use loopback too).
func capture(t *testing.T, g *gw, baresipRTP int, orFilter ...string) (*peer.Process, string) {
	t.Helper()
	peer.Require(t, "tshark")
	dir := t.TempDir()
	pcap := filepath.Join(dir, "cap.pcap")
	filter := fmt.Sprintf("(udp portrange %d-%d and udp portrange %d-%d)", g.rtpBase, g.rtpBase+g.rtpCount-1, baresipRTP, baresipRTP+20)
	for _, f := range orFilter {
		filter += " or (" + f + ")"
	}
	p := peer.Start(t, dir, "tshark", "-i", "lo", "-f", filter, "-w", pcap)
	peer.WaitFor(t, 15*time.Second, "tshark capturing", func() bool { return strings.Contains(p.Output(), "Capturing on") })
	return p, pcap
}

// checkNoClearTone dissects the capture's RTP (heuristically: SRTP keeps
// the RTP header in clear) and checks that no PCMU payload decodes as
// either tone, while the same check finds the tone in a plain encoding.
func checkNoClearTone(t *testing.T, cap *peer.Process, pcap string) {
	t.Helper()
	time.Sleep(500 * time.Millisecond) // tshark writes what it has
	cap.Stop()
	out, err := peer.Run(t, time.Minute, filepath.Dir(pcap), "tshark", "-r", pcap, "-o", "rtp.heuristic_rtp:TRUE", "-Y", "rtp.p_type == 0",
		"-T", "fields", "-e", "rtp.payload")
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	dec := g711.PCMU.NewDecoder()
	var shares []float64
	for _, line := range strings.Fields(out) {
		b, err := hex.DecodeString(strings.ReplaceAll(line, ":", ""))
		if err != nil || len(b) < 160 {
			continue
		}
		pcm, _ := dec.Decode(nil, b[:160])
		shares = append(shares, max(toneShare(pcm, 440), toneShare(pcm, 1000)))
	}
	if len(shares) < 100 {
		t.Fatalf("only %d RTP packets of PCMU in the capture:\n%.2000s", len(shares), out)
	}
	sort.Float64s(shares)
	median, top := shares[len(shares)/2], shares[len(shares)-1]
	// The detector does find the tones in plain PCMU.
	enc := g711.PCMU.NewEncoder()
	plain, _ := enc.Encode(nil, sine(440, 20*time.Millisecond))
	ref, _ := dec.Decode(nil, plain)
	t.Logf("%d SRTP packets: share of power at 440 Hz or 1 kHz median %.3f, highest %.3f; plain PCMU of the tone %.3f",
		len(shares), median, top, toneShare(ref, 440))
	if toneShare(ref, 440) < 0.8 {
		t.Fatalf("the detector misses a plain tone (%.3f)", toneShare(ref, 440))
	}
	if median > 0.1 || top > 0.5 {
		t.Errorf("SRTP payloads decode as the tone: median %.3f, highest %.3f", median, top)
	}
}

// TestBaresipSRTPPhoneCalls: with mandatory SRTP (over UDP signalling), a
// simulated phone calls baresip (srtp-mand); the phone hears baresip's
// 440 Hz and baresip records the phone's 1 kHz. The status shows the call
// encrypted; on the wire (tshark) no RTP payload decodes as either tone.
func TestBaresipSRTPPhoneCalls(t *testing.T) {
	dir, sipAddr, rec, brtp := baresipSRTP(t)
	bs := peer.Start(t, dir, "baresip", "-f", dir, "-t", "60")
	g := startGateway(t, "", srtpIni, fmt.Sprintf("ProxyIP = '%s'", sipAddr), "EnableSAS = 0")
	cap, pcap := capture(t, g, brtp)
	time.Sleep(500 * time.Millisecond) // baresip has no readiness signal
	ph := dialFromPort1(t, g, "201", bs.Output)
	ph.Say(sine(1000, 3*time.Second))
	time.Sleep(3 * time.Second)
	cs := g.status(t).Ports[0].Call
	if cs == nil || !cs.MediaEncrypted || cs.SignallingEncrypted || cs.Transport != "UDP" {
		t.Errorf("status of the call: %+v", cs)
	}
	heard := ph.Heard()
	if p440, p1k := goertzelPower(heard, 440), goertzelPower(heard, 1000); p440 < 100*p1k {
		t.Errorf("the phone does not hear baresip's 440 Hz over SRTP: 440 Hz %.3g, 1 kHz %.3g\n%s", p440, p1k, bs.Output())
	}
	ph.HangUp()
	checkNoClearTone(t, cap, pcap)
	time.Sleep(1500 * time.Millisecond) // baresip closes its recording at hang-up
	if !recordedTone(t, dir, rec, 1000, 700) {
		t.Fatalf("baresip's recordings hold no 1 kHz from the phone\n%s", bs.Output())
	}
	// baresip 1.0 sends its RTCP APP keep-alive and its last RTCP BYE in
	// clear: those are dropped and counted as SRTCP (or malformed), the
	// media itself must all authenticate.
	if st := g.status(t); st.Counters["srtp_auth_failed"] != 0 {
		t.Errorf("%d SRTP packets failed authentication (SRTCP: %d)", st.Counters["srtp_auth_failed"], st.Counters["srtcp_auth_failed"])
	}
}

// TestBaresipSRTPCallsPort: baresip (srtp-mand) calls port 102; the
// phone answers, hears baresip's 440 Hz and sends 1 kHz, which baresip
// records.
func TestBaresipSRTPCallsPort(t *testing.T) {
	dir, _, rec, brtp := baresipSRTP(t)
	g := startGateway(t, "", srtpIni, "EnableSAS = 0")
	ph := g.Phones[1]
	ph.Echo(false)
	ph.Record(true)
	ph.Say(sine(1000, 8*time.Second))
	cap, pcap := capture(t, g, brtp)
	bs := peer.Start(t, dir, "baresip", "-f", dir, "-e", "/dial sip:102@"+g.SIP, "-t", "8")
	peer.WaitFor(t, 15*time.Second, "port 102 in the call", func() bool { return g.status(t).Ports[1].State == "connected" })
	ph.Heard()
	time.Sleep(3 * time.Second)
	cs := g.status(t).Ports[1].Call
	if cs == nil || !cs.MediaEncrypted {
		t.Errorf("status of the call: %+v", cs)
	}
	heard := ph.Heard()
	if p440, p1k := goertzelPower(heard, 440), goertzelPower(heard, 1000); p440 < 100*p1k {
		t.Errorf("the phone does not hear baresip's 440 Hz over SRTP: 440 Hz %.3g, 1 kHz %.3g\n%s", p440, p1k, bs.Output())
	}
	if err := bs.Wait(20 * time.Second); err != nil {
		t.Logf("baresip: %v", err)
	}
	checkNoClearTone(t, cap, pcap)
	if !recordedTone(t, dir, rec, 1000, 700) {
		t.Fatalf("baresip's recordings hold no 1 kHz from the phone\n%s", bs.Output())
	}
	// baresip 1.0 sends its RTCP APP keep-alive and its last RTCP BYE in
	// clear: those are dropped and counted as SRTCP (or malformed), the
	// media itself must all authenticate.
	if st := g.status(t); st.Counters["srtp_auth_failed"] != 0 {
		t.Errorf("%d SRTP packets failed authentication (SRTCP: %d)", st.Counters["srtp_auth_failed"], st.Counters["srtcp_auth_failed"])
	}
}

// baresipPort is a port baresip can listen on: free for UDP and TCP, with
// the next one free for TCP too (its TLS listener).
func baresipPort(t *testing.T) int {
	t.Helper()
	for range 100 {
		p := peer.FreeUDPPort(t)
		var held []io.Closer
		ok := true
		if c, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", p)); err == nil {
			held = append(held, c)
		} else {
			ok = false
		}
		for _, tp := range []int{p, p + 1} {
			if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", tp)); err == nil {
				held = append(held, l)
			} else {
				ok = false
			}
		}
		for _, c := range held {
			c.Close()
		}
		if ok {
			return p
		}
	}
	t.Fatal("no port free for baresip's UDP, TCP and TLS listeners")
	return 0
}
