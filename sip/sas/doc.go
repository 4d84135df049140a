// Package sas implements Stand Alone Survivability (SAS) for potsgate: an
// embedded SIP registrar and stateful proxy that keeps a branch calling
// when the upstream proxy fails (spec section 5), built on sipgo.
//
// # Use
//
// Build a [Config] (the provisioning parameters EnableSAS,
// SASLocalSIPUDPPort, SASProxySet, SASRegistrationTime,
// SASSurvivabilityMode, SASEmergencyNumbers, SASDefaultGatewayIP, plus
// keep-alive timing, digest users and limits), create the service with
// [New] and run it with [Service.Serve] on a net.PacketConn or
// [Service.ListenAndServe]. [Service.Close] is idempotent and waits for
// every goroutine the service started. The service logs only state
// changes; [Service.Stats] holds the counters.
//
// # Normal and emergency state
//
// In outbound mode ([ModeStandard]) phones use SAS as their proxy. In
// normal state SAS relays REGISTERs to the active proxy of the set and
// records the bindings the proxy's 2xx confirms (Contact and expires), and
// forwards calls to the proxy. OPTIONS keep-alives probe the proxy set
// every KeepAliveInterval; after KeepAliveFailures unanswered probes SAS
// enters emergency state: it answers REGISTERs itself and routes calls
// phone to phone from its bindings, and every other number (the analog
// ports) to the gateway at SASDefaultGatewayIP. When a proxy answers again
// SAS returns to normal; the binding table is kept across both changes.
// SASEmergencyNumbers always go to the gateway.
//
// The pure transition function [Step] decides the state: (machine, event,
// now) -> (machine, actions); the service runs its actions.
//
// # Modes
//
// [ModeAlwaysEmergency], or an empty SASProxySet, makes SAS a standalone
// registrar and router: this is how the reference gateway uses it, a
// softphone registering to 127.0.0.1 and calling ports 101-104 through the
// gateway. [ModeIgnoreRegister] and [ModeAutoAnswerRegister] change what
// happens to REGISTERs in normal state. Config.SASRedundant selects
// redundant mode, where phones register to SAS directly and use it only
// when the proxy fails.
//
// # Security
//
// With Config.Users set, registrations (401) and calls (407) SAS handles
// itself are digest-authenticated (MD5 or SHA-256, qop=auth, stateless
// HMAC nonces). Requests with Max-Forwards 0 get 483, loops (our Via with
// the same loop hash, RFC 3261 16.3) get 482, requests over
// MaxMessageSize get 513 before sipgo parses them, malformed requests get
// 400 or are dropped, and the binding table is capped by MaxBindings.
//
// # Limits
//
// UDP only. A user with several contacts is reached at one of them (no
// forking). Contacts are relayed unchanged, so in normal state the proxy
// reaches phones directly. sipgo refuses to send UDP messages over 1300
// bytes (its UDPMTUSize global, left at its default).
package sas
