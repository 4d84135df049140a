package fax_test

import (
	"testing"

	"github.com/potsgate/potsgate/media/fax"
)

// BenchmarkProcess: the cost of one 10 ms frame of one direction, on fax
// signals and on noise.
func BenchmarkProcess(b *testing.B) {
	for _, c := range []struct {
		name string
		x    []int16
	}{
		{"signals", pcm(noise(cat(cng(1, 0, -10, 500, 500), answerTone(1500, 0, -10, true, false), fsk(flags(40), 0, -10)), -40, 5))},
		{"noise", pcm(noise(silence(ms(3000)), -20, 6))},
	} {
		b.Run(c.name, func(b *testing.B) {
			d := fax.New(fax.Config{})
			frames := len(c.x) / fax.BlockSamples
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				off := (i % frames) * fax.BlockSamples
				d.Process(c.x[off : off+fax.BlockSamples])
			}
		})
	}
}
