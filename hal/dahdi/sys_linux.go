package dahdi

import (
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sysKernel is the Linux kernel.
type sysKernel struct{}

func (sysKernel) Open(path string) (int, error) {
	return unix.Open(path, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
}

func (sysKernel) Close(fd int) error { return unix.Close(fd) }

func (sysKernel) Ioctl(fd int, req uint, arg unsafe.Pointer) error {
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(arg))
	if e != 0 {
		return e
	}
	return nil
}

func (sysKernel) Read(fd int, p []byte) (int, error)  { return unix.Read(fd, p) }
func (sysKernel) Write(fd int, p []byte) (int, error) { return unix.Write(fd, p) }

func (sysKernel) Poll(fd int, timeout time.Duration) (readable, event bool, err error) {
	fds := [1]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN | unix.POLLPRI}}
	n, err := unix.Poll(fds[:], int(timeout/time.Millisecond))
	if err != nil || n == 0 {
		return false, false, err
	}
	if fds[0].Revents&(unix.POLLERR|unix.POLLHUP|unix.POLLNVAL) != 0 {
		return false, false, unix.ENODEV
	}
	return fds[0].Revents&unix.POLLIN != 0, fds[0].Revents&unix.POLLPRI != 0, nil
}
