package g729

// Voice activity detection of ITU-T G.729 Annex B (B.3). Each frame the
// encoder gives it the LPC analysis of the frame (autocorrelation, first
// reflection coefficients, LSF) and the windowed pre-processed signal; it
// compares four features (full- and low-band energy, spectral distortion,
// zero-crossing rate) with running averages of the background noise, then
// smooths the raw decision (hangover, energy rules). All arithmetic follows
// the recommendation's fixed-point description step for step.

// vadState is the VAD memory of one encoder channel.
type vadState struct {
	meanLSF                         [10]int16
	minBuffer                       [16]int16
	prevMin, nextMin, min           int16
	meanE, meanSE, meanSLE, meanSZC int16
	prevEnergy                      int16
	countSil, countUpdate, countExt int16
	flag, vFlag                     int16
	lessCount                       int16
}

// reset puts the VAD in its start-up state (vad_init).
func (v *vadState) reset() {
	*v = vadState{flag: 1, min: max16}
}

// vadEnergy converts a 32-bit energy to the VAD's log domain (Q11 of
// 10*log10), with expR0 the exponent of the autocorrelation.
func vadEnergy(acc int32, expR0 int16) int16 {
	exp, frac := log2(acc)
	acc = mpy32x16(exp, frac, 9864)
	i := sub(expR0, 1)
	i = sub(i, 1)
	acc = lMac(acc, 9864, i)
	acc = lShl(acc, 11)
	return sub(extractH(acc), 4875)
}

