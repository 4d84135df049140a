package g729

import (
	"errors"
	"fmt"
)

// ErrFrameSize is returned for a payload that is neither a speech frame,
// an Annex B SID frame nor empty.
var ErrFrameSize = errors.New("g729: invalid frame size")

// Frame types of the Annex B decoder: what a payload carries.
const (
	frameNoTx   = 0 // not transmitted: comfort noise continues
	frameSpeech = 1 // 80-bit speech frame
	frameSID    = 2 // silence insertion descriptor
)

const (
	subfrLen   = 40                     // L_SUBFR
	excOff     = pitMax + lInterpol     // start of the current frame in oldExc
	excLen     = FrameSamples + excOff  // past excitation + current frame
	cngSeedIni = 11111                  // INIT_SEED of Annex B
	azLen      = 2 * (lpOrder + 1)      // LP coefficients of both subframes
	synBufLen  = lpOrder + FrameSamples // synthesis with 10 past samples
)

// lspOldInit is the initial LSP vector of the decoder (and encoder) LP
// filter: the cosines of equally spaced frequencies, Q15.
var lspOldInit = [lpOrder]int16{30000, 26000, 21000, 15000, 8000, 0, -8000, -15000, -21000, -26000}

// Decoder is the state of one G.729 Annex A decoding channel. The zero
// value is not ready: use NewDecoder.
type Decoder struct {
	// Excitation: oldExc[excOff:] is the current frame, before it the
	// past excitation the adaptive codebook reads.
	oldExc [excLen]int16

	lspOld [lpOrder]int16 // quantised LSPs of the previous frame, Q15
	memSyn [lpOrder]int16 // synthesis filter memory

	sharp     int16 // pitch sharpening of the previous subframe, Q14
	oldT0     int16 // integer lag of the previous subframe
	gainCode  int16 // Q1, kept for erasure attenuation
	gainPitch int16 // Q14
	seedFer   int16 // random source of erased frames' fixed codebook

	// LSF quantiser: MA predictor memory and what an erased frame repeats.
	freqPrev [maNP][lpOrder]int16 // Q13
	prevMa   int16
	prevLsp  [lpOrder]int16 // Q13

	pastQuaEn [4]int16 // past quantised code energies, Q10

	// State kept for Annex B comfort noise (G.729 B.5): the previous
	// frame's type, the CNG random seed and the energy of the last good
	// frame's excitation (sidSav with exponent shSidSav).
	pastFtyp int16
	seed     int16
	sidSav   int16
	shSidSav int16

	synBuf [synBufLen]int16 // synthesis before post-filtering, 10 past samples first
	az     [azLen]int16     // LP filter of both subframes for the post-filter
	t2     [2]int16         // pitch lag of both subframes for the post-filter

	cng cngDecoder // Annex B comfort noise state

	pst postFilter
	pp  postProcess
}

// NewDecoder returns a decoder in its initial state.
func NewDecoder() *Decoder {
	d := &Decoder{}
	d.reset()
	return d
}

func (d *Decoder) reset() {
	*d = Decoder{}
	d.sharp = sharpMin
	d.oldT0 = 60
	d.lspOld = lspOldInit
	for i := range d.freqPrev {
		d.freqPrev[i] = freqPrevReset
	}
	d.prevLsp = freqPrevReset
	d.pastQuaEn = [4]int16{-14336, -14336, -14336, -14336}
	d.seedFer = 21845
	d.pastFtyp = frameSpeech
	d.seed = cngSeedIni
	d.sidSav = 0
	d.shSidSav = 1
	d.pst.reset()
	d.cng.reset()
}

// Decode decodes one payload into pcm[:FrameSamples]: a speech frame of
// FrameBytes, an Annex B SID frame of SIDBytes, or an empty payload for a
// frame the encoder did not transmit. Any other size returns an error
// wrapping ErrFrameSize.
func (d *Decoder) Decode(pcm []int16, payload []byte) error {
	if len(pcm) < FrameSamples {
		return fmt.Errorf("g729: output of %d samples, need %d", len(pcm), FrameSamples)
	}
	var prm [speechParams]int16
	switch len(payload) {
	case FrameBytes:
		unpack(prm[:], speechBits[:], payload)
		// A parity error on the first pitch index makes it be concealed.
		prm[3] = checkParityPitch(prm[2], prm[3])
		d.decodeFrame(pcm, prm[:], 0, frameSpeech)
	case SIDBytes:
		unpack(prm[:sidParams], sidBits[:], payload)
		d.decodeFrame(pcm, prm[:], 0, frameSID)
	case 0:
		d.decodeFrame(pcm, prm[:], 0, frameNoTx)
	default:
		return fmt.Errorf("%w: %d bytes", ErrFrameSize, len(payload))
	}
	return nil
}

// DecodeErased conceals a lost frame into pcm[:FrameSamples] (G.729 4.4):
// the previous LP filter, lag and attenuated gains are repeated, with a
// random fixed codebook; in a silence period comfort noise continues.
func (d *Decoder) DecodeErased(pcm []int16) {
	if len(pcm) < FrameSamples {
		return
	}
	var prm [speechParams]int16
	d.decodeFrame(pcm, prm[:], 1, frameSpeech)
}

