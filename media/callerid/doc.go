// Package callerid generates and receives analog caller ID signals: the
// on-hook (type 1) and off-hook (type 2, call waiting) messages an FXS port
// sends to a phone, and the FSK demodulator an FXO port uses to read them
// from a line.
//
// # Standards
//
//   - [Bellcore] (Telcordia GR-30-CORE): Bell 202 FSK, 1200 baud, mark
//     1200 Hz, space 2200 Hz. SDMF (type 0x04, MMDDHHMM + number; VMWI 0x06)
//     and MDMF (type 0x80: 0x01 date/time, 0x02 number, 0x04 number absence
//     'O'/'P', 0x07 name, 0x08 name absence; VMWI 0x82 with 0x0B).
//   - [ETSI] (EN 300 659-1/-3): ITU-T V.23 FSK, 1200 baud, mark 1300 Hz,
//     space 2100 Hz, MDMF call setup 0x80 and message waiting 0x82.
//   - [ETSIDTMF]: the number sent as DTMF digits, A<number>C, or B00C
//     (private) / B10C (unavailable), 70 ms tone and 70 ms pause.
//
// An FSK transmission is a channel seizure of alternating bits (300 by
// default; none for type 2), a mark signal (180 bits; 80 for type 2), the
// message as 8N1 asynchronous bytes (LSB first), and a few mark bits. The
// checksum is the two's complement of the byte sum, so a valid message sums
// to zero.
//
// # Transmitting
//
// [Encode] turns a [Message] into its bytes, [NewTransmitter] into 8 kHz
// 16-bit PCM generated frame by frame into caller-owned buffers without
// allocating; [Samples] returns the whole signal at once. [AlertSignal]
// generates the 2130 + 2750 Hz CAS / DT-AS that precedes a type 2 message.
// When to send (between the first and second ring, after the CAS
// acknowledgement) is the line state machine's decision, not this
// package's.
//
// # Receiving
//
// [Receiver] demodulates Bell 202 or V.23 FSK from PCM frames with a
// pair of short quadrature correlators (mark versus space energy), frames
// the bits as 8N1 bytes, and assembles and checksums messages; [Decode]
// parses message bytes and [DecodeDTMF] a DTMF digit string. Process
// allocates nothing per frame (only a completed message allocates its
// strings).
//
// # Levels
//
// Levels are in dBm0 ([media.SineAmplitude]); FSK defaults to -13.5 dBm0,
// DTMF to -9 dBm0 (low group) and -7 dBm0 (high group).
package callerid
