// Package gateway composes the SDK into one analog-to-SIP gateway: ports,
// line state machines, SIP, media and provisioning. An OEM binary builds a
// gateway from this package and stays as thin as cmd/potsgate.
//
// So far it holds the parameter registry of everything the gateway
// understands ([NewRegistry]) and the product identity ([Version]).
package gateway
