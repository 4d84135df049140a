// Command echo lets you hear the line echo canceller (media/echo): a far
// end's voice goes through a simulated 2-wire/4-wire hybrid (one of the
// G.168 Annex D network models from hal/sim, at a given ERL and delay),
// and the example writes what the far end would hear back, without the
// canceller (before.wav) and with it (after.wav).
//
// # Usage
//
//	go run ./examples/echo -out /tmp                  # a built-in voice-like signal
//	go run ./examples/echo -in speech.wav -model D.8 -erl 6 -tail 128ms -out /tmp
//	go run ./examples/echo -tone 1000 -out /tmp       # a 1 kHz tone
//
// The input WAV must be 8 kHz mono 16-bit (sox in.wav -r 8000 -c 1 -b 16
// speech.wav). It prints the echo reduction and the canceller's counters.
package main
