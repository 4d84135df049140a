// Package gateway composes the SDK into one analog-to-SIP gateway: ports,
// line state machines, SIP, media and provisioning. An OEM binary builds a
// gateway from this package and stays as thin as cmd/potsgate.
//
// # Composition
//
// [New] joins each [Port] (an FXS or FXO hal port) to a line state machine
// and the line to the network through a small per-port adapter: a number
// that is another port's is connected inside the gateway; any other number
// is dialled by the SIP user agent, and an incoming SIP call reaches the
// port that has the called number (404 when none does, 486 when it is
// busy). Media runs through a [MediaFactory], one RTP leg per call.
//
// It also holds the parameter registry of everything the gateway
// understands ([NewRegistry]) and the product identity ([Version]).
//
// # Configuration changes
//
// [Gateway.Reconfigure] applies a new configuration while the gateway runs:
// routing, line parameters (taken by each line when it is next idle) and
// what is read call by call. Parameters marked RestartRequired in the
// registry take a new gateway; [CheckConfig] tells beforehand whether one
// would build. The host decides when to restart (cmd/potsgate does it in
// the same process after an Automatic Update cycle).
//
// # Management
//
// [Gateway.StatusHandler] serves read-only status pages;
// [Gateway.AdminHandler] adds the management pages behind the WebUsers
// accounts, acting through an [AdminHost] the binary implements. Both
// serve "/metrics" for Prometheus: [Metrics] is a collector that reads the
// gateway's counters when it is scraped. The log
// goes to syslog through [SyslogHandler], call detail records through
// [SyslogCDR].
package gateway
