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
	t.Helper()
	vs, err := Check(run, "http_errors == 0")
	if err == nil || vs == nil || isNilRun(run) {
		return report(t, vs, err)
	}
	s := run.FinalSnapshot()
	if s == nil || s.HTTPErrors == 0 {
		return report(t, vs, err)
	}
	codes := make([]string, 0, len(s.Status))
	for _, sc := range s.Status {
		code := fmt.Sprint(sc.Code)
		if sc.Code == 0 {
			code = "other"
		}
		codes = append(codes, fmt.Sprintf("%s: %d", code, sc.Count))
	}
	var kinds []string
	for k := range stats.NumKinds {
		if n := s.HTTPErrorsByKind[k]; n > 0 {
			kinds = append(kinds, fmt.Sprintf("%s: %d", k, n))
		}
	}
	t.Errorf("thresholds: 1 of 1 failed\n%s\nHTTP errors of the whole run by status code: %s; by request kind: %s",
		vs.Table(), strings.Join(codes, ", "), strings.Join(kinds, ", "))
	return false
}

// NoTimeouts fails the test unless the run had no timeouts after its
// warm-up ("timeouts == 0").
func NoTimeouts(t TestingT, run Run) bool {
	t.Helper()
	return Thresholds(t, run, "timeouts == 0")
}

// NoDroppedLines fails the test unless no ffmpeg output line was dropped
// after the warm-up ("dropped_lines == 0"): a dropped line may hide an error,
// so the other counters are only trustworthy when this holds.
func NoDroppedLines(t TestingT, run Run) bool {
	t.Helper()
	return Thresholds(t, run, "dropped_lines == 0")
}