// decide returns the VAD decision (vadVoice or vadNoise) of the frame.
// rc is the second reflection coefficient of the Levinson recursion (rc[1]),
// lsf the unquantized LSF (lspLsfVad of the unquantized LSP), rh/rl the
// lag-windowed autocorrelation (vadNP+1 lags), expR0 its exponent, sigpp the
// 240-sample LPC analysis window of the pre-processed signal, frmCount the
// frame counter (1 for the first frame), prev/pprev the last two decisions.
func (v *vadState) decide(rc int16, lsf []int16, rh, rl []int16, expR0 int16,
	sigpp []int16, frmCount int16, prevMarker, pprevMarker int16) int16 {
	_ = lsf[9]
	_ = rh[vadNP]
	_ = sigpp[vadZCEnd]

	// Full-band energy.
	energy := vadEnergy(lComp(rh[0], rl[0]), expR0)

	// Low-band energy.
	var acc int32
	for i := 1; i <= vadNP; i++ {
		acc = lMac(acc, rh[i], lbfCorr[i])
	}
	acc = lShl(acc, 1)
	acc = lMac(acc, rh[0], lbfCorr[0])
	energyLow := vadEnergy(acc, expR0)

	// Spectral distortion against the background LSF.
	acc = 0
	for i := 0; i < 10; i++ {
		j := sub(lsf[i], v.meanLSF[i])
		acc = lMac(acc, j, j)
	}
	sd := extractH(acc)

	// Zero crossings.
	var zc int16
	for i := vadZCStart + 1; i <= vadZCEnd; i++ {
		if mult(sigpp[i-1], sigpp[i]) < 0 {
			zc = add(zc, 410)
		}
	}

	// Minimum energy over the last 128 frames, by blocks of 8.
	if frmCount < 129 {
		if energy < v.min {
			v.min = energy
			v.prevMin = energy
		}
		if frmCount&7 == 0 {
			i := sub(shr(frmCount, 3), 1)
			v.minBuffer[i&15] = v.min
			v.min = max16
		}
	}
	if frmCount&7 == 0 {
		v.prevMin = v.minBuffer[0]
		for i := 1; i < 16; i++ {
			if v.minBuffer[i] < v.prevMin {
				v.prevMin = v.minBuffer[i]
			}
		}
	}
	if frmCount >= 129 {
		if frmCount&7 == 1 {
			v.min = v.prevMin
			v.nextMin = max16
		}
		if energy < v.min {
			v.min = energy
		}
		if energy < v.nextMin {
			v.nextMin = energy
		}
		if frmCount&7 == 0 {
			copy(v.minBuffer[:15], v.minBuffer[1:])
			v.minBuffer[15] = v.nextMin
			v.prevMin = v.minBuffer[0]
			for i := 1; i < 16; i++ {
				if v.minBuffer[i] < v.prevMin {
					v.prevMin = v.minBuffer[i]
				}
			}
		}
	}

	marker := int16(vadVoice)
	if frmCount <= vadInitFrame {
		if energy < 3072 {
			marker = vadNoise
			v.lessCount++
		} else {
			marker = vadVoice
			v.meanE = extractH(lMac(lDepositH(v.meanE), energy, 1024))
			v.meanSZC = extractH(lMac(lDepositH(v.meanSZC), zc, 1024))
			for i := 0; i < 10; i++ {
				v.meanLSF[i] = extractH(lMac(lDepositH(v.meanLSF[i]), lsf[i], 1024))
			}
		}
	}

	if frmCount >= vadInitFrame {
		if frmCount == vadInitFrame {
			// Sums of the first frames to means.
			n := v.lessCount
			if n < 0 || n > 32 {
				n = 32
			}
			v.meanE = extractH(lShl(lMult(v.meanE, vadFactor[n]), vadShift[n]))
			v.meanSZC = extractH(lShl(lMult(v.meanSZC, vadFactor[n]), vadShift[n]))
			for i := 0; i < 10; i++ {
				v.meanLSF[i] = extractH(lShl(lMult(v.meanLSF[i], vadFactor[n]), vadShift[n]))
			}
			v.meanSE = sub(v.meanE, 2048)
			v.meanSLE = sub(v.meanE, 2458)
		}

		dSE := sub(v.meanSE, energy)
		dSLE := sub(v.meanSLE, energyLow)
		dSZC := sub(v.meanSZC, zc)

		if energy < 3072 {
			marker = vadNoise
		} else {
			marker = vadMakeDec(dSLE, dSE, sd, dSZC)
		}

		// Smoothing: stay in voice after a voiced frame while the energy
		// stays high.
		v.vFlag = 0
		if prevMarker == vadVoice && marker == vadNoise && add(dSE, 410) < 0 && energy > 3072 {
			marker = vadVoice
			v.vFlag = 1
		}

		if v.flag == 1 {
			if pprevMarker == vadVoice && prevMarker == vadVoice && marker == vadNoise &&
				absS(sub(v.prevEnergy, energy)) <= 614 {
				v.countExt++
				marker = vadVoice
				v.vFlag = 1
				if v.countExt <= 4 {
					v.flag = 1
				} else {
					v.countExt = 0
					v.flag = 0
				}
			}
		} else {
			v.flag = 1
		}

		if marker == vadNoise {
			v.countSil++
		}
		if marker == vadVoice && v.countSil > 10 && sub(energy, v.prevEnergy) <= 614 {
			marker = vadNoise
			v.countSil = 0
		}
		if marker == vadVoice {
			v.countSil = 0
		}

		if sub(energy, 614) < v.meanSE && frmCount > 128 && v.vFlag == 0 && rc < 19661 {
			marker = vadNoise
		}

		// Update of the background noise characteristics.
		if sub(energy, 614) < v.meanSE && rc < 24576 && sd < 83 {
			v.countUpdate++
			var coef, cCoef, coefZC, cCoefZC, coefSD, cCoefSD int16
			switch {
			case v.countUpdate < vadInitCount:
				coef, cCoef, coefZC, cCoefZC, coefSD, cCoefSD = 24576, 8192, 26214, 6554, 19661, 13017
			case v.countUpdate < vadInitCount+10:
				coef, cCoef, coefZC, cCoefZC, coefSD, cCoefSD = 31130, 1638, 30147, 2621, 21299, 11469
			case v.countUpdate < vadInitCount+20:
				coef, cCoef, coefZC, cCoefZC, coefSD, cCoefSD = 31785, 983, 30802, 1966, 22938, 9830
			case v.countUpdate < vadInitCount+30:
				coef, cCoef, coefZC, cCoefZC, coefSD, cCoefSD = 32440, 328, 31457, 1311, 24576, 8192
			case v.countUpdate < vadInitCount+40:
				coef, cCoef, coefZC, cCoefZC, coefSD, cCoefSD = 32604, 164, 32440, 328, 24576, 8192
			default:
				coef, cCoef, coefZC, cCoefZC, coefSD, cCoefSD = 32604, 164, 32702, 66, 24576, 8192
			}
			v.meanSE = extractH(lMac(lMult(coef, v.meanSE), cCoef, energy))
			v.meanSLE = extractH(lMac(lMult(coef, v.meanSLE), cCoef, energyLow))
			v.meanSZC = extractH(lMac(lMult(coefZC, v.meanSZC), cCoefZC, zc))
			for i := 0; i < 10; i++ {
				v.meanLSF[i] = extractH(lMac(lMult(coefSD, v.meanLSF[i]), cCoefSD, lsf[i]))
			}
		}

		if frmCount > 128 && ((v.meanSE < v.min && sd < 83) || sub(v.meanSE, v.min) > 2048) {
			v.meanSE = v.min
			v.countUpdate = 0
		}
	}

	v.prevEnergy = energy
	return marker
}

