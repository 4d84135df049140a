package dahdi

import (
	"errors"
	"log/slog"
	"time"
	"unsafe"
)

// Kind is what a channel is to the gateway.
type Kind int

const (
	// AnyKind takes the kind from the channel's signalling.
	AnyKind Kind = iota
	// FXS feeds a phone (the channel has FXO signalling).
	FXS
	// FXO is a phone on a PBX or PSTN line (FXS signalling).
	FXO
)

func (k Kind) String() string {
	switch k {
	case FXS:
		return "FXS"
	case FXO:
		return "FXO"
	}
	return "any"
}

// ErrOutOfService wraps the error that took a port out of service: a
// failed read or write, a card that stopped sending audio or was removed.
// The port stays out of service until it is opened again.
var ErrOutOfService = errors.New("dahdi: port out of service")

// Kernel is what the backend asks of the operating system: a DAHDI
// channel device and its ioctls. The real one is the Linux kernel;
// tests use the fake device of package dahditest. Errors are
// syscall.Errno values, as the kernel returns them.
type Kernel interface {
	// Open opens path read-write and non-blocking.
	Open(path string) (fd int, err error)
	Close(fd int) error
	// Ioctl runs request req with arg, a pointer to the int or struct
	// that req's size says.
	Ioctl(fd int, req uint, arg unsafe.Pointer) error
	Read(fd int, p []byte) (int, error)
	Write(fd int, p []byte) (int, error)
	// Poll waits up to timeout until fd is readable (POLLIN) or has an
	// event waiting (POLLPRI); both false means the timeout passed.
	Poll(fd int, timeout time.Duration) (readable, event bool, err error)
}

// Options open a channel. The zero value opens a real channel under
// /dev/dahdi with the driver's echo canceller off.
type Options struct {
	// Kernel is the operating system (nil: the real one).
	Kernel Kernel
	// Dir holds the channel device ("channel"); default /dev/dahdi.
	Dir string
	// DriverEcho, when positive, turns the driver's echo canceller on
	// with that tail; zero turns it off, leaving echo to the line's
	// canceller (media/echo).
	DriverEcho time.Duration
	// RxFlash, when positive, is the longest on-hook an FXS port takes
	// as a hook flash (DAHDI's receive flash time, 1.25 s by default): a
	// longer one is a hang-up, reported when it has lasted that long.
	RxFlash time.Duration
	// Stall is how long the port waits for a frame from the card before
	// it takes itself out of service (default 500 ms).
	Stall  time.Duration
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Dir == "" {
		o.Dir = "/dev/dahdi"
	}
	if o.Stall <= 0 {
		o.Stall = 500 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}
