package assert

import (
	"fmt"
	"strings"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// NoHTTPErrors fails the test unless the run had no HTTP errors after its
// warm-up ("http_errors == 0"). On failure it adds the errors of the whole
// run by status code and by request kind. A run without any request fails
// with "no data".
func NoHTTPErrors(t TestingT, run Run) bool {
	if h, ok := t.(helperT); ok {
		h.Helper()
	}
	vs, err := Check(run, "http_errors == 0")
	if err == nil || vs == nil || isNilRun(run) {
		return report(t, vs, err)
	}
	codes, kinds := httpErrorsOfRun(run)
	t.Errorf("thresholds: 1 of 1 failed\n%s\nHTTP errors of the whole run by status code: %s; by request kind: %s",
		vs.Table(), strings.Join(codes, ", "), strings.Join(kinds, ", "))
	return false
}

// NoTimeouts fails the test unless the run had no timeouts after its
// warm-up ("timeouts == 0").
func NoTimeouts(t TestingT, run Run) bool {
	if h, ok := t.(helperT); ok {
		h.Helper()
	}
	return Thresholds(t, run, "timeouts == 0")
}

// NoDroppedLines fails the test unless no ffmpeg output line was dropped
// after the warm-up ("dropped_lines == 0"): a dropped line may hide an error,
// so the other counters are only trustworthy when this holds.
func NoDroppedLines(t TestingT, run Run) bool {
	if h, ok := t.(helperT); ok {
		h.Helper()
	}
	return Thresholds(t, run, "dropped_lines == 0")
}

// httpErrorsOfRun lists the HTTP errors of the whole run ("after 0s") by
// status code and by request kind, as "503: 60" and "segment: 60". Codes are
// read by class first, then code by code within the classes that had errors.
func httpErrorsOfRun(run Run) (codes, kinds []string) {
	classes := []string{"1xx", "2xx", "3xx", "4xx", "5xx", "other"}
	var exprs []string
	for _, c := range classes {
		exprs = append(exprs, "http_errors{code="+c+"} == 0 after 0s")
	}
	for k := range stats.NumKinds {
		exprs = append(exprs, "http_errors{kind="+k.String()+"} == 0 after 0s")
	}
	vs, err := run.Evaluate(exprs...)
	if err != nil || len(vs) != len(exprs) {
		return nil, nil
	}
	var perCode []string
	for i, c := range classes {
		switch {
		case vs[i].Status != Fail:
		case c == "other":
			codes = append(codes, fmt.Sprintf("other: %s", vs[i].ObservedText()))
		default:
			hundreds := int(c[0] - '0')
			for code := hundreds * 100; code < hundreds*100+100; code++ {
				perCode = append(perCode, fmt.Sprintf("http_errors{code=%d} == 0 after 0s", code))
			}
		}
	}
	if len(perCode) > 0 {
		if cvs, err := run.Evaluate(perCode...); err == nil {
			var found []string
			for i, v := range cvs {
				if v.Status == Fail {
					code := strings.TrimPrefix(strings.TrimSuffix(perCode[i], "} == 0 after 0s"), "http_errors{code=")
					found = append(found, fmt.Sprintf("%s: %s", code, v.ObservedText()))
				}
			}
			codes = append(found, codes...)
		}
	}
	for k := range stats.NumKinds {
		if v := vs[len(classes)+int(k)]; v.Status == Fail {
			kinds = append(kinds, fmt.Sprintf("%s: %s", k, v.ObservedText()))
		}
	}
	return codes, kinds
}
