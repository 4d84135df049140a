// Package faxrelay is the T.38 gateway of ITU-T T.38 clause 5 for one
// call: it demodulates the fax machine's audio on the analog port into
// IFP packets for the network, and modulates the IFP packets it receives
// back into audio for the machine.
//
// # Audio to IFP
//
// V.21 channel 2 is always listened to; CNG and CED (media/fax) become
// their indicators, HDLC flags the v21-preamble indicator, each frame an
// hdlc-data field with hdlc-fcs-OK or hdlc-fcs-BAD, the carrier's end
// hdlc-sig-end and no-signal. The DCS, seen in either direction, tells
// which high-speed modem and rate come next (and whether ECM frames or
// T.4 data); when the fax machine is the sender, that receiver listens,
// and its training becomes the matching training indicator, its data
// t4-non-ecm-data / t4-non-ecm-sig-end, or HDLC fields with ECM.
//
// T.30 is half duplex: while the gateway plays a signal to the machine,
// and 40 ms after, the port's input is taken for that signal's echo (an
// analog line's hybrid returns it) and the receivers rest, unless the
// machine was already sending. A trained high-speed carrier from the
// machine likewise rests V.21 and the tone detectors, as nothing else
// can come from it meanwhile.
//
// # IFP to audio
//
// Each indicator starts its signal: CNG and CED tones, V.21 flags, a
// high-speed modem's training; the data that follows feeds the
// modulator. Signals queue one after another (75 ms of silence between
// V.21 and a high-speed signal), so data that arrives while an earlier
// signal still plays waits for it. HDLC frames are sent once whole
// (flags while they come, 200 ms of them at least before the first ECM
// frame, 0.85 s before the first V.21 one); non-ECM data starts once
// 100 ms of it are held, and each T.4 line starts only when it is held
// up to the next EOL: while it is not, the modulator sends fill zeros
// before the EOL, as T.4 allows (Stats.FillBits). Only a line the
// network delivers slower than it is sent runs dry: ones are sent then,
// counted in Stats.Underflows.
//
// # Spoofing
//
// Only what T.38 allows: DIS and DTC lose the modems above MaxRate (V.17
// below 14400, V.29 below 7200) and, without ECM, the ECM and T.6 bits;
// the FCS is computed afresh as the frame is sent.
//
// # Bad input
//
// Packets the gateway cannot act on (unknown indicators and data types,
// V.8/V.34 fields, more than 8 fields or 600 octets, data without its
// indicator, a full queue) are counted in Stats.BadPackets; data without
// its indicator still starts its signal.
//
// # Allocation
//
// New allocates everything; Audio and ReceiveIFP allocate nothing.
package faxrelay
