// Command callerid writes a caller ID signal to a WAV file (8 kHz, 16-bit
// mono) that real decoders such as minimodem and multimon-ng can read.
//
// # Usage
//
//	go run ./examples/callerid -type bellcore|etsi|dtmf -number N -name S -out FILE
//
// Other flags: -sdmf (Bellcore single data message format), -absent
// private|unavailable (no number/name, send the absence reason), -mwi
// on|off (a message waiting indicator message instead of a call), -type2
// (off-hook form: CAS alert, pause, marks and message, no channel
// seizure), -level dBm0.
//
// # Decoding the output
//
//	minimodem --rx -q -f FILE callerid          # Bellcore
//	multimon-ng -q -c -a CLIPFSK -t wav FILE    # Bellcore and ETSI FSK
//	multimon-ng -q -c -a DTMF -t wav FILE       # ETSI DTMF
package main
