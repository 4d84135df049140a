// Package certstore holds the gateway's TLS material: the trusted roots,
// the device certificate (with its chain) and its private key, as the
// TLSRootFileUrl, TLSCertFileUrl and TLSPkeyFileUrl files of Automatic
// Update install them, or as files an operator names directly.
//
// # Validation
//
// [Load] checks a set of files as a whole before anything uses it: every
// PEM block parses, the key matches the certificate, the certificate is
// valid now (not expired, not yet to come), and it chains to the trusted
// roots when roots are given. Each problem is a [*FileError] naming the
// file and what is wrong, wrapping a sentinel ([ErrExpired],
// [ErrKeyMismatch], [ErrUntrusted], ...) callers can test with errors.Is.
//
// # Live replacement
//
// A [Store] holds the running set. [Store.Load] validates a new set and
// installs it only when it is valid: a bad set never replaces a good
// one. The tls.Configs a store hands out ([Store.ServerConfig],
// [Store.ClientConfig]) read the running set at every handshake
// (GetConfigForClient, GetClientCertificate, VerifyConnection), so a new
// certificate takes effect for the next connection without restarting a
// listener, while connections already up (and the calls or sessions on
// them) go on with the certificate they were made with.
//
// Every config needs TLS 1.2 at least and verifies the peer unless told
// otherwise ([Verify], [ClientAuth]).
package certstore
