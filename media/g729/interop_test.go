package g729

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
)

// bcg729Tool builds testdata/bcg729/bcg729tool.c against libbcg729 into
// the test's temporary directory and returns its path. Without pkg-config,
// a C compiler or libbcg729 the test skips, or fails when peers are
// required (POTSGATE_REQUIRE_PEERS).
func bcg729Tool(t testing.TB) string {
	t.Helper()
	pc := peer.Require(t, "pkg-config")
	cc := peer.Require(t, "gcc")
	flags, err := exec.Command(pc, "--cflags", "--libs", "libbcg729").Output()
	if err != nil {
		if peer.Required() {
			t.Fatalf("pkg-config finds no libbcg729 (apt-get install libbcg729-dev) and %s is set", peer.EnvRequire)
		}
		t.Skip("pkg-config finds no libbcg729")
	}
	tool := filepath.Join(t.TempDir(), "bcg729tool")
	args := append([]string{"-O2", "-o", tool, filepath.Join("testdata", "bcg729", "bcg729tool.c")}, strings.Fields(string(flags))...)
	if out, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
		t.Fatalf("building bcg729tool: %v\n%s", err, out)
	}
	return tool
}

// bcg729Run runs the bcg729 tool and returns its output.
func bcg729Run(t testing.TB, tool string, args ...string) string {
	t.Helper()
	out, err := peer.Run(t, 2*time.Minute, "", tool, args...)
	if err != nil {
		t.Fatalf("bcg729tool %v: %v\n%s", args, err, out)
	}
	return out
}

// codecDelay is the delay from the encoder's input to the decoder's
// output: the 5 ms look-ahead of the LP analysis. Waveform SNRs are
// measured with the output advanced by it (at no delay, any G.729 output
// is uncorrelated with the input: -3 dB).
const codecDelay = 40

// delayedSNR is the SNR of out against in, the codec delay taken out.
func delayedSNR(in, out []int16) float64 {
	if len(out) <= codecDelay {
		return snrDB(in, nil)
	}
	return snrDB(in, out[codecDelay:])
}

// interopEncode codes pcm with our Annex A encoder into concatenated frames.
func interopEncode(pcm []int16) []byte {
	enc := NewEncoder(EncoderOptions{})
	out := make([]byte, 0, len(pcm)/FrameSamples*FrameBytes)
	for off := 0; off+FrameSamples <= len(pcm); off += FrameSamples {
		out = enc.Encode(out, pcm[off:off+FrameSamples])
	}
	return out
}

// interopDecode decodes concatenated 10-byte frames with our decoder.
func interopDecode(t testing.TB, bits []byte) []int16 {
	t.Helper()
	dec := NewDecoder()
	out := make([]int16, len(bits)/FrameBytes*FrameSamples)
	for i := 0; (i+1)*FrameBytes <= len(bits); i++ {
		if err := dec.Decode(out[i*FrameSamples:(i+1)*FrameSamples], bits[i*FrameBytes:(i+1)*FrameBytes]); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	return out
}

// TestInteropBcg729: bcg729 decodes our bitstream and we decode bcg729's,
// each within 1 dB of the round-trip SNR bcg729 gets on its own (issue 5),
// on SPEECH.IN.
func TestInteropBcg729(t *testing.T) {
	dir := vectorsDir(t)
	tool := bcg729Tool(t)
	tmp := t.TempDir()
	inPath := filepath.Join(dir, "annexA", "SPEECH.IN")
	in := readPCM(t, inPath)
	in = in[:len(in)/FrameSamples*FrameSamples]

	// bcg729 on its own.
	theirBits := filepath.Join(tmp, "bcg.g729")
	bcg729Run(t, tool, "encode", inPath, theirBits)
	theirPCM := filepath.Join(tmp, "bcg.pcm")
	bcg729Run(t, tool, "decode", theirBits, theirPCM)
	self := delayedSNR(in, readPCM(t, theirPCM))

	// Ours decoded by bcg729.
	ourBits := filepath.Join(tmp, "ours.g729")
	ours := interopEncode(in)
	if err := os.WriteFile(ourBits, ours, 0o644); err != nil {
		t.Fatal(err)
	}
	crossPCM := filepath.Join(tmp, "cross.pcm")
	bcg729Run(t, tool, "decode", ourBits, crossPCM)
	ourToThem := delayedSNR(in, readPCM(t, crossPCM))

	// bcg729's decoded by us, and ours by us.
	b, err := os.ReadFile(theirBits)
	if err != nil {
		t.Fatal(err)
	}
	themToUs := delayedSNR(in, interopDecode(t, b))
	ourSelf := delayedSNR(in, interopDecode(t, ours))

	t.Logf("SPEECH.IN round trips, SNR against the input delayed 5 ms: bcg729 -> bcg729 %.2f dB; ours -> bcg729 %.2f dB; bcg729 -> ours %.2f dB; ours -> ours %.2f dB",
		self, ourToThem, themToUs, ourSelf)
	if ourToThem < self-1 {
		t.Errorf("bcg729 decoding our bitstream: %.2f dB, more than 1 dB under bcg729's own %.2f dB", ourToThem, self)
	}
	if themToUs < self-1 {
		t.Errorf("our decoder on bcg729's bitstream: %.2f dB, more than 1 dB under bcg729's own %.2f dB", themToUs, self)
	}
}
