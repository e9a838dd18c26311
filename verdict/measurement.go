package verdict

import "errors"

// ErrInvalidThreshold is the sentinel wrapped by every error about an
// expression that cannot be used: a syntax error, an unknown metric, label or
// aggregation, a percentile outside (0,100], or a value whose unit does not
// fit the metric. Test for it with errors.Is.
var ErrInvalidThreshold = errors.New("invalid threshold")

// Measurement is the value of one query (a metric, its labels and an
// aggregation, such as "p95(segment_latency)") over a run after its
// warm-up, as a threshold without "over" reads it.
type Measurement struct {
	Query string  // the query as written
	Value float64 // in Unit; 0 when !OK
	Unit  Unit    // unit of Value
	OK    bool    // false when the metric had no observations
}

// String prints the value in its unit, or "no data".
func (m Measurement) String() string {
	if !m.OK {
		return "no data"
	}
	return m.Unit.Format(m.Value)
}
