package faxpeer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
)

// source is the driver's C file, found from this file's place in the
// module (tests run from a checkout).
func source() string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(here), "..", "..", "media", "fax", "testdata", "spandspfax.c")
}

// Tool builds the driver and returns its path. Without pkg-config, gcc,
// spandsp or libtiff the test skips, or fails when peers are required
// (POTSGATE_REQUIRE_PEERS).
func Tool(t testing.TB) string {
	t.Helper()
	pc := peer.Require(t, "pkg-config")
	cc := peer.Require(t, "gcc")
	flags, err := exec.Command(pc, "--cflags", "--libs", "spandsp", "libtiff-4").Output()
	if err != nil {
		if peer.Required() {
			t.Fatalf("pkg-config finds no spandsp or libtiff-4 (apt-get install libspandsp-dev) and %s is set", peer.EnvRequire)
		}
		t.Skip("pkg-config finds no spandsp or libtiff-4")
	}
	tool := filepath.Join(t.TempDir(), "spandspfax")
	args := append([]string{"-O2", "-o", tool, source()}, strings.Fields(string(flags))...)
	if out, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
		t.Fatalf("building spandspfax: %v\n%s", err, out)
	}
	return tool
}

// Image writes a TIFF-F of pages different pages for a fax to send.
func Image(t testing.TB, tool string, pages int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "send.tif")
	if out, err := peer.Run(t, time.Minute, "", tool, "mkimage", p, strconv.Itoa(pages)); err != nil {
		t.Fatalf("spandspfax mkimage: %v\n%s", err, out)
	}
	return p
}

// Options are a machine's T.30 settings.
type Options struct {
	ECM bool
	// Modems lists what it offers, e.g. "v17,v29,v27ter" (the default),
	// "v29" to force 9600 bit/s, "v27ter" for 4800.
	Modems string
	// Timeout ends it after this much audio without phase E; zero: 300 s.
	Timeout time.Duration
	// Frame is the samples it exchanges at a time; zero: 160.
	Frame int
	// Verbose logs T.30 to the machine's stderr, shown when the test fails.
	Verbose bool
}

// Machine is a running spandsp fax machine. Read and Write must be called
// in turn, Read first: it sends a frame, then waits for the one it hears.
type Machine struct {
	Name   string
	frame  int
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    io.ReadCloser
	stderr bytes.Buffer
	rbuf   []byte // Read's; Read and Write may run on different goroutines
	wbuf   []byte

	wait     sync.Once
	waitErr  error
	closeIn  sync.Once
	ended    atomic.Bool
	exitCode int
}

// Send starts a calling machine that sends file.
func Send(t testing.TB, tool, file string, o Options) *Machine {
	return start(t, tool, "send", file, o)
}

// Receive starts an answering machine that writes what it receives to
// file.
func Receive(t testing.TB, tool, file string, o Options) *Machine {
	return start(t, tool, "receive", file, o)
}

func start(t testing.TB, tool, mode, file string, o Options) *Machine {
	t.Helper()
	args := []string{mode, file}
	if o.ECM {
		args = append(args, "-ecm")
	}
	if o.Modems != "" {
		args = append(args, "-modems", o.Modems)
	}
	if o.Timeout > 0 {
		args = append(args, "-timeout", strconv.Itoa(int(o.Timeout/time.Second)))
	}
	if o.Frame == 0 {
		o.Frame = 160
	}
	if strings.HasPrefix(mode, "t38") {
		args = append(args, "-step", strconv.Itoa(o.Frame))
	} else {
		args = append(args, "-frame", strconv.Itoa(o.Frame))
	}
	if o.Verbose {
		args = append(args, "-v")
	}
	m := &Machine{Name: mode, frame: o.Frame, rbuf: make([]byte, 2*o.Frame), wbuf: make([]byte, 2*o.Frame)}
	m.cmd = exec.Command(tool, args...)
	m.cmd.Stderr = &m.stderr
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var err error
	if m.in, err = m.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if m.out, err = m.cmd.StdoutPipe(); err != nil {
		t.Fatal(err)
	}
	if err := m.cmd.Start(); err != nil {
		t.Fatalf("start spandspfax %s: %v", mode, err)
	}
	t.Cleanup(func() {
		m.CloseInput()
		if m.cmd.ProcessState == nil {
			_ = m.cmd.Process.Kill()
		}
		m.Wait()
		if t.Failed() {
			t.Logf("spandspfax %s stderr:\n%s", mode, tail(m.stderr.String(), 20000))
		}
	})
	return m
}

// Frame is the samples exchanged at a time.
func (m *Machine) Frame() int { return m.frame }

// Read fills x (Frame samples) with the audio the machine sends next; it
// returns io.EOF when the machine has ended.
func (m *Machine) Read(x []int16) error {
	if _, err := io.ReadFull(m.out, m.rbuf); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = io.EOF
		}
		return err
	}
	for i := range x[:m.frame] {
		x[i] = int16(binary.LittleEndian.Uint16(m.rbuf[2*i:]))
	}
	return nil
}

// Write gives the machine the audio it hears (Frame samples).
func (m *Machine) Write(x []int16) error {
	b := m.wbuf[:0]
	for _, v := range x[:m.frame] {
		b = binary.LittleEndian.AppendUint16(b, uint16(v))
	}
	_, err := m.in.Write(b)
	return err
}

