package v29

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
)

func TestStressTmp(t *testing.T) {
	if os.Getenv("V29STRESS") == "" {
		t.Skip()
	}
	fails := 0
	total := 0
	for seed := uint64(100); seed < 140; seed++ {
		for _, rate := range []int{9600, 7200} {
			for _, level := range []float64{-10, -43} {
				for _, law := range []string{"ulaw", "alaw"} {
					for _, ppm := range []float64{-100, 100} {
						r := rand.New(rand.NewPCG(seed, 9))
						bits := randomBits(20000, seed)
						ch := channel{lead: r.IntN(4000), frac: r.Float64(), tail: 800, law: law, snrDB: 25, ppm: ppm, seed: seed, shift: r.Float64()*4 - 2, line: seed%2 == 0}
						sink := receive(rate, ch.apply(transmit(rate, level, bits)))
						total++
						ok := sink.has(2) && len(sink.bits) >= len(bits)
						errs := 0
						if ok {
							for i := range bits {
								if sink.bits[i] != bits[i] {
									errs++
								}
							}
						}
						if !ok || errs > 0 {
							fails++
							fmt.Println(seed, rate, level, law, ppm, sink.statuses, len(sink.bits), errs)
						}
					}
				}
			}
		}
	}
	fmt.Println("fails", fails, "of", total)
}
