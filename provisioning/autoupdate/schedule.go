package autoupdate

import "time"

// Schedule is when automatic cycles run, from the AutoUpdate* parameters.
type Schedule struct {
	// Period is AutoUpdateFrequency; 0 = no periodic cycles.
	Period time.Duration
	// Daily enables a cycle each day at Hour:Minute (AutoUpdatePredefinedTime),
	// plus a random delay of up to RandomMax (AutoUpdatePredefinedRandomTime).
	Daily        bool
	Hour, Minute int
	RandomMax    time.Duration
	// Retry is AUPDRetryTime, the wait after a failed cycle.
	Retry time.Duration
}

// NextDaily returns the first daily time strictly after `after`, in after's
// location, plus delay (drawn by the caller in [0, RandomMax]).
func (s Schedule) NextDaily(after time.Time, delay time.Duration) time.Time {
	if !s.Daily {
		return time.Time{}
	}
	y, m, d := after.Date()
	t := time.Date(y, m, d, s.Hour, s.Minute, 0, 0, after.Location())
	if !t.After(after) {
		t = time.Date(y, m, d+1, s.Hour, s.Minute, 0, 0, after.Location())
	}
	return t.Add(delay)
}

// Next returns when the next cycle is due, given when the last one ended,
// whether it failed, and the pending daily time (zero for none). The zero
// time means no cycle is scheduled.
func (s Schedule) Next(lastEnd time.Time, lastFailed bool, daily time.Time) time.Time {
	var next time.Time
	earliest := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	if lastFailed && s.Retry > 0 {
		earliest(lastEnd.Add(s.Retry))
	}
	if s.Period > 0 {
		earliest(lastEnd.Add(s.Period))
	}
	earliest(daily)
	return next
}
