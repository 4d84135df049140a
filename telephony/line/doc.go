// Package line holds the FXS and FXO line state machines and the adapter
// that binds one to a hal port.
//
// # Machines
//
// [FXS] and [FXO] are pure values: Next(event, now) returns the next value
// and the actions to carry out. They never block, never read the clock and
// never do I/O, so a test drives hours of line behaviour in microseconds
// with a table of events and times. Timers are deadlines inside the value,
// checked on every event; the adapter sends a [Tick] every frame.
//
// # Adapters
//
// [FXSLine] and [FXOLine] bind a machine to a hal port, one 10 ms frame per
// Step: they turn hook, ring and polarity events and what the DSP hears
// (DTMF, caller ID, dial and busy tone) into events, and carry out the
// actions with tone, DTMF and caller ID generators and the voice path. Line
// time is frame time, so a simulated port runs a test in simulated time.
// Step allocates nothing.
//
// # Toward the network
//
// A machine asks for network actions ([PlaceCall], [Answer], [Hangup],
// [SendDigit], [SendFlash]) and learns about the call through events
// ([IncomingCall], [RemoteAnswered], [RemoteHangup], ...). The SIP layer
// implements the small [Network] interface the adapter calls.
package line
