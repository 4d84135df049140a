package snmp

import (
	"context"
	"net"
)

// Handle exposes the datagram handler to the fuzz target and benchmarks.
func (a *Agent) Handle(ctx context.Context, from net.Addr, msg []byte) []byte {
	return a.handle(ctx, from, msg)
}

// MIBOIDs returns the registered object OIDs in registry order.
func (a *Agent) MIBOIDs() []string {
	out := make([]string, len(a.mib))
	for i, o := range a.mib {
		out[i] = o.oid.String()
	}
	return out
}

// OIDLess compares two dotted OIDs numerically.
func OIDLess(x, y string) bool { return parseOID(x).cmp(parseOID(y)) < 0 }
