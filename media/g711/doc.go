// Package g711 implements the ITU-T G.711 coders of RFC 3551: PCMU (µ-law,
// static payload type 0) and PCMA (A-law, payload type 8) as [media.Codec]
// values, with packet loss concealment for their decoders.
//
// # Coding
//
// Sample conversion goes through github.com/zaf/g711 one sample at a time;
// [Law.NewEncoder] and [Law.NewDecoder] append to the caller's slice, so a
// channel allocates nothing per frame once its buffers have grown. G.711 is
// sample based: any number of samples makes a payload of as many bytes.
//
// # Loss concealment
//
// [media.Decoder.Conceal] follows the method of ITU-T G.711 Appendix I in a
// simplified form: at the start of an erasure the decoder estimates the
// pitch period of the last 48.75 ms of output by normalised
// cross-correlation (periods of 5 to 15 ms), smooths the seam of the last
// period by an overlap-add over a quarter period and repeats it. The
// synthetic signal keeps its level for 10 ms, then fades linearly to
// silence at 60 ms. When audio resumes, the first 4 ms of it are
// cross-faded with the continuation of the synthetic signal, so neither
// the start nor the end of an erasure clicks.
package g711
