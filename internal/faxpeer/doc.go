// Package faxpeer runs spandsp's fax machine (Debian libspandsp-dev) as a
// test peer: media/fax/testdata/spandspfax.c, built by the test with
// pkg-config, sends or receives a TIFF as 8 kHz audio over its stdin and
// stdout. Tests connect two of them directly or through a gateway, and
// compare the pages with tiffcmp (libtiff-tools).
//
// Nothing of spandsp is linked into potsgate: the driver is a separate
// process, built into the test's temporary directory.
//
// # Use
//
//	tool := faxpeer.Tool(t) // skips without libspandsp-dev
//	img := faxpeer.Image(t, tool, 3)
//	send := faxpeer.Send(t, tool, img, faxpeer.Options{ECM: true})
//	recv := faxpeer.Receive(t, tool, rx, faxpeer.Options{ECM: true})
//	rs, rr, err := faxpeer.Connect(send, recv, nil)
//	err = faxpeer.SamePages(t, img, rx)
//
// To put something between the machines (a gateway's ports), call each
// machine's Read then Write once per frame instead of Connect: Read gives
// what it sends, Write what it hears.
//
// # T.38 terminals
//
// T38Send and T38Receive run spandsp's T.38 terminal (t38_terminal_init,
// T.30 on it) instead: it exchanges IFP packets, not audio, in steps of
// simulated time (Options.Frame samples): ReadIFP gives the packets it
// sent in its next step, WriteIFP those it receives in it. ConnectT38
// joins two of them; a T.38 gateway goes between a terminal and an audio
// machine.
package faxpeer
