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
// # Echo
//
// With [EchoOptions] enabled, a line echo canceller (media/echo) works on
// each frame right after the port's exchange: what the line sent (tones,
// digits, the far end's voice) and what came back through the hybrid. Every
// listener, DTMF and tone detection and the network, hears the cleaned
// frame. It runs while the port carries a call and is reset when the port
// goes idle; EchoStats reads its counters from any goroutine.
//
// # Toward the network
//
// A machine asks for network actions ([PlaceCall], [Answer], [Hangup],
// [SendDigit], [SendFlash]) and learns about the call through events
// ([IncomingCall], [RemoteAnswered], [RemoteHangup], ...). The SIP layer
// implements the small [Network] interface the adapter calls.
package line