// decodeFrame runs one frame of the decoder (the recommendation's decoder
// with the Annex B frame types): parameters to synthesis, post-filter and
// post-processing into out[:FrameSamples]. bfi is 1 for an erased frame.
// prm holds the 11 speech parameters (prm[3] is the parity check result)
// or the SID parameters.
func (d *Decoder) decodeFrame(out []int16, prm []int16, bfi int16, ftyp int16) {
	if bfi == 1 {
		// An erased frame continues what the previous frame was.
		if d.pastFtyp == frameSpeech {
			ftyp = frameSpeech
		} else {
			ftyp = frameNoTx
		}
	}
	synth := d.synBuf[lpOrder:]
	var ov bool
	exc := d.oldExc[:]

	if ftyp != frameSpeech {
		// Comfort noise (Annex B): a random excitation at the SID gain
		// through the SID filter.
		var sid [sidParams]int16
		copy(sid[:], prm[:sidParams])
		d.cng.decode(d.pastFtyp, d.sidSav, d.shSidSav, ftyp == frameSID, &sid,
			exc, excOff, d.lspOld[:], d.az[:], &d.seed, &d.freqPrev)
		for s := 0; s < 2; s++ {
			d.synthesise(s, &ov)
			d.t2[s] = d.oldT0
		}
		d.sharp = sharpMin
	} else {
		d.seed = cngSeedIni
		var lspNew [lpOrder]int16
		d.decodeLsp(prm[0], prm[1], bfi, lspNew[:])
		intQlpc(d.lspOld[:], lspNew[:], d.az[:])
		d.lspOld = lspNew

		var t0, t0Frac int16
		var code [subfrLen]int16
		p := 2
		for s := 0; s < 2; s++ {
			iSub := s * subfrLen
			index := prm[p]
			p++
			if s == 0 {
				parityErr := prm[p]
				p++
				if add(bfi, parityErr) == 0 {
					t0, t0Frac = decLag3(index, 0, 0)
					d.oldT0 = t0
				} else {
					t0, t0Frac = d.concealLag()
				}
			} else {
				if bfi == 0 {
					t0, t0Frac = decLag3(index, 1, t0)
					d.oldT0 = t0
				} else {
					t0, t0Frac = d.concealLag()
				}
			}
			d.t2[s] = t0

			predLt3(exc, excOff+iSub, t0, t0Frac, subfrLen)

			if bfi != 0 {
				prm[p] = random(&d.seedFer) & 0x1fff
				prm[p+1] = random(&d.seedFer) & 0x000f
			}
			decodACELP(prm[p+1], prm[p], &code)
			p += 2

			// Pitch sharpening of the innovation for lags below a subframe.
			j := shl(d.sharp, 1)
			if t0 < subfrLen {
				for i := int(t0); i < subfrLen; i++ {
					code[i] = add(code[i], mult(code[i-int(t0)], j))
				}
			}

			d.decodeGain(prm[p], code[:], bfi)
			p++

			d.sharp = d.gainPitch
			if d.sharp > sharpMax {
				d.sharp = sharpMax
			}
			if d.sharp < sharpMin {
				d.sharp = sharpMin
			}

			// exc = gainPitch*exc + gainCode*code. Both gains are >= 0,
			// so L_mult cannot saturate: only the sum and the shift can.
			e := (*[subfrLen]int16)(exc[excOff+iSub : excOff+iSub+subfrLen])
			gp, gc := int64(d.gainPitch), int64(d.gainCode)
			for i := range e {
				v := (int64(e[i])*gp + int64(code[i])*gc) * 2
				var t int32
				if v == int64(int32(v)) {
					t = shlSat(int32(v), 1)
				} else {
					t = lShl(lMac(lMult(e[i], d.gainPitch), code[i], d.gainCode), 1)
				}
				e[i] = roundFast(t)
			}
			d.synthesise(s, &ov)
		}
	}

	if bfi == 0 {
		// Energy of the excitation, the reference of Annex B's SID gain.
		e := exc[excOff : excOff+FrameSamples]
		t := energySat(0, e)
		sh := normL(t)
		d.sidSav = round(lShl(t, sh))
		d.shSidSav = sub(16, sh)
	}

	copy(d.oldExc[:excOff], d.oldExc[FrameSamples:])
	d.pastFtyp = ftyp

	d.pst.filter(&d.synBuf, &d.az, &d.t2, ftyp)
	d.pp.process(synth)
	copy(out[:FrameSamples], synth)
}

// synthesise filters subframe s of the excitation through 1/A(z). On
// overflow the whole excitation buffer is scaled down by 4 and the
// subframe filtered again (G.729 4.1.6).
func (d *Decoder) synthesise(s int, ov *bool) {
	iSub := s * subfrLen
	a := d.az[s*(lpOrder+1) : (s+1)*(lpOrder+1)]
	x := d.oldExc[excOff+iSub : excOff+iSub+subfrLen]
	y := d.synBuf[lpOrder+iSub : lpOrder+iSub+subfrLen]
	*ov = false
	synFilt(a, x, y, d.memSyn[:], false, ov)
	if *ov {
		for i := range d.oldExc {
			d.oldExc[i] = shr(d.oldExc[i], 2)
		}
		synFilt(a, x, y, d.memSyn[:], true, ov)
	} else {
		copy(d.memSyn[:], y[subfrLen-lpOrder:])
	}
}

