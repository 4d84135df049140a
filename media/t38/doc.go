// Package t38 holds the ITU-T T.38 packet codecs: IFP packets (X.691
// aligned PER, as T.38 and spandsp encode them), UDPTL packets with
// redundancy or FEC error recovery, and the T38Fax* attributes of an SDP
// "m=image udptl t38" media description.
//
// It is the framing half of a T.38 gateway (media/faxrelay turns fax
// audio into IFP packets and back). A [Session] carries one call's UDPTL
// flow on a UDP socket: sequence numbers, redundancy (a depth for image
// data and one for V.21 control and indicators, as FaxRelayRedundancyDepth
// and FaxRelayEnhancedRedundancyDepth ask), recovery of lost packets from
// the redundancy or FEC that follows, duplicates dropped, a short wait for
// packets out of order, and counters (received, recovered, lost,
// malformed). Sending allocates nothing; receiving an image packet
// allocates its IFP's field slice.
//
//	var u t38.UDPTL
//	if err := u.Unmarshal(datagram); err != nil { ... } // wraps ErrMalformed
//	var f t38.IFP
//	err := f.Unmarshal(u.Primary)
//
// # Checked against
//
// spandsp's t38_core (Debian libspandsp-dev 0.0.6), through
// media/fax/testdata/spandspfax.c: every indicator, data type and field
// type spandsp sends decodes to the same values, and every packet we
// encode is the octets spandsp sends and is taken by its receiver.
//
// # Bad input
//
// Decoders return errors wrapping [ErrMalformed] that say what is wrong;
// they never panic (fuzzed) and bound what they allocate by the input.
package t38
