// Package sas implements Stand Alone Survivability (SAS) for potsgate.
//
// # Overview
//
// SAS keeps phones working when the upstream SIP proxy fails. In normal
// state registrations and calls go to the proxy set; keep-alive OPTIONS
// probe it. When the proxy stops answering for KeepAliveFailures
// consecutive probes, SAS enters emergency state and acts as a local
// registrar and router; when the proxy answers again it returns to normal.
//
// # State machine
//
// [Step] is pure: (state, event, now) -> (state, actions). Time is passed
// in, so tests drive it without sleeping. I/O (sending OPTIONS, notifying
// observers) is done by the caller from the returned actions.
//
// # Status
//
// This package currently provides the configuration model, the
// survivability state machine and the binding table only; the SIP
// registrar and proxy adapters are not yet written.
package sas
