package v17

import "sync"

// The signal points of V.17's constellations (figures 2-5 of the
// recommendation, the same as V.32bis), in the recommendation's grid
// units, indexed by the bits Y0 Y1 Y2 Q3 ... Qn of a symbol (Y0 the least
// significant). A 90 degree rotation of a point adds 1 (mod 4) to its
// Y1 Y2 pair, which is why Q1 Q2 are sent differentially.
var (
	points14400 = [128][2]int8{
		{-8, -3}, {9, 2}, {2, -9}, {-3, 8}, {8, 3}, {-9, -2}, {-2, 9}, {3, -8},
		{-8, 1}, {9, -2}, {-2, -9}, {1, 8}, {8, -1}, {-9, 2}, {2, 9}, {-1, -8},
		{-4, -3}, {5, 2}, {2, -5}, {-3, 4}, {4, 3}, {-5, -2}, {-2, 5}, {3, -4},
		{-4, 1}, {5, -2}, {-2, -5}, {1, 4}, {4, -1}, {-5, 2}, {2, 5}, {-1, -4},
		{4, -3}, {-3, 2}, {2, 3}, {-3, -4}, {-4, 3}, {3, -2}, {-2, -3}, {3, 4},
		{4, 1}, {-3, -2}, {-2, 3}, {1, -4}, {-4, -1}, {3, 2}, {2, -3}, {-1, 4},
		{0, -3}, {1, 2}, {2, -1}, {-3, 0}, {0, 3}, {-1, -2}, {-2, 1}, {3, 0},
		{0, 1}, {1, -2}, {-2, -1}, {1, 0}, {0, -1}, {-1, 2}, {2, 1}, {-1, 0},
		{8, -3}, {-7, 2}, {2, 7}, {-3, -8}, {-8, 3}, {7, -2}, {-2, -7}, {3, 8},
		{8, 1}, {-7, -2}, {-2, 7}, {1, -8}, {-8, -1}, {7, 2}, {2, -7}, {-1, 8},
		{-4, -7}, {5, 6}, {6, -5}, {-7, 4}, {4, 7}, {-5, -6}, {-6, 5}, {7, -4},
		{-4, 5}, {5, -6}, {-6, -5}, {5, 4}, {4, -5}, {-5, 6}, {6, 5}, {-5, -4},
		{4, -7}, {-3, 6}, {6, 3}, {-7, -4}, {-4, 7}, {3, -6}, {-6, -3}, {7, 4},
		{4, 5}, {-3, -6}, {-6, 3}, {5, -4}, {-4, -5}, {3, 6}, {6, -3}, {-5, 4},
		{0, -7}, {1, 6}, {6, -1}, {-7, 0}, {0, 7}, {-1, -6}, {-6, 1}, {7, 0},
		{0, 5}, {1, -6}, {-6, -1}, {5, 0}, {0, -5}, {-1, 6}, {6, 1}, {-5, 0},
	}
	points12000 = [64][2]int8{
		{7, 1}, {-5, -1}, {-1, 5}, {1, -7}, {-7, -1}, {5, 1}, {1, -5}, {-1, 7},
		{3, -3}, {-1, 3}, {3, 1}, {-3, -3}, {-3, 3}, {1, -3}, {-3, -1}, {3, 3},
		{7, -7}, {-5, 7}, {7, 5}, {-7, -7}, {-7, 7}, {5, -7}, {-7, -5}, {7, 7},
		{-1, -7}, {3, 7}, {7, -3}, {-7, 1}, {1, 7}, {-3, -7}, {-7, 3}, {7, -1},
		{3, 5}, {-1, -5}, {-5, 1}, {5, -3}, {-3, -5}, {1, 5}, {5, -1}, {-5, 3},
		{-1, 1}, {3, -1}, {-1, -3}, {1, 1}, {1, -1}, {-3, 1}, {1, 3}, {-1, -1},
		{-5, 5}, {7, -5}, {-5, -7}, {5, 5}, {5, -5}, {-7, 5}, {5, 7}, {-5, -5},
		{-5, -3}, {7, 3}, {3, -7}, {-3, 5}, {5, 3}, {-7, -3}, {-3, 7}, {3, -5},
	}
	points9600 = [32][2]int8{
		{-8, 2}, {-6, -4}, {-4, 6}, {2, 8}, {8, -2}, {6, 4}, {4, -6}, {-2, -8},
		{0, 2}, {-6, 4}, {4, 6}, {2, 0}, {0, -2}, {6, -4}, {-4, -6}, {-2, 0},
		{0, -6}, {2, -4}, {-4, -2}, {-6, 0}, {0, 6}, {-2, 4}, {4, 2}, {6, 0},
		{8, 2}, {2, 4}, {4, -2}, {2, -8}, {-8, -2}, {-2, -4}, {-4, 2}, {-2, 8},
	}
	points7200 = [16][2]int8{
		{6, -6}, {-2, 6}, {6, 2}, {-6, -6}, {-6, 6}, {2, -6}, {-6, -2}, {6, 6},
		{-2, 2}, {6, -2}, {-2, -6}, {2, 2}, {2, -2}, {-6, 2}, {2, 6}, {-2, -2},
	}
	// The training points A, B, C, D (segments 1-3).
	pointsABCD = [4][2]int8{{-6, -2}, {2, -6}, {6, 2}, {-2, 6}}
)

