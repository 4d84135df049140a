// Package peer finds and runs the real third-party programs that potsgate's
// integration tests talk to (SIPp, kamailio, baresip, lighttpd, net-snmp,
// minimodem, multimon-ng, tshark, ...).
//
// # Skipping versus failing
//
// A test that needs a peer calls [Require]. When the program is missing the
// test is skipped, unless the environment variable POTSGATE_REQUIRE_PEERS is
// set (the project's test command and CI set it), in which case the test
// fails: a missing peer there is a broken machine, not an optional extra.
//
// # Processes
//
// [Start] runs a peer bound to loopback, ties its lifetime to the test with
// t.Cleanup, and keeps its output in a file the test can read on failure.
// [FreeUDPPort] and [FreeTCPPort] pick ports on 127.0.0.1.
//
// The shared recipes (config files for kamailio, lighttpd, SIPp scenarios)
// live in ../shared/peers; [SharedDir] locates that folder from any package.
package peer
