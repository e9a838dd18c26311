package loadtest

import (
	"errors"
	"strings"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
	"github.com/hlsswarm/hlsswarm/internal/threshold"
	"github.com/hlsswarm/hlsswarm/verdict"
)

// errNoRun is returned by the threshold methods of a nil *Result or *Fleet.
var errNoRun = errors.New("loadtest: no run to evaluate (a nil *Result or *Fleet)")

// Evaluate checks threshold expressions on the run after its warm-up and
// returns one verdict per expression, in order. The expressions follow the
// grammar of package assert (which calls Evaluate and fails the test on the
// verdicts); the error wraps [verdict.ErrInvalidThreshold] when one does not
// parse, and then no verdicts are returned. A failing threshold is a verdict,
// not an error.
func (r *Result) Evaluate(exprs ...string) (verdict.Verdicts, error) {
	if r == nil {
		return nil, errNoRun
	}
	vs, err := threshold.Evaluate(resultSource{r}, exprs...)
	if r.Schema == reportSchemaV1 {
		explainV1(vs)
	}
	return vs, err
}

// explainV1 says why a verdict on a v1 report has no data: v1 kept only
// whole-run counts and quantiles, no histograms and no per-second counts.
func explainV1(vs verdict.Verdicts) {
	for i := range vs {
		if st := vs[i].Status; st == verdict.NoData || st == verdict.NoDataAllowed {
			vs[i].Note = strings.TrimPrefix(vs[i].Note+"; this report is "+reportSchemaV1+
				", which keeps no histograms and no per-second counts (v2 reports do)", "; ")
		}
	}
}

// Measure returns the value of one query, such as "p95(segment_latency)" or
// "http_error_rate{kind=segment}", over the run after its warm-up; it is what
// assert.NoRegression compares with a baseline. The error wraps
// [verdict.ErrInvalidThreshold] when the query does not parse.
func (r *Result) Measure(query string) (verdict.Measurement, error) {
	if r == nil {
		return verdict.Measurement{}, errNoRun
	}
	return threshold.Measure(resultSource{r}, query)
}

// Evaluate checks threshold expressions on the fleet as it is now: the same
// as [Result.Evaluate] on a Result taken at this instant. It is safe to call
// while the fleet runs (assert.Eventually polls it).
func (f *Fleet) Evaluate(exprs ...string) (verdict.Verdicts, error) {
	if f == nil {
		return nil, errNoRun
	}
	return threshold.Evaluate(fleetSource{f}, exprs...)
}

// Measure returns the value of one query on the fleet as it is now (see
// [Result.Measure]).
func (f *Fleet) Measure(query string) (verdict.Measurement, error) {
	if f == nil {
		return verdict.Measurement{}, errNoRun
	}
	return threshold.Measure(fleetSource{f}, query)
}

// resultSource and fleetSource give the threshold engine its view of a run;
// they keep the engine's interface (and its internal types) off the public
// methods of Result and Fleet.
type (
	resultSource struct{ r *Result }
	fleetSource  struct{ f *Fleet }
)

var (
	_ threshold.Source = resultSource{}
	_ threshold.Source = fleetSource{}
)

func (s resultSource) FinalSnapshot() *stats.Snapshot { return s.r.finalSnapshot() }
func (s resultSource) HistoryPoints() []stats.Point   { return s.r.historyPoints() }
func (s resultSource) WarmUpPeriod() time.Duration    { return s.r.warmUpPeriod() }

func (s fleetSource) FinalSnapshot() *stats.Snapshot { return s.f.finalSnapshot() }
func (s fleetSource) HistoryPoints() []stats.Point   { return s.f.historyPoints() }
func (s fleetSource) WarmUpPeriod() time.Duration    { return s.f.warmUpPeriod() }
