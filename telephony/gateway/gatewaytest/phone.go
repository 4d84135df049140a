package gatewaytest

import (
	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/media/tone"
)

// EchoPhone returns a simulated phone as the reference binary has them: it
// goes off hook when ring number answerRing starts (1 = at once), sends
// back what it hears, records nothing, and hangs up when it hears busy or
// reorder tone of tones (the far end has hung up).
func EchoPhone(tones tone.Set, answerRing int) (*sim.Phone, error) {
	ph := sim.NewPhone()
	ph.AutoAnswer(answerRing)
	ph.Echo(true)
	ph.Record(false)
	var listen []tone.Definition
	for _, ty := range []tone.Type{tone.Busy, tone.Reorder} {
		if d, ok := tones.Tone(ty); ok {
			// A person knows the tone before its second cycle: listen for
			// its frequencies, not its cadence.
			d.Form, d.Cadence = tone.Continuous, [tone.MaxCadence]tone.Step{}
			listen = append(listen, d)
		}
	}
	det, err := tone.NewDetector(-40, listen...)
	if err != nil {
		return nil, err
	}
	ph.OnHear(func(frame []int16) {
		if _, ok := det.Process(frame); ok {
			ph.HangUp()
			det.Reset()
		}
	})
	return ph, nil
}
