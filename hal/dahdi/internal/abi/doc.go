// Package abi is DAHDI's userspace ABI (include/dahdi/user.h): ioctl
// requests, the structs they carry, signalling types and events, written
// from the header and checked against it by TestABI. It is Linux only.
package abi
