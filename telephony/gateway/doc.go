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
package gateway
