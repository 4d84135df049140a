//go:build linux && !mips && !mipsle && !mips64 && !mips64le && !ppc64 && !ppc64le

package abi

// The ioctl request encoding of most Linux architectures
// (asm-generic/ioctl.h): 2 direction bits, 14 size bits.
const (
	iocNone     = 0
	iocWrite    = 1
	iocRead     = 2
	iocSizeBits = 14
)
