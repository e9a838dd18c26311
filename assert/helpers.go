package assert

import (
	"fmt"
	"strings"
)

// NoHTTPErrors fails the test unless the run had no HTTP errors after its
// warm-up ("http_errors == 0"); on failure it adds the errors by status code
// over the whole run. A run without any request fails with "no data".
func NoHTTPErrors(t TestingT, run Run) bool {
	t.Helper()
	vs, err := Check(run, "http_errors == 0")
	if err != nil && vs != nil && run != nil {
		if s := run.FinalSnapshot(); s != nil && len(s.Status) > 0 {
			parts := make([]string, 0, len(s.Status))
			for _, sc := range s.Status {
				code := fmt.Sprint(sc.Code)
				if sc.Code == 0 {
					code = "other"
				}
				parts = append(parts, fmt.Sprintf("%s: %d", code, sc.Count))
			}
			t.Errorf("thresholds: 1 of 1 failed\n%s\nHTTP errors by status code (whole run): %s",
				vs.Table(), strings.Join(parts, ", "))
			return false
		}
	}
	return report(t, vs, err)
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