// vadMakeDec is the initial voice activity decision: a set of linear
// boundaries in the space of the four differential features.
func vadMakeDec(dSLE, dSE, sd, dSZC int16) int16 {
	// SD against dSZC.
	acc := lMult(dSZC, -14680)
	acc = lMac(acc, 8192, -28521)
	acc = lShr(acc, 8)
	acc = lAdd(acc, lDepositH(sd))
	if acc > 0 {
		return vadVoice
	}
	acc = lMult(dSZC, 19065)
	acc = lMac(acc, 8192, -19446)
	acc = lShr(acc, 7)
	acc = lAdd(acc, lDepositH(sd))
	if acc > 0 {
		return vadVoice
	}

	// dSE against dSZC.
	acc = lMult(dSZC, 20480)
	acc = lMac(acc, 8192, 16384)
	acc = lShr(acc, 2)
	acc = lAdd(acc, lDepositH(dSE))
	if acc < 0 {
		return vadVoice
	}
	acc = lMult(dSZC, -16384)
	acc = lMac(acc, 8192, 19660)
	acc = lShr(acc, 2)
	acc = lAdd(acc, lDepositH(dSE))
	if acc < 0 {
		return vadVoice
	}
	acc = lMult(dSE, 32767)
	acc = lMac(acc, 1024, 30802)
	if acc < 0 {
		return vadVoice
	}

	// dSE against SD.
	acc = lMult(sd, -28160)
	acc = lMac(acc, 64, 19988)
	acc = lMac(acc, dSE, 512)
	if acc < 0 {
		return vadVoice
	}
	acc = lMult(sd, 32767)
	acc = lMac(acc, 32, -30199)
	if acc > 0 {
		return vadVoice
	}

	// dSLE against dSZC (the recommendation's code compares dSE here).
	acc = lMult(dSZC, -20480)
	acc = lMac(acc, 8192, 22938)
	acc = lShr(acc, 2)
	acc = lAdd(acc, lDepositH(dSE))
	if acc < 0 {
		return vadVoice
	}
	acc = lMult(dSZC, 23831)
	acc = lMac(acc, 4096, 31576)
	acc = lShr(acc, 2)
	acc = lAdd(acc, lDepositH(dSE))
	if acc < 0 {
		return vadVoice
	}
	acc = lMult(dSE, 32767)
	acc = lMac(acc, 2048, 17367)
	if acc < 0 {
		return vadVoice
	}

	// dSLE against SD.
	acc = lMult(sd, -22400)
	acc = lMac(acc, 32, 25395)
	acc = lMac(acc, dSLE, 256)
	if acc < 0 {
		return vadVoice
	}

	// dSLE against dSE.
	acc = lMult(dSE, -30427)
	acc = lMac(acc, 256, -29959)
	acc = lAdd(acc, lDepositH(dSLE))
	if acc > 0 {
		return vadVoice
	}
	acc = lMult(dSE, -23406)
	acc = lMac(acc, 512, 28087)
	acc = lAdd(acc, lDepositH(dSLE))
	if acc < 0 {
		return vadVoice
	}
	acc = lMult(dSE, 24576)
	acc = lMac(acc, 1024, 29491)
	acc = lMac(acc, dSLE, 16384)
	if acc < 0 {
		return vadVoice
	}
	return vadNoise
}

// lspLsfVad converts LSP (cosine domain, Q15) to normalised LSF (Q15, 0 to
// 0.5) by table look-up and interpolation (Lsp_lsf, the variant the VAD
// uses; its cosine table and slopes are table2 and slopeAcos).
func lspLsfVad(lsp, lsf []int16) {
	ind := int16(63)
	for i := 9; i >= 0; i-- {
		for ind > 0 && table2[ind] < lsp[i] {
			ind--
		}
		lTmp := lMult(sub(lsp[i], table2[ind]), slopeAcos[ind])
		tmp := round(lShl(lTmp, 3))
		lsf[i] = add(tmp, shl(ind, 8))
	}
}