// Exchange lets the machine be equipment on a simulated line (hal/sim's
// Device): said gets the frame it sends, then it hears heard. Both are
// Frame samples. Once it has ended it is silent.
func (m *Machine) Exchange(heard, said []int16) {
	if m.ended.Load() {
		clear(said)
		return
	}
	if m.Read(said) != nil || m.Write(heard) != nil {
		m.ended.Store(true)
		clear(said)
	}
}

// Ended reports whether the machine stopped exchanging audio (Exchange
// saw it end).
func (m *Machine) Ended() bool { return m.ended.Load() }

// CloseInput ends the audio the machine hears: it stops at its next read.
func (m *Machine) CloseInput() { m.closeIn.Do(func() { m.in.Close() }) }

// Wait waits for the machine to end and returns its report.
func (m *Machine) Wait() (Result, error) {
	m.wait.Do(func() {
		// Drain what it still sends, so that it never blocks on a full
		// pipe while we wait.
		_, _ = io.Copy(io.Discard, m.out)
		m.waitErr = m.cmd.Wait()
	})
	r, err := parse(m.stderr.String())
	if err != nil {
		return r, fmt.Errorf("spandspfax %s (%v): %w", m.Name, m.waitErr, err)
	}
	return r, nil
}

// Result is the machine's phase E report.
type Result struct {
	Code    int // T.30 completion code: 0 is success, -1 no phase E
	Text    string
	PagesTx int
	PagesRx int
	Rate    int // bit/s of the image transfer
	ECM     bool
	Samples int // audio it exchanged
	// Hangup: phase E came when its audio ended (t30_terminate, as at
	// hang-up), not by itself.
	Hangup bool
}

// OK reports whether phase E reported success.
func (r Result) OK() bool { return r.Code == 0 }

func (r Result) String() string {
	return fmt.Sprintf("result %d (%s), %d pages sent, %d received, %d bit/s, ECM %v, %.1f s of audio, at hang-up %v",
		r.Code, r.Text, r.PagesTx, r.PagesRx, r.Rate, r.ECM, float64(r.Samples)/8000, r.Hangup)
}

var report = regexp.MustCompile(`phase_e result=(-?\d+) \(([^)]*)\) pages_tx=(\d+) pages_rx=(\d+) rate=(\d+) ecm=(\d+) samples=(\d+) hangup=(\d)`)

func parse(stderr string) (Result, error) {
	m := report.FindAllStringSubmatch(stderr, -1)
	if len(m) == 0 {
		return Result{Code: -1}, fmt.Errorf("no phase E report in its output: %q", tail(stderr, 300))
	}
	f := m[len(m)-1]
	n := func(i int) int { v, _ := strconv.Atoi(f[i]); return v }
	return Result{Code: n(1), Text: f[2], PagesTx: n(3), PagesRx: n(4), Rate: n(5), ECM: n(6) != 0, Samples: n(7), Hangup: n(8) != 0}, nil
}

// Connect relays audio between two machines, frame by frame, until both
// have ended, passing each frame to tap (nil: none) with the machine
// that sent it. It returns both reports.
func Connect(a, b *Machine, tap func(from *Machine, x []int16)) (Result, Result, error) {
	var wg sync.WaitGroup
	relay := func(from, to *Machine) {
		defer wg.Done()
		defer to.CloseInput()
		x := make([]int16, from.frame)
		for {
			if from.Read(x) != nil {
				return
			}
			if tap != nil {
				tap(from, x)
			}
			if to.Write(x) != nil {
				// It ended: keep reading from so that it is not stuck.
				_, _ = io.Copy(io.Discard, from.out)
				return
			}
		}
	}
	wg.Add(2)
	go relay(a, b)
	go relay(b, a)
	wg.Wait()
	ra, errA := a.Wait()
	rb, errB := b.Wait()
	return ra, rb, errors.Join(errA, errB)
}

// Pages counts a TIFF's pages (tiffinfo, libtiff-tools).
func Pages(t testing.TB, file string) int {
	t.Helper()
	info := peer.Require(t, "tiffinfo")
	out, err := peer.Run(t, time.Minute, "", info, file)
	if err != nil {
		t.Fatalf("tiffinfo %s: %v\n%s", file, err, out)
	}
	return strings.Count(out, "TIFF Directory at offset")
}

// SamePages checks that received holds every page of sent, each page's
// image identical (tiffcmp -t: the image rows compared, the tags, such as
// the compression, not).
func SamePages(t testing.TB, sent, received string) error {
	t.Helper()
	cmp := peer.Require(t, "tiffcmp")
	if _, err := os.Stat(received); err != nil {
		return fmt.Errorf("nothing received: %w", err)
	}
	ns, nr := Pages(t, sent), Pages(t, received)
	if ns != nr {
		return fmt.Errorf("%d pages sent, %d received", ns, nr)
	}
	// tiffcmp lists the tags that differ (the compression, the software)
	// even with -t; its exit status and the rows it names are the verdict.
	out, err := peer.Run(t, time.Minute, "", cmp, "-t", sent, received)
	if err != nil || strings.Contains(out, "Scanline") {
		return fmt.Errorf("tiffcmp -t: %v: %s", err, tail(out, 500))
	}
	return nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
