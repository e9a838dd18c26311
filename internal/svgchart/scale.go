package svgchart

import (
	"math"
	"strconv"
)

// extent is the range of the values seen.
type extent struct{ lo, hi float64 }

func newExtent() extent { return extent{lo: math.Inf(1), hi: math.Inf(-1)} }

func (e *extent) add(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	e.lo, e.hi = min(e.lo, v), max(e.hi, v)
}

func (e *extent) empty() bool { return e.lo > e.hi }

// scale maps values of one axis to [0,1].
type scale struct {
	lo, hi float64
	log    bool
	step   float64 // linear: the tick step the bounds were rounded to
}

// linearTicks is about how many ticks a linear axis gets.
const linearTicks = 5

// newScale returns the scale of an axis over the values in e: the axis'
// own bounds when set, else the values' range rounded out to whole ticks
// (to powers of 10 on a log axis).
func newScale(a Axis, e extent) scale {
	s := scale{lo: e.lo, hi: e.hi, log: a.Log}
	fixed := a.Min != 0 || a.Max != 0
	if fixed {
		s.lo, s.hi = a.Min, a.Max
	}
	if s.log {
		if s.lo <= 0 {
			s.lo = 1
		}
		if s.hi <= s.lo {
			s.hi = s.lo * 10
		}
		if !fixed {
			s.lo = math.Pow(10, math.Floor(math.Log10(s.lo)))
			s.hi = math.Pow(10, math.Ceil(math.Log10(s.hi)))
			if s.hi <= s.lo {
				s.hi = s.lo * 10
			}
		}
		return s
	}
	if s.hi <= s.lo {
		d := math.Abs(s.lo)
		if d == 0 {
			d = 1
		}
		s.hi = s.lo + d
	}
	s.step = niceStep((s.hi - s.lo) / linearTicks)
	if !fixed {
		s.lo = math.Floor(s.lo/s.step) * s.step
		s.hi = math.Ceil(s.hi/s.step) * s.step
	}
	return s
}

// niceStep returns the step of 1, 2 or 5 times a power of 10 closest above
// raw.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw*0.999 {
			return m * p
		}
	}
	return 10 * p
}

// at returns the position of v on the axis, 0 at lo and 1 at hi.
func (s scale) at(v float64) float64 {
	if s.log {
		if v <= 0 {
			return 0
		}
		return (math.Log10(v) - math.Log10(s.lo)) / (math.Log10(s.hi) - math.Log10(s.lo))
	}
	return (v - s.lo) / (s.hi - s.lo)
}

// ticks returns the ticks of the axis within the scale: the axis' own when
// given, else multiples of the step (powers of 10 on a log axis).
func (s scale) ticks(a Axis) []Tick {
	var out []Tick
	eps := (s.hi - s.lo) * 1e-9
	if a.Ticks != nil {
		for _, t := range a.Ticks {
			if t.V >= s.lo-eps && t.V <= s.hi+eps {
				out = append(out, t)
			}
		}
		return out
	}
	format := a.Format
	if format == nil {
		format = func(v float64) string { return plain(v, s.step) }
	}
	if s.log {
		for v := s.lo; v <= s.hi*(1+1e-9); v *= 10 {
			out = append(out, Tick{V: v, Label: format(v)})
		}
		return out
	}
	first := math.Ceil((s.lo-eps)/s.step) * s.step
	for i := 0; ; i++ {
		v := first + float64(i)*s.step
		if v > s.hi+eps || i > 4*linearTicks {
			break
		}
		if math.Abs(v) < eps {
			v = 0
		}
		out = append(out, Tick{V: v, Label: format(v)})
	}
	return out
}

// plain prints v with as many decimals as the step needs.
func plain(v, step float64) string {
	dec := 0
	if step > 0 && step < 1 {
		dec = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}
