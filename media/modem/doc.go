// Package modem holds what the fax modems of its subpackages share: the
// interfaces between a modem and the code that feeds it bits or takes its
// bits, and the status a receiver reports between bits.
//
// The modems work on 8 kHz 16-bit linear samples, as the rest of media
// does, and never allocate once made. Subpackages: hdlc (framing), v21
// (300 bit/s FSK, T.30's control channel), v27ter (2400/4800), v29
// (7200/9600), v17 (7200-14400, trellis coded).
package modem
