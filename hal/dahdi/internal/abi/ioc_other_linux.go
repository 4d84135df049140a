//go:build linux && (mips || mipsle || mips64 || mips64le || ppc64 || ppc64le)

package abi

// MIPS and PowerPC encode ioctl requests with 3 direction bits and 13
// size bits (arch/*/include/uapi/asm/ioctl.h).
const (
	iocNone     = 1
	iocWrite    = 4
	iocRead     = 2
	iocSizeBits = 13
)
