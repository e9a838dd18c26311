package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// lognormal returns a log-normal duration with the given median and sigma.
func lognormal(rng *rand.Rand, median time.Duration, sigma float64) time.Duration {
	return time.Duration(float64(median) * math.Exp(sigma*rng.NormFloat64()))
}

// pareto returns a Pareto (heavy-tailed) duration with the given minimum
// and shape alpha.
func pareto(rng *rand.Rand, xmin time.Duration, alpha float64) time.Duration {
	u := 1 - rng.Float64() // (0, 1]
	return time.Duration(float64(xmin) / math.Pow(u, 1/alpha))
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
