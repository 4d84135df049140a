package peer

import (
	"syscall"
	"time"
	"unsafe"
)

// ThreadCPU is the calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID):
// benchmarks that compare our code with a C reference read the same
// clock on both sides, so time given to other processes on a loaded
// machine counts for neither. The caller locks its OS thread.
func ThreadCPU() time.Duration {
	const clockThreadCPUTimeID = 3
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}
