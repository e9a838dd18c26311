package threshold

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// PromQuerier evaluates an instant PromQL query at a time, as Prometheus's
// /api/v1/query does. ok is false when the result holds no sample.
type PromQuerier interface {
	QueryScalar(ctx context.Context, expr string, at time.Time) (v float64, ok bool, err error)
}

// EvaluatePromQL returns one verdict per threshold, measured by Prometheus
// over the run's series at time at (see [Threshold.PromQL]): the global
// verdict of a run whose fleets push to Prometheus, wherever they ran. A
// query without samples, or whose value is not a number (a rate of no
// requests), is no data. A threshold without PromQL form, or a query
// that fails, is an error; the verdicts of the others are still returned.
func (s *Set) EvaluatePromQL(ctx context.Context, qr PromQuerier, run PromRun, at time.Time) (Verdicts, error) {
	out := make(Verdicts, 0, len(s.thresholds))
	var errs []error
	for _, t := range s.thresholds {
		// When a threshold first broke is not known from one query: At
		// stays 0 and the note says when Prometheus was read.
		v := Verdict{Expr: t.text, Unit: t.query.Unit(), Limit: t.limitText}
		expr, err := t.PromQL(run, at)
		if err == nil {
			var (
				val float64
				ok  bool
			)
			val, ok, err = qr.QueryScalar(ctx, expr, at)
			switch {
			case err != nil:
				err = fmt.Errorf("%s: PromQL %s: %w", t.text, expr, err)
			case !ok || math.IsNaN(val):
				noData(&v, "no samples in Prometheus for the run's series (%s)", run.Selector)
			default:
				v.Observed = val
				v.Status = Pass
				if !t.op.holds(val, t.limit) {
					v.Status = Fail
				}
				v.Note = "in Prometheus at " + fmtElapsed(at.Sub(run.Start))
				if t.over > 0 {
					v.Note = "worst " + fmtElapsed(t.over) + " window, " + v.Note
				}
			}
		}
		if err != nil {
			errs = append(errs, err)
			noData(&v, "%v", err)
		}
		if v.Status == NoData && t.optional {
			v.Status = NoDataAllowed
		}
		out = append(out, v)
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("threshold: %d of %d thresholds could not be checked in Prometheus: %w", len(errs), len(s.thresholds), errors.Join(errs...))
	}
	return out, nil
}