// concealLag repeats the previous lag for an erased frame or a parity
// error, one sample longer each subframe up to the maximum.
func (d *Decoder) concealLag() (t0, frac int16) {
	t0 = d.oldT0
	d.oldT0 = add(d.oldT0, 1)
	if d.oldT0 > pitMax {
		d.oldT0 = pitMax
	}
	return t0, 0
}

// decodeLsp rebuilds the quantised LSPs (Q15) of a frame from L0..L3
// (prm0 = L0|L1, prm1 = L2|L3), or repeats the previous ones for an
// erased frame while keeping the predictor memory moving.
func (d *Decoder) decodeLsp(prm0, prm1 int16, erase int16, lsp []int16) {
	var lsf [lpOrder]int16
	if erase == 0 {
		mode := shr(prm0, 7) & 1
		code0 := prm0 & 127
		code1 := shr(prm1, 5) & 31
		code2 := prm1 & 31
		lspGetQuant(int(code0), int(code1), int(code2), int(mode), &d.freqPrev, lsf[:])
		d.prevLsp = lsf
		d.prevMa = mode
	} else {
		lsf = d.prevLsp
		var buf [lpOrder]int16
		lspPrevExtract(d.prevLsp[:], buf[:], &fg[d.prevMa], &d.freqPrev, fgSumInv[d.prevMa][:])
		lspPrevUpdate(buf[:], &d.freqPrev)
	}
	lsfLsp2(lsf[:], lsp, lpOrder)
}

// decLag3 decodes a pitch index into the integer lag and its fraction
// (-1, 0, 1 thirds): absolute in the first subframe (s = 0), relative to
// the first subframe's lag t0 in the second.
func decLag3(index int16, s int, t0 int16) (int16, int16) {
	if s == 0 {
		if index < 197 {
			t := add(mult(add(index, 2), 10923), 19)
			i := add(add(t, t), t)
			return t, add(sub(index, i), 58)
		}
		return sub(index, 112), 0
	}
	t0Min := sub(t0, 5)
	if t0Min < pitMin {
		t0Min = pitMin
	}
	t0Max := add(t0Min, 9)
	if t0Max > pitMax {
		t0Max = pitMax
		t0Min = sub(t0Max, 9)
	}
	i := sub(mult(add(index, 2), 10923), 1)
	t := add(i, t0Min)
	i = add(add(i, i), i)
	return t, sub(sub(index, 2), i)
}

// decodACELP builds the fixed codebook vector (Q13) from the 13-bit pulse
// positions and 4 sign bits (Annex A: 4 pulses of +-1 on 4 tracks).
func decodACELP(sign, index int16, cod *[subfrLen]int16) {
	var pos [4]int16
	i := index & 7
	pos[0] = add(i, shl(i, 2))
	index = shr(index, 3)
	i = index & 7
	i = add(i, shl(i, 2))
	pos[1] = add(i, 1)
	index = shr(index, 3)
	i = index & 7
	i = add(i, shl(i, 2))
	pos[2] = add(i, 2)
	index = shr(index, 3)
	j := index & 1
	index = shr(index, 1)
	i = index & 7
	i = add(i, shl(i, 2))
	i = add(i, 3)
	pos[3] = add(i, j)

	*cod = [subfrLen]int16{}
	for k := 0; k < 4; k++ {
		bit := sign & 1
		sign = shr(sign, 1)
		if bit != 0 {
			cod[pos[k]] = 8191 // +1.0 Q13
		} else {
			cod[pos[k]] = -8192
		}
	}
}

// decodeGain decodes the pitch gain (Q14) and the fixed codebook gain
// (Q1) of a subframe from the 7-bit GA|GB index, with the MA-predicted
// energy of code; for an erased frame both are attenuated instead.
func (d *Decoder) decodeGain(index int16, code []int16, bfi int16) {
	if bfi != 0 {
		d.gainPitch = mult(d.gainPitch, 29491) // 0.9
		if d.gainPitch > 29491 {
			d.gainPitch = 29491
		}
		d.gainCode = mult(d.gainCode, 32111) // 0.98
		gainUpdateErasure(&d.pastQuaEn)
		return
	}
	index1 := imap1[shr(index, 4)&7]
	index2 := imap2[index&15]
	d.gainPitch = add(gbk1[index1][0], gbk2[index2][0])

	gcode0, expGcode0 := gainPredict(&d.pastQuaEn, code)

	gbk12 := lAdd(lDepositL(gbk1[index1][1]), lDepositL(gbk2[index2][1])) // Q13
	tmp := extractL(lShr(gbk12, 1))                                       // Q12
	acc := lMult(tmp, gcode0)
	acc = lShl(acc, add(negate(expGcode0), -12-1+1+16))
	d.gainCode = extractH(acc)

	gainUpdate(&d.pastQuaEn, gbk12)
}
