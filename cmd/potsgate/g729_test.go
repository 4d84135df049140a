package main

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/media/g729"
)

// TestG729CallWithSIPp: a SIPp caller offers only G.729 to a gateway
// whose CodersGroup0 lists g729; the call is answered with G.729 and a
// 1 kHz tone, coded by our encoder into the G.729 frames SIPp streams,
// reaches the phone (which echoes it) and comes back as G.729 RTP. The
// returning stream, captured with tshark, is decoded by our decoder and by
// bcg729 (when installed): both must carry the tone. With silence
// suppression on (Sce = 1, annexb=yes offered) the tone is cut by a second
// of silence, during which the gateway sends SID frames and nothing else.
func TestG729CallWithSIPp(t *testing.T) {
	t.Run("annexb=no", func(t *testing.T) { testG729Call(t, false) })
	t.Run("annexb=yes", func(t *testing.T) { testG729Call(t, true) })
}

func testG729Call(t *testing.T, annexB bool) {
	peer.Require(t, "sipp")
	peer.Require(t, "tshark")
	// The embedded default with its coder table replaced, in the vendor's
	// format: G.729 first, silence suppression (Annex B) off.
	ini := string(defaultIni)
	start, end := strings.Index(ini, "[ CodersGroup0 ]"), strings.Index(ini, "[ \\CodersGroup0 ]")
	if start < 0 || end < start {
		t.Fatal("no CodersGroup0 table in the default configuration")
	}
	sce, fmtp := 0, "annexb=no"
	if annexB {
		sce, fmtp = 1, "annexb=yes"
	}
	ini = ini[:start] + fmt.Sprintf(`[ CodersGroup0 ]
FORMAT CodersGroup0_Index = CodersGroup0_Name, CodersGroup0_pTime, CodersGroup0_rate, CodersGroup0_PayloadType, CodersGroup0_Sce;
CodersGroup0 0 = g729, 20, 0, 255, %d;
CodersGroup0 1 = g711Ulaw64k, 20, 0, 255, 0;
`, sce) + ini[end:]
	g := startGateway(t, ini)
	dir := t.TempDir()

	// 3 s of 1 kHz coded by our encoder: the file SIPp streams, 20 bytes
	// (two frames) per 20 ms packet, so always speech frames.
	const hold = 3 * time.Second
	enc := g729.NewEncoder(g729.EncoderOptions{})
	var frames []byte
	pcm := sine(1000, hold)
	if annexB {
		clear(pcm[len(pcm)/3 : 2*len(pcm)/3])
	}
	for off := 0; off+g729.FrameSamples <= len(pcm); off += g729.FrameSamples {
		frames = enc.Encode(frames, pcm[off:off+g729.FrameSamples])
	}
	tone := filepath.Join(dir, "tone.g729")
	if err := os.WriteFile(tone, frames, 0o644); err != nil {
		t.Fatal(err)
	}
	scen, err := os.ReadFile("testdata/uac_g729.xml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(scen), "TONEFILE", tone)
	s = strings.ReplaceAll(s, "annexb=no", fmtp)
	s = strings.ReplaceAll(s, "PAUSEMS", strconv.Itoa(int(hold.Milliseconds())+500))
	scenPath := filepath.Join(dir, "uac_g729.xml")
	if err := os.WriteFile(scenPath, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	infPath := filepath.Join(dir, "numbers.csv")
	if err := os.WriteFile(infPath, []byte("SEQUENTIAL\n101;\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	pcap := filepath.Join(dir, "cap.pcap")
	filter := fmt.Sprintf("udp portrange %d-%d", g.rtpBase, g.rtpBase+g.rtpCount)
	capture := peer.Start(t, dir, "tshark", "-i", "lo", "-f", filter, "-w", pcap)
	time.Sleep(time.Second) // tshark needs a moment before it captures
	stat := filepath.Join(dir, "stat.csv")
	out, err := peer.Run(t, time.Minute, dir, "sipp", "-sf", scenPath, "-inf", infPath, "-i", "127.0.0.1", "-p", strconv.Itoa(peer.FreeUDPPort(t)),
		"-mi", "127.0.0.1", "-m", "1", "-nostdin", "-trace_msg", "-message_file", filepath.Join(dir, "messages.log"),
		"-trace_stat", "-stf", stat, "-fd", "1", "-cp", strconv.Itoa(peer.FreeUDPPort(t)), g.SIP)
	time.Sleep(500 * time.Millisecond)
	capture.Stop()
	if err != nil {
		t.Logf("sipp: %v\n%s", err, out)
	}
	if res := readSIPpStats(t, stat); res.ok != 1 || res.failed != 0 {
		t.Fatalf("SIPp: %d calls succeeded, %d failed", res.ok, res.failed)
	}

	// The answer chose G.729, with Annex B as configured.
	msgs, err := os.ReadFile(filepath.Join(dir, "messages.log"))
	if err != nil {
		t.Fatal(err)
	}
	answer := string(msgs)
	if i := strings.Index(answer, "SIP/2.0 200 OK"); i >= 0 {
		answer = answer[i:]
	}
	for _, want := range []string{"RTP/AVP 18", "a=rtpmap:18 G729/8000", "a=fmtp:18 " + fmtp} {
		if !strings.Contains(answer, want) {
			t.Errorf("the gateway's 200 lacks %q:\n%s", want, answer)
		}
	}

	// The gateway's G.729 RTP, back from the echoing phone.
	// (stdout only: tshark chats on stderr)
	fields, err := exec.Command("tshark", "-r", pcap, "-o", "rtp.heuristic_rtp:TRUE",
		"-Y", fmt.Sprintf("rtp.p_type == 18 && udp.srcport >= %d && udp.srcport <= %d", g.rtpBase, g.rtpBase+g.rtpCount),
		"-T", "fields", "-e", "rtp.payload").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	var echoed []byte
	packets, sids := 0, 0
	for _, line := range strings.Fields(string(fields)) {
		b, err := hex.DecodeString(strings.ReplaceAll(line, ":", ""))
		if err != nil || (g729.Codec{}).PayloadSamples(b) == 0 {
			t.Fatalf("G.729 payload %q: %v", line, err)
		}
		if len(b)%g729.FrameBytes == g729.SIDBytes {
			// Comfort noise: what the decoder makes of it is not the tone.
			sids++
			continue
		}
		echoed = append(echoed, b...)
		packets++
	}
	if annexB {
		t.Logf("%d speech packets and %d SID packets from the gateway", packets, sids)
		if sids == 0 || packets > 110 {
			t.Errorf("%d speech packets and %d SIDs in 3 s with a second of silence: no discontinuous transmission", packets, sids)
		}
	} else if sids != 0 {
		t.Errorf("%d SID packets with annexb=no", sids)
	}
	if packets < 80 {
		t.Fatalf("%d G.729 packets from the gateway, want about %d", packets, hold/(20*time.Millisecond))
	}

	dec := g729.NewDecoder()
	heard := make([]int16, len(echoed)/g729.FrameBytes*g729.FrameSamples)
	for i := range len(echoed) / g729.FrameBytes {
		if err := dec.Decode(heard[i*80:(i+1)*80], echoed[i*10:(i+1)*10]); err != nil {
			t.Fatal(err)
		}
	}
	p1k, p440 := goertzelPower(heard, 1000), goertzelPower(heard, 440)
	t.Logf("%d G.729 packets echoed; our decoder: 1 kHz %.3g, 440 Hz %.3g", packets, p1k, p440)
	if p1k < 100*p440 {
		t.Errorf("our decoder finds no 1 kHz in the echoed G.729: 1 kHz %.3g, 440 Hz %.3g", p1k, p440)
	}

	// bcg729 decodes the same stream, when it is installed.
	flags, err := exec.Command("pkg-config", "--cflags", "--libs", "libbcg729").Output()
	if err != nil {
		if peer.Required() {
			t.Fatalf("pkg-config finds no libbcg729 and %s is set", peer.EnvRequire)
		}
		t.Log("no libbcg729: the echoed stream is decoded by our decoder only")
		return
	}
	tool := filepath.Join(dir, "bcg729tool")
	args := append([]string{"-O2", "-o", tool, "../../media/g729/testdata/bcg729/bcg729tool.c"}, strings.Fields(string(flags))...)
	if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("building bcg729tool: %v\n%s", err, out)
	}
	bits, rx := filepath.Join(dir, "echoed.g729"), filepath.Join(dir, "echoed.pcm")
	if err := os.WriteFile(bits, echoed, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := peer.Run(t, time.Minute, dir, tool, "decode", bits, rx); err != nil {
		t.Fatalf("bcg729tool: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(rx)
	if err != nil {
		t.Fatal(err)
	}
	theirs := make([]int16, len(raw)/2)
	for i := range theirs {
		theirs[i] = int16(binary.LittleEndian.Uint16(raw[2*i:]))
	}
	p1k, p440 = goertzelPower(theirs, 1000), goertzelPower(theirs, 440)
	t.Logf("bcg729 decoder: 1 kHz %.3g, 440 Hz %.3g", p1k, p440)
	if p1k < 100*p440 {
		t.Errorf("bcg729 finds no 1 kHz in the echoed G.729: 1 kHz %.3g, 440 Hz %.3g", p1k, p440)
	}
}

// TestPhoneCallsG729SIPpUAS: the gateway places the call. A simulated
// phone dials 200, which goes to a SIPp UAS answering with G.729 only and
// echoing RTP; the phone's 1 kHz, coded by our encoder, comes back through
// SIPp and our decoder: the phone hears its own tone.
func TestPhoneCallsG729SIPpUAS(t *testing.T) {
	peer.Require(t, "sipp")
	scen, _ := filepath.Abs("testdata/uas_g729_echo.xml")
	sippPort, mediaPort := peer.FreeUDPPort(t), 42000+2*int(time.Now().UnixNano()%2000)
	uas := peer.Start(t, "", "sipp", "-sf", scen, "-rtp_echo", "-i", "127.0.0.1", "-p", strconv.Itoa(sippPort),
		"-mi", "127.0.0.1", "-mp", strconv.Itoa(mediaPort), "-m", "1", "-nostdin", "-cp", strconv.Itoa(peer.FreeUDPPort(t)))
	time.Sleep(300 * time.Millisecond) // SIPp has no readiness signal on UDP
	ini := string(defaultIni)
	start, end := strings.Index(ini, "[ CodersGroup0 ]"), strings.Index(ini, "[ \\CodersGroup0 ]")
	ini = ini[:start] + `[ CodersGroup0 ]
FORMAT CodersGroup0_Index = CodersGroup0_Name, CodersGroup0_pTime;
CodersGroup0 0 = g711Ulaw64k, 20;
CodersGroup0 1 = g729, 20;
` + ini[end:]
	g := startGateway(t, ini, fmt.Sprintf("ProxyIP = '127.0.0.1:%d'", sippPort))
	ph := dialFromPort1(t, g, "200", uas.Output)
	ph.Say(sine(1000, 2*time.Second))
	time.Sleep(2200 * time.Millisecond)
	heard := ph.Heard()
	if len(heard) < 8000 {
		t.Fatalf("heard only %d samples", len(heard))
	}
	if p1k, p440 := goertzelPower(heard, 1000), goertzelPower(heard, 440); p1k < 1e4 || p1k < 100*p440 {
		t.Fatalf("the tone did not come back as G.729 through SIPp: 1 kHz %.3g, 440 Hz %.3g", p1k, p440)
	}
	ph.HangUp()
	if err := uas.Wait(10 * time.Second); err != nil {
		t.Fatalf("sipp: %v\n%s", err, uas.Output())
	}
}
