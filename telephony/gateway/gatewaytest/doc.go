// Package gatewaytest has what tests and load runs of a gateway need
// around it: simulated phones that behave like the reference binary's
// (answer, echo, hang up when the call is over).
//
// # Soak
//
// Its own tests hold the soak of the gateway (TestSoak): minutes of calls
// from SIPp with registrations refreshing, heap, goroutines and file
// descriptors sampled. It is a package of its own so that `go test ./...`
// runs those minutes beside other packages' tests.
package gatewaytest