// Training points by name, as indices of pointsABCD.
const (
	ptA = 0
	ptB = 1
	ptC = 2
	ptD = 3
)

// seg2Point maps the two scrambled bits of a segment 2 symbol (the first
// one the more significant) to its point: 00 C, 01 D, 10 B, 11 A.
var seg2Point = [4]int{ptC, ptD, ptB, ptA}

// seg2Bits is the inverse of seg2Point.
var seg2Bits = [4]int{3, 2, 0, 1}

// bridgeStep maps the two scrambled bits of a segment 3 (bridge) symbol to
// the number of quarter turns from the last point; bridgeBits inverts it.
var (
	bridgeStep = [4]int{1, 0, 2, 3}
	bridgeBits = [4]int{1, 0, 2, 3}
)

// bridgeWord is the 16-bit pattern the bridge scrambles, two bits per
// symbol from its least significant end.
const bridgeWord = 0x8880

// Training lengths in symbols.
const (
	seg1Len      = 256
	seg2Long     = 2976
	seg2Short    = 38
	seg3Len      = 64
	seg4Len      = 48
	turnOffOnes  = 32
	turnOffQuiet = 48
)

// convNext is V.17's 8-state convolutional encoder: the next state from
// state s (bits s2 s1 s0) and the differentially encoded pair y (Y1 the
// low bit, Y2 the high one). The redundant bit Y0 of a symbol is s0 of the
// state before it.
func convNext(s, y int) int {
	s0, s1, s2 := s&1, s>>1&1, s>>2&1
	y1, y2 := y&1, y>>1&1
	n0 := s1 ^ y2 ^ (s0 & y1)
	n1 := s2 ^ (s1 & s0) ^ y1 ^ y2 ^ (s0 & y2)
	return s0<<2 | n1<<1 | n0
}

// rateInfo is what a bit rate sets.
type rateInfo struct {
	bits   int // data bits per symbol
	points [][2]int8
	fp     [][2]float64 // points, as the receiver measures them
	near   func() *nearTable
}

func rate(bitRate int) (rateInfo, bool) {
	switch bitRate {
	case 14400:
		return rateInfo{6, points14400[:], fpoints14400, near14400}, true
	case 12000:
		return rateInfo{5, points12000[:], fpoints12000, near12000}, true
	case 9600:
		return rateInfo{4, points9600[:], fpoints9600, near9600}, true
	case 7200:
		return rateInfo{3, points7200[:], fpoints7200, near7200}, true
	}
	return rateInfo{}, false
}

// The receiver's grid of candidate points: cells of half a unit over
// +/- 12 units, each with, per subset (the points sharing Y0 Y1 Y2), the
// subset's point nearest the cell's centre. The Viterbi decoder measures
// its exact distance to the received point, so the grid only costs a
// little where two points of a subset are almost equally near.
const (
	nearCells = 48
	nearScale = 2.0
	nearHalf  = nearCells / nearScale / 2
)

type nearTable [nearCells * nearCells][8]uint8

func buildNear(points [][2]int8) *nearTable {
	t := new(nearTable)
	for cy := range nearCells {
		for cx := range nearCells {
			x := (float64(cx)+0.5)/nearScale - nearHalf
			y := (float64(cy)+0.5)/nearScale - nearHalf
			var best [8]float64
			for j := range best {
				best[j] = 1e18
			}
			for i, p := range points {
				dx, dy := x-float64(p[0]), y-float64(p[1])
				if d := dx*dx + dy*dy; d < best[i&7] {
					best[i&7] = d
					t[cy*nearCells+cx][i&7] = uint8(i)
				}
			}
		}
	}
	return t
}

// The tables are made once, when a receiver first needs its rate's, and
// never change after.
var (
	near14400 = sync.OnceValue(func() *nearTable { return buildNear(points14400[:]) })
	near12000 = sync.OnceValue(func() *nearTable { return buildNear(points12000[:]) })
	near9600  = sync.OnceValue(func() *nearTable { return buildNear(points9600[:]) })
	near7200  = sync.OnceValue(func() *nearTable { return buildNear(points7200[:]) })
)

var (
	fpoints14400 = floats(points14400[:])
	fpoints12000 = floats(points12000[:])
	fpoints9600  = floats(points9600[:])
	fpoints7200  = floats(points7200[:])
)

func floats(p [][2]int8) [][2]float64 {
	f := make([][2]float64, len(p))
	for i, v := range p {
		f[i] = [2]float64{float64(v[0]), float64(v[1])}
	}
	return f
}

// convTable is convNext for every state and pair.
var convTable = func() (t [8][4]uint8) {
	for s := range 8 {
		for y := range 4 {
			t[s][y] = uint8(convNext(s, y))
		}
	}
	return t
}()

// branch is a transition of the trellis into a state: from state s,
// sending a point of subset sub (its Y0 Y1 Y2).
type branch struct{ s, sub uint8 }

// predTable lists, for each state, the four transitions into it.
var predTable = func() (t [8][4]branch) {
	var n [8]int
	for s := range 8 {
		for y := range 4 {
			next := convNext(s, y)
			t[next][n[next]] = branch{uint8(s), uint8(s&1 | y<<1)}
			n[next]++
		}
	}
	return t
}()
