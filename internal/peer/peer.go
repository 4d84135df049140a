package peer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// EnvRequire is the environment variable that turns a missing peer from a
// skip into a failure.
const EnvRequire = "POTSGATE_REQUIRE_PEERS"

// Required reports whether missing peers must fail tests.
func Required() bool { return os.Getenv(EnvRequire) != "" }

// Require returns the absolute path of program, or skips (or fails, when
// peers are required) the test if it is not installed.
func Require(t testing.TB, program string) string {
	t.Helper()
	path, err := exec.LookPath(program)
	if err != nil {
		missing(t, fmt.Sprintf("peer %q not installed", program))
	}
	return path
}

// RequireFile skips (or fails) when a file the test needs, such as a
// Debian-shipped sample or library, is missing.
func RequireFile(t testing.TB, path string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		missing(t, fmt.Sprintf("peer file %s: %v", path, err))
	}
	return path
}

func missing(t testing.TB, why string) {
	t.Helper()
	if Required() {
		t.Fatalf("%s (and %s is set)", why, EnvRequire)
	}
	t.Skip(why)
}

// SharedDir returns the project's ../shared folder (peer recipes, MIBs, G.729
// vectors), found by walking up from the working directory to the module root.
// It skips or fails like Require when the folder is absent.
func SharedDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			shared := filepath.Join(filepath.Dir(dir), "shared")
			if st, err := os.Stat(shared); err == nil && st.IsDir() {
				return shared
			}
			missing(t, "shared folder not found beside the module at "+shared)
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			missing(t, "module root not found")
			return ""
		}
		dir = parent
	}
}

// FreeUDPPort returns a UDP port on 127.0.0.1 that was free a moment ago.
func FreeUDPPort(t testing.TB) int {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// FreeTCPPort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreeTCPPort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Process is a running peer.
type Process struct {
	Name string
	Cmd  *exec.Cmd
	// Log is the file holding the peer's stdout and stderr.
	Log string

	done     chan struct{}
	stopOnce sync.Once
	waitErr  error
}

// Start runs program with args in dir (the test's temp dir when empty) and
// stops it when the test ends. The peer's output goes to a log file that is
// printed if the test fails.
func Start(t testing.TB, dir, program string, args ...string) *Process {
	t.Helper()
	path := Require(t, program)
	if dir == "" {
		dir = t.TempDir()
	}
	logFile, err := os.CreateTemp(t.TempDir(), filepath.Base(program)+"-*.log")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.Stdin = nil
	// Own process group, so stopping it also stops any children it forked.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("start %s: %v", program, err)
	}
	p := &Process{Name: program, Cmd: cmd, Log: logFile.Name(), done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			out, _ := os.ReadFile(p.Log)
			t.Logf("%s output:\n%s", program, tail(out, 4000))
		}
	})
	return p
}

// Stop ends the peer (SIGTERM, then SIGKILL after 3 s) and waits for it. It
// is idempotent.
func (p *Process) Stop() {
	p.stopOnce.Do(func() {
		if p.Cmd.Process == nil {
			return
		}
		_ = syscall.Kill(-p.Cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(3 * time.Second):
			_ = syscall.Kill(-p.Cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
	})
}

// Done is closed when the peer has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Wait waits for the peer to exit by itself, up to timeout, and returns its
// exit error. It stops the peer and returns an error if the timeout passes.
func (p *Process) Wait(timeout time.Duration) error {
	select {
	case <-p.done:
		return p.waitErr
	case <-time.After(timeout):
		p.Stop()
		return fmt.Errorf("%s did not exit within %v", p.Name, timeout)
	}
}

// Output returns what the peer has printed so far.
func (p *Process) Output() string {
	b, _ := os.ReadFile(p.Log)
	return string(b)
}

// Run runs program to completion with a timeout and returns its combined
// output. A non-zero exit is returned as an error along with the output.
func Run(t testing.TB, timeout time.Duration, dir, program string, args ...string) (string, error) {
	t.Helper()
	path := Require(t, program)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	if ctx.Err() != nil {
		err = errors.Join(err, fmt.Errorf("%s timed out after %v", program, timeout))
	}
	return out.String(), err
}

// WaitListening polls until something accepts TCP connections on addr. (A
// UDP peer cannot be probed this way; check it with a protocol request.)
func WaitListening(t testing.TB, addr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listening on %s after %v: %v", addr, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.TrimSpace(string(b))
}

// Multimon decodes a WAV file with multimon-ng's decoder (CLIPFSK, DTMF,
// ...) and returns what it printed. The file is converted by sox to the raw
// 22050 Hz input multimon-ng reads natively, without dither (-D): sox
// dithers by default, which makes a marginal signal decode one time and not
// the next (multimon-ng's own `-t wav` path pipes through sox with dither:
// 7 of 40 runs of the same file decoded nothing).
func Multimon(t testing.TB, wav, decoder string) (string, error) {
	t.Helper()
	raw := wav + ".22050.raw"
	if out, err := Run(t, time.Minute, "", "sox", "-D", wav, "-t", "raw", "-r", "22050", "-e", "signed", "-b", "16", "-c", "1", raw); err != nil {
		return out, fmt.Errorf("sox: %w", err)
	}
	return Run(t, time.Minute, "", "multimon-ng", "-q", "-c", "-a", decoder, "-t", "raw", raw)
}

// WaitFor polls cond until it holds and fails the test if it does not
// within d; the deadline only bounds a failure, it is not a timing check.
func WaitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
