package threshold

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParseThreshold checks that no input panics, that every error wraps
// ErrInvalidThreshold and points inside the expression, and that every
// accepted expression evaluates without panicking. Seeds are in
// testdata/fuzz/FuzzParseThreshold.
func FuzzParseThreshold(f *testing.F) {
	r := burstRun()
	src := r.source(5e9)
	empty := &fakeSource{}
	f.Fuzz(func(t *testing.T, expr string) {
		th, err := ParseThreshold(expr)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrInvalidThreshold) {
				t.Fatalf("ParseThreshold(%q) error %v is not an *Error wrapping ErrInvalidThreshold", expr, err)
			}
			if e.Column < 1 || e.Column > utf8.RuneCountInString(expr)+1 {
				t.Fatalf("ParseThreshold(%q) column %d outside the expression", expr, e.Column)
			}
			if !strings.HasSuffix(err.Error(), "^") {
				t.Fatalf("ParseThreshold(%q) error has no caret: %q", expr, err)
			}
			return
		}
		if _, err := ParseThreshold(th.String()); err != nil {
			t.Fatalf("ParseThreshold(%q) accepted, but its String %q fails: %v", expr, th.String(), err)
		}
		for _, s := range []Source{src, empty} {
			v := th.Evaluate(s)
			_ = v.String()
		}
	})
}

// FuzzEvaluate builds histories from fuzz bytes (points out of order,
// repeated times, counters going backwards, gauges with and without
// viewers) and checks that evaluation never panics and returns a valid
// verdict. Seeds are in testdata/fuzz/FuzzEvaluate.
func FuzzEvaluate(f *testing.F) {
	set, err := Parse(
		"http_error_rate < 1% over 3s", "http_errors{code=5xx} == 0", "p95(segment_latency) < 50ms over 2s",
		"mean(speed) >= 0.9 over 2s", "min(speed) >= 0.9 over 2s", "max(drift) < 1s", "p50(startup_time) < 1s",
		"timeouts? == 0 after 2s", "mean(clients_active) > 1", "dropped_line_rate == 0",
	)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, warm uint8, withFinal bool) {
		r := &run{}
		for len(data) >= 4 {
			s := second{
				segments: int(data[0] % 16), manifests: int(data[1] % 4),
				segLatency: time.Duration(data[2]) * time.Millisecond, manLatency: time.Duration(data[3]%8) * time.Millisecond,
				lines: int(data[1]), active: int(data[0] % 5), speedViewers: int(data[3] % 3),
				speedMin: float64(data[2]) / 200, speedMean: float64(data[3]) / 200, drift: time.Duration(data[1]) * 10 * time.Millisecond,
			}
			if data[0]&0x80 != 0 {
				s.errors = map[int]int{int(data[1])*2 + 99: 1}
			}
			r.tick(s)
			if data[3]&0x40 != 0 && len(r.points) > 1 {
				// A point out of order or at the same time as its predecessor.
				r.points[len(r.points)-1].Elapsed = r.points[len(r.points)-2].Elapsed - time.Duration(data[2]%3)*time.Second
			}
			if data[3]&0x20 != 0 {
				r.startup.Record(time.Duration(data[2]) * 10 * time.Millisecond)
			}
			data = data[4:]
		}
		src := r.source(time.Duration(warm%8) * time.Second)
		if !withFinal {
			src.final = nil
		}
		for _, v := range set.Evaluate(src) {
			if v.Status > NoDataAllowed || math.IsNaN(v.Observed) || math.IsInf(v.Observed, 0) {
				t.Fatalf("invalid verdict %+v", v)
			}
			if v.Status == Fail && v.At < 0 {
				t.Fatalf("failure with negative time %+v", v)
			}
			_ = v.String()
		}
	})
}
