// Package provisioning is the gateway's typed configuration: a [Registry] of
// the parameters it understands, the immutable validated [Config] built from
// ini files, and export back to ini.
//
// # Parameters
//
// Every parameter has its user-facing name (case-insensitive, as in the
// vendor's manuals), a [Kind], a range or enumeration, a default, and flags
// for "takes effect after a restart" and "secret". A Registry is a value, not
// a global: the host creates one, registers [AutoUpdateParams] and whatever
// its other components need (telephony, SIP, SNMP, SAS), and tables
// ([TableDef]) such as PREFIX or TrunkGroup.
//
// # Applying a file
//
// [Registry.Apply] validates a parsed ini file against the registry and the
// running configuration and returns a new Config, or an [*ApplyError] listing
// every bad line. The running Config is never modified: a value is either the
// whole new file or nothing. With SetDefaultOnIniFileProcess = 1 (the
// default) parameters and tables missing from the file return to their
// defaults; with 0 they keep their current values. Unknown names are
// warnings, not errors, so a file written for a richer device still loads.
//
// # Export
//
// [Registry.Export] writes the parameters and tables that differ from their
// defaults, with secrets as `*`; applying such an export keeps the current
// value of each hidden secret.
package provisioning
