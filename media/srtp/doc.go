// Package srtp protects a call's RTP and RTCP with SRTP (RFC 3711) keyed
// by SDES (RFC 4568): it reads and writes the a=crypto attribute and wraps
// github.com/pion/srtp for the per-packet work.
//
// # SDES
//
// [ParseCrypto] reads the value of an a=crypto attribute
// ("1 AES_CM_128_HMAC_SHA1_80 inline:KEY|2^31|1:4 KDR=0") into a
// [Crypto]: tag, suite, one or more inline key parameters (master key and
// salt, optional lifetime, optional MKI) and session parameters. Errors
// wrap [ErrSDES] and name the part that is wrong. A suite this package
// does not implement parses (its name is kept, [Crypto.Suite] is
// [SuiteUnknown]) so that an offer can list suites we skip; [Crypto.Usable]
// says whether a line can key a session. [Crypto.String] writes the value
// back. [NewKey] draws a fresh master key and salt.
//
// Suites: AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32,
// AES_256_CM_HMAC_SHA1_80 and AES_256_CM_HMAC_SHA1_32.
//
// # Protection
//
// A [Keying] is one direction's suite, master key and salt, and MKI: a
// comparable value, so a renegotiation that changes nothing is seen as
// such. [NewContext] builds the sending and receiving SRTP/SRTCP contexts
// of one session from the two keyings; its Protect and Unprotect methods
// work into buffers the caller reuses and allocate nothing per packet.
// Unprotect tells an authentication failure ([ErrAuth]) from a replayed
// packet ([ErrReplay]) and a packet too short or malformed
// ([ErrMalformed]), so the session counts each and drops the packet.
// Replay protection keeps a 128-packet window (RFC 3711 section 3.3.2).
//
// Rekeying ([Context.Rekey]) keeps the previous receiving key until the
// first packet under the new one authenticates, so packets in flight
// while the far end switches are not counted as attacks.
package srtp
