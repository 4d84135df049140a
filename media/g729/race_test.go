package g729

import (
	"bytes"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// TestManyChannelsConcurrently runs 16 channels (encoder and decoder
// each, half of them with Annex B) in goroutines at once, on different
// inputs, through the media.Codec adapters: every channel's output must be
// what the same input gives coded alone. Run under -race it also shows
// that channels share no mutable state.
func TestManyChannelsConcurrently(t *testing.T) {
	dir := vectorsDir(t)
	inputs := [][]int16{}
	for _, name := range []string{"annexA/SPEECH.IN", "annexA/ALGTHM.IN", "annexA/PITCH.IN", "annexA/TAME.IN",
		"annexB/tstseq1.bin", "annexB/tstseq2.bin", "annexB/tstseq3.bin", "annexB/tstseq4.bin"} {
		in := readPCM(t, filepath.Join(dir, name))
		n := min(len(in), 400*FrameSamples) // 4 s each keeps -race quick
		inputs = append(inputs, in[:n/FrameSamples*FrameSamples])
	}
	type result struct {
		bits []byte
		pcm  []int16
	}
	// run codes one channel in 20 ms packets, as a call would.
	run := func(ch int) result {
		c := Codec{AnnexB: ch%2 == 1}
		in := inputs[ch%len(inputs)]
		enc, dec := c.NewEncoder(), c.NewDecoder()
		var r result
		payload := make([]byte, 0, 2*FrameBytes)
		for off := 0; off+2*FrameSamples <= len(in); off += 2 * FrameSamples {
			for f := 0; f < 2; f++ { // frame by frame, so that a SID ends the packet
				var err error
				payload, err = enc.Encode(payload[:0], in[off+f*FrameSamples:off+(f+1)*FrameSamples])
				if err != nil {
					t.Error(err)
					return r
				}
				r.bits = append(r.bits, byte(len(payload)))
				r.bits = append(r.bits, payload...)
				if len(payload) == 0 {
					r.pcm = dec.Conceal(r.pcm, FrameSamples)
				} else if r.pcm, err = dec.Decode(r.pcm, payload); err != nil {
					t.Error(err)
					return r
				}
			}
		}
		return r
	}
	const channels = 16
	alone := make([]result, channels)
	for ch := range alone {
		alone[ch] = run(ch)
	}
	together := make([]result, channels)
	var wg sync.WaitGroup
	for ch := range together {
		wg.Add(1)
		go func() {
			defer wg.Done()
			together[ch] = run(ch)
		}()
	}
	wg.Wait()
	for ch := range together {
		if !bytes.Equal(together[ch].bits, alone[ch].bits) || !slices.Equal(together[ch].pcm, alone[ch].pcm) {
			t.Errorf("channel %d: concurrent output differs from the same input coded alone", ch)
		}
		if len(alone[ch].pcm) == 0 {
			t.Errorf("channel %d: no output", ch)
		}
	}
}
