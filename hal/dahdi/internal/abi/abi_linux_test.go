package abi

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// ours is every value of this package, by the name user.h gives it.
var ours = []struct {
	name string
	v    int64
}{
	{"DAHDI_GET_BLOCKSIZE", int64(GetBlocksize)}, {"DAHDI_SET_BLOCKSIZE", int64(SetBlocksize)},
	{"DAHDI_FLUSH", int64(Flush)}, {"DAHDI_GET_PARAMS", int64(GetParams)}, {"DAHDI_SET_PARAMS", int64(SetParams)},
	{"DAHDI_HOOK", int64(Hook)}, {"DAHDI_GETEVENT", int64(GetEvent)}, {"DAHDI_IOMUX", int64(IOMux)},
	{"DAHDI_GET_BUFINFO", int64(GetBufInfo)}, {"DAHDI_SET_BUFINFO", int64(SetBufInfo)},
	{"DAHDI_ECHOCANCEL_PARAMS", int64(EchoCancelParams)}, {"DAHDI_CHANNO", int64(ChanNo)},
	{"DAHDI_SPECIFY", int64(Specify)}, {"DAHDI_SETLINEAR", int64(SetLinear)},
	{"DAHDI_ONHOOKTRANSFER", int64(OnHookTransfer)}, {"DAHDI_SETPOLARITY", int64(SetPolarity)}, {"DAHDI_VMWI", int64(VMWI)},
	{"sizeof(struct dahdi_params)", int64(unsafe.Sizeof(Params{}))},
	{"sizeof(struct dahdi_bufferinfo)", int64(unsafe.Sizeof(BufferInfo{}))},
	{"sizeof(struct dahdi_echocanparams)", int64(unsafe.Sizeof(EchoCanParams{}))},
	{"sizeof(int)", sizeofInt},
	{"DAHDI_SIG_NONE", SigNone}, {"DAHDI_SIG_FXSLS", SigFXSLS}, {"DAHDI_SIG_FXSGS", SigFXSGS}, {"DAHDI_SIG_FXSKS", SigFXSKS},
	{"DAHDI_SIG_FXOLS", SigFXOLS}, {"DAHDI_SIG_FXOGS", SigFXOGS}, {"DAHDI_SIG_FXOKS", SigFXOKS},
	{"__DAHDI_SIG_FXO", SigFXO}, {"__DAHDI_SIG_FXS", SigFXS}, {"(int)DAHDI_SIG_BROKEN", SigBroken},
	{"DAHDI_ONHOOK", HookOnHook}, {"DAHDI_OFFHOOK", HookOffHook}, {"DAHDI_WINK", HookWink}, {"DAHDI_FLASH", HookFlash},
	{"DAHDI_START", HookStart}, {"DAHDI_RING", HookRing}, {"DAHDI_RINGOFF", HookRingOff},
	{"DAHDI_POLICY_IMMEDIATE", PolicyImmediate}, {"DAHDI_FLUSH_EVENT", FlushEvent},
	{"DAHDI_IOMUX_READ", IoMuxRead}, {"DAHDI_IOMUX_WRITE", IoMuxWrite}, {"DAHDI_IOMUX_SIGEVENT", IoMuxSigEvent}, {"DAHDI_IOMUX_NOWAIT", IoMuxNoWait},
	{"DAHDI_EVENT_NONE", EventNone}, {"DAHDI_EVENT_ONHOOK", EventOnHook}, {"DAHDI_EVENT_RINGOFFHOOK", EventRingOffHook},
	{"DAHDI_EVENT_WINKFLASH", EventWinkFlash}, {"DAHDI_EVENT_ALARM", EventAlarm}, {"DAHDI_EVENT_NOALARM", EventNoAlarm},
	{"DAHDI_EVENT_RINGERON", EventRingerOn}, {"DAHDI_EVENT_RINGEROFF", EventRingerOff}, {"DAHDI_EVENT_HOOKCOMPLETE", EventHookComplete},
	{"DAHDI_EVENT_PULSE_START", EventPulseStart}, {"DAHDI_EVENT_POLARITY", EventPolarity}, {"DAHDI_EVENT_RINGBEGIN", EventRingBegin},
	{"DAHDI_EVENT_REMOVED", EventRemoved}, {"DAHDI_EVENT_READ_OVERRUN", EventReadOverrun}, {"DAHDI_EVENT_WRITE_UNDERRUN", EventWriteUnder},
	{"DAHDI_EVENT_PULSEDIGIT", EventPulseDigit}, {"DAHDI_EVENT_DTMFDOWN", EventDTMFDown}, {"DAHDI_EVENT_DTMFUP", EventDTMFUp},
	{"ELAST", ELAST},
}

// TestABI compiles a C program against DAHDI's own user.h (from the
// dahdi-source tarball) that prints every value above, and compares: a
// wrong ioctl number fails here, not on a user's card.
func TestABI(t *testing.T) {
	include := dahdiInclude(t)
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		skipOrFail(t, "gcc not installed")
	}
	dir := t.TempDir()
	var src strings.Builder
	src.WriteString("#include <stdio.h>\n#include <errno.h>\n#include <dahdi/user.h>\nint main(void) {\n")
	for _, c := range ours {
		src.WriteString("\tprintf(\"%s %lld\\n\", " + strconv.Quote(c.name) + ", (long long)(" + c.name + "));\n")
	}
	src.WriteString("\treturn 0;\n}\n")
	csrc, bin := filepath.Join(dir, "abi.c"), filepath.Join(dir, "abi")
	if err := os.WriteFile(csrc, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(gcc, "-Wall", "-I", include, "-o", bin, csrc).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	theirs := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseInt(line[i+1:], 10, 64)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		theirs[line[:i]] = v
	}
	for _, c := range ours {
		v, ok := theirs[c.name]
		switch {
		case !ok:
			t.Errorf("%s: not printed", c.name)
		case v != c.v:
			t.Errorf("%s = %#x in user.h, %#x here", c.name, v, c.v)
		}
	}
	t.Logf("%d values checked against %s", len(ours), include)
}

// dahdiInclude extracts include/dahdi from the dahdi-source tarball.
func dahdiInclude(t *testing.T) string {
	t.Helper()
	tarball := "/usr/src/dahdi.tar.bz2"
	if _, err := os.Stat(tarball); err != nil {
		skipOrFail(t, "dahdi-source not installed ("+tarball+")")
	}
	dir := t.TempDir()
	out, err := exec.Command("tar", "-xjf", tarball, "-C", dir, "--wildcards", "*/include/dahdi/*").CombinedOutput()
	if err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "*", "*", "include", "dahdi", "user.h"))
	if len(matches) == 0 {
		matches, _ = filepath.Glob(filepath.Join(dir, "*", "include", "dahdi", "user.h"))
	}
	if len(matches) == 0 {
		t.Fatalf("no include/dahdi/user.h in %s", tarball)
	}
	return filepath.Dir(filepath.Dir(matches[0]))
}

func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("POTSGATE_REQUIRE_PEERS") != "" {
		t.Fatal(why + " (POTSGATE_REQUIRE_PEERS is set; scripts/test installs dahdi-source and gcc)")
	}
	t.Skip(why)
}
