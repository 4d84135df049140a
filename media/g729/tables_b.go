package g729

// Constants of ITU-T G.729 Annex B (VAD, DTX, CNG), as the recommendation's
// software package defines them (tab_dtx of the Annex B fixed-point code).
// They are the standard's values; a conformant coder cannot use others.

const (
	// VAD (B.3).
	vadNoise     = 0
	vadVoice     = 1
	vadInitFrame = 32  // frames used to initialise the running means
	vadInitCount = 20  // first stage of the background update speed
	vadZCStart   = 120 // zero-crossing window within the LPC window
	vadZCEnd     = 200
	vadNP        = 12 // autocorrelation lags the VAD's low-band energy uses

	// DTX / CNG (B.4).
	cngInitSeed    = 11111
	frSIDMin       = 3 // minimum frames between two SID frames
	nbSumAcf       = 3
	nbCurAcf       = 2
	nbGain         = 2
	fracThresh1    = 4855
	fracThresh2    = 3161
	aGain0         = 28672 // smoothing of the comfort-noise gain, 0.875 Q15
	aGain1         = 4096  // 1 - aGain0
	sizSumAcf      = nbSumAcf * 11
	sizAcf         = nbCurAcf * 11
	cngFrac1       = 19043 // (sqrt(40) * alpha / 2 - 1) in Q15, alpha = 0.5
	cngK0          = 24576 // (1 - alpha^2) in Q15
	cngGMax        = 5000
	sidLsfClusters = 2 // the two MA predictors of the SID LSF quantizer

	// Frame types (ftyp) of the Annex B bitstream.
	ftypNoData = 0
	ftypSpeech = 1
	ftypSID    = 2
)

// lbfCorr is the autocorrelation of the low-pass filter (cut-off 1 kHz)
// the VAD uses for its low-band energy (tab_dtx lbf_corr).
var lbfCorr = [vadNP + 1]int16{
	7869, 7011, 4838, 2299, 321, -660, -782, -484, -164, 3, 39, 21, 4}

// vadShift and vadFactor scale the sums of the VAD's first frames to means:
// 1/n = factor * 2^shift for n = INIT_FRAME - less_count (tab_dtx shift_fx,
// factor_fx).
var vadShift = [33]int16{0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 0}

var vadFactor = [33]int16{32767, 16913, 17476, 18079, 18725, 19418,
	20165, 20972, 21845, 22795, 23831, 24966,
	26214, 27594, 29127, 30840, 32767, 17476,
	18725, 20165, 21845, 23831, 26214, 29127,
	32767, 18725, 21845, 26214, 32767, 21845,
	32767, 32767, 0}

// SID gain quantization (tab_dtx fact, marg, tab_Sidgain).
var (
	sidFact    = [nbGain + 1]int16{410, 26, 13}
	sidMarg    = [nbGain + 1]int16{0, 0, 1}
	tabSidGain = [32]int16{
		2, 5, 8, 13, 20, 32, 50, 64,
		80, 101, 127, 160, 201, 253, 318, 401,
		505, 635, 800, 1007, 1268, 1596, 2010, 2530,
		3185, 4009, 5048, 6355, 8000, 10071, 12679, 15962}
)

// noiseFg are the MA predictors of the SID LSF quantizer: the first is the
// speech predictor fg[0]; the second is 0.6*fg[0] + 0.4*fg[1], computed in
// the recommendation at start-up (Init_lsfq_noise: extract_h(fg0*19660*2 +
// fg1*13107*2)) and stored here as the constant it is. TestNoiseFg checks it
// against fg.
var noiseFg = [sidLsfClusters][4][10]int16{
	{
		{8421, 9109, 9175, 8965, 9034, 9057, 8765, 8775, 9106, 8673},
		{7018, 7189, 7638, 7307, 7444, 7379, 7038, 6956, 6930, 6868},
		{5472, 4990, 5134, 5177, 5246, 5141, 5206, 5095, 4830, 5147},
		{4056, 3031, 2614, 3024, 2916, 2713, 3309, 3237, 2857, 3473},
	},
	{
		{8145, 8617, 8779, 8648, 8718, 8829, 8713, 8705, 8806, 8231},
		{5894, 5525, 5603, 5773, 6016, 5968, 5896, 5835, 5721, 5707},
		{4568, 3765, 3605, 3963, 4144, 4038, 4225, 4139, 3914, 4255},
		{3643, 2455, 1944, 2466, 2438, 2259, 2798, 2775, 2479, 3124},
	},
}

// noiseFgSum and noiseFgSumInv: 1 - sum of the predictor, and its inverse
// (tab_dtx noise_fg_sum Q15, noise_fg_sum_inv Q12).
var (
	noiseFgSum = [sidLsfClusters][10]int16{
		{7798, 8447, 8205, 8293, 8126, 8477, 8447, 8703, 9043, 8604},
		{10514, 12402, 12833, 11914, 11447, 11670, 11132, 11311, 11844, 11447},
	}
	noiseFgSumInv = [sidLsfClusters][10]int16{
		{17210, 15888, 16357, 16183, 16516, 15833, 15888, 15421, 14840, 15597},
		{12764, 10821, 10458, 11264, 11724, 11500, 12056, 11865, 11331, 11724},
	}
)

// The SID LSF quantizer uses subsets of the speech codebooks: 32 entries of
// lspcb1 and 16 of lspcb2 (low and high halves) (tab_dtx PtrTab_1,
// PtrTab_2), and the weights of the two predictors in the first-stage
// search (Mp).
var (
	sidPtrTab1 = [32]int16{96, 52, 20, 54, 86, 114, 82, 68, 36, 121, 48, 92, 18, 120,
		94, 124, 50, 125, 4, 100, 28, 76, 12, 117, 81, 22, 90, 116,
		127, 21, 108, 66}
	sidPtrTab2 = [2][16]int16{
		{31, 21, 9, 3, 10, 2, 19, 26, 4, 3, 11, 29, 15, 27, 21, 12},
		{16, 1, 0, 0, 8, 25, 22, 20, 19, 23, 20, 31, 4, 31, 20, 31},
	}
	sidMp = [sidLsfClusters]int16{8644, 16572}
)

// lspSidReset is the decoder's SID LSP vector before any SID frame arrives
// (dec_sid lspSid initial value).
var lspSidReset = [10]int16{
	31441, 27566, 21458, 13612, 4663,
	-4663, -13612, -21458, -27566, -31441}
