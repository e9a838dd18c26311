package threshold

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

var byteUnits = []struct {
	suffix string
	size   float64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1},
}

// parsePlainNumber parses digits with an optional fraction (12, 0.5, .5);
// it rejects signs, exponents, hex and anything else ParseFloat would take.
func parsePlainNumber(s string) (float64, bool) {
	intPart, frac, hasDot := strings.Cut(s, ".")
	if (intPart == "" && frac == "") || (intPart != "" && !isAllDigits(intPart)) ||
		(hasDot && frac != "" && !isAllDigits(frac)) || (hasDot && frac == "" && intPart == "") {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// parseLimit parses the value of a threshold for a metric measured in unit;
// the returned message explains a mismatch (the caller adds the column).
func parseLimit(text string, unit Unit, metric string) (float64, string) {
	switch unit {
	case UnitDuration:
		if v, ok := parsePlainNumber(text); ok {
			if v == 0 {
				return 0, ""
			}
			return 0, fmt.Sprintf("%s is a duration: write the limit with a unit (ns, us, ms, s, m, h), e.g. %sms, not %q", metric, text, text)
		}
		if strings.HasSuffix(text, "%") {
			return 0, fmt.Sprintf("%s is a duration, not a rate: write a limit such as 250ms, not %q", metric, text)
		}
		d, err := time.ParseDuration(text)
		if err != nil {
			return 0, fmt.Sprintf("%q is not a duration; write a limit such as 250ms, 1.5s or 2m", text)
		}
		return float64(d), ""
	case UnitRatio:
		if num, ok := strings.CutSuffix(text, "%"); ok {
			v, ok := parsePlainNumber(num)
			if !ok || v > 100 {
				return 0, fmt.Sprintf("%s is a rate: write a percent between 0%% and 100%%, not %q", metric, text)
			}
			return v / 100, ""
		}
		v, ok := parsePlainNumber(text)
		if !ok {
			return 0, fmt.Sprintf("%s is a rate: write a fraction (0.01) or a percent (1%%), not %q", metric, text)
		}
		if v > 1 {
			return 0, fmt.Sprintf("%s is a rate: %s is outside [0,1]; write %s%% for a percent", metric, text, text)
		}
		return v, ""
	case UnitSpeed:
		v, ok := parsePlainNumber(strings.TrimSuffix(text, "x"))
		if !ok {
			return 0, fmt.Sprintf("%s is a speed factor (1 = real time): write a number such as 0.95 or 0.95x, not %q", metric, text)
		}
		return v, ""
	case UnitBytes:
		for _, u := range byteUnits {
			if num, ok := strings.CutSuffix(text, u.suffix); ok {
				if v, ok := parsePlainNumber(num); ok {
					return v * u.size, ""
				}
			}
		}
		if v, ok := parsePlainNumber(text); ok {
			return v, ""
		}
		return 0, fmt.Sprintf("%s counts bytes: write a number with an optional unit (B, kB, MB, GB, KiB, MiB, GiB), not %q", metric, text)
	}
	v, ok := parsePlainNumber(text)
	if !ok {
		return 0, fmt.Sprintf("%s is a count: write a plain number such as 0 or 10, not %q", metric, text)
	}
	return v, ""
}

// parseWindow parses the duration after "over" or "after".
func parseWindow(text string) (time.Duration, bool) {
	if v, ok := parsePlainNumber(text); ok && v == 0 {
		return 0, true
	}
	d, err := time.ParseDuration(text)
	return d, err == nil && d >= 0
}
