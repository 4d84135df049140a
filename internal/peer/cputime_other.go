//go:build !linux

package peer

import "time"

// ThreadCPU is zero where the thread clock is not read: comparisons
// against C references are made on Linux.
func ThreadCPU() time.Duration { return 0 }
