package v21_test

import "math"

func sin1100(i int) float64 { return math.Sin(2 * math.Pi * 1100 * float64(i) / 8000) }
