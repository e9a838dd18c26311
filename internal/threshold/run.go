package threshold

import (
	"fmt"

	"github.com/hlsswarm/hlsswarm/verdict"
)

// Evaluate parses exprs and evaluates them on src: the one-shot form behind
// loadtest's Result.Evaluate and Fleet.Evaluate. No expression is an error,
// as a check of nothing cannot fail.
func Evaluate(src Source, exprs ...string) (Verdicts, error) {
	if len(exprs) == 0 {
		return nil, fmt.Errorf("%w: no expressions given", ErrInvalidThreshold)
	}
	set, err := Parse(exprs...)
	if err != nil {
		return nil, err
	}
	return set.Evaluate(src), nil
}

// Measure parses query and measures it on src (see [Query.Measure]).
func Measure(src Source, query string) (verdict.Measurement, error) {
	q, err := ParseQuery(query)
	if err != nil {
		return verdict.Measurement{}, err
	}
	v, ok := q.Measure(src)
	if !ok {
		v = 0
	}
	return verdict.Measurement{Query: q.String(), Value: v, Unit: q.Unit(), OK: ok}, nil
}
