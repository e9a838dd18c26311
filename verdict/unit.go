package verdict

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Unit is what a threshold's observed value and limit measure. Values are
// float64 in the unit's base: nanoseconds, a fraction, a count, bytes, or a
// speed factor.
type Unit uint8

// The units of threshold values.
const (
	UnitCount    Unit = iota // a number of events or viewers
	UnitDuration             // nanoseconds
	UnitRatio                // a fraction in [0,1], printed as a percent
	UnitBytes                // bytes
	UnitSpeed                // a playback speed factor, 1 = real time
)

// String returns "count", "duration", "ratio", "bytes" or "speed".
func (u Unit) String() string {
	switch u {
	case UnitCount:
		return "count"
	case UnitDuration:
		return "duration"
	case UnitRatio:
		return "ratio"
	case UnitBytes:
		return "bytes"
	case UnitSpeed:
		return "speed"
	}
	return fmt.Sprintf("Unit(%d)", uint8(u))
}

// MarshalText returns the String form, so that verdicts encode to JSON
// readably.
func (u Unit) MarshalText() ([]byte, error) { return []byte(u.String()), nil }

// Format prints v in the unit: 241ms, 2.41s, 0.52%, 12, 1.5MB, 0.97x.
func (u Unit) Format(v float64) string {
	switch u {
	case UnitDuration:
		return formatDuration(v)
	case UnitRatio:
		return trimFloat(v*100, 3) + "%"
	case UnitBytes:
		return formatBytes(v)
	case UnitSpeed:
		return trimFloat(v, 3) + "x"
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	if math.Abs(v) >= 100 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return trimFloat(v, 3)
}

// trimFloat prints v with sig significant digits (never in exponent form)
// and no trailing zeros.
func trimFloat(v float64, sig int) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	digits := sig - 1 - int(math.Floor(math.Log10(math.Abs(v))))
	if digits < 0 {
		p := math.Pow(10, float64(-digits))
		return strconv.FormatFloat(math.Round(v/p)*p, 'f', 0, 64)
	}
	s := strconv.FormatFloat(v, 'f', digits, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// formatDuration prints nanoseconds with three significant digits in the
// largest unit below the value: 850ns, 12.5µs, 241ms, 2.41s, 95.2s.
func formatDuration(ns float64) string {
	a := math.Abs(ns)
	switch {
	case a == 0:
		return "0s"
	case a < 1e3:
		return trimFloat(ns, 3) + "ns"
	case a < 1e6:
		return trimFloat(ns/1e3, 3) + "µs"
	case a < 1e9:
		return trimFloat(ns/1e6, 3) + "ms"
	}
	return trimFloat(ns/1e9, 3) + "s"
}

// formatBytes prints bytes in decimal units: 950B, 12.3kB, 1.5MB, 2GB.
func formatBytes(b float64) string {
	switch a := math.Abs(b); {
	case a < 1e3:
		return trimFloat(b, 3) + "B"
	case a < 1e6:
		return trimFloat(b/1e3, 3) + "kB"
	case a < 1e9:
		return trimFloat(b/1e6, 3) + "MB"
	}
	return trimFloat(b/1e9, 3) + "GB"
}
