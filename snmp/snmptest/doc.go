// Package snmptest provides a fake snmp.Device for tests and demos.
//
// # Device
//
// New returns a 4-port gateway (ports 1-2 FXS, 3-4 FXO) with call counters,
// one active alarm and a short alarm history. Update changes its state
// under its lock; Calls lists the actions (StartUpdate, Restart, Lock,
// Unlock) an agent ran, and OnAction lets a test react to them, for
// example by reporting a download result.
package snmptest
