package threshold

import (
	"testing"
	"time"
)

// TestSeriesFirstFailureIsAt: the first point of a threshold's series whose
// value fails the limit is the verdict's At, and a passing threshold's
// series never fails.
func TestSeriesFirstFailureIsAt(t *testing.T) {
	t.Parallel()
	burst := burstRun().source(0)
	gauges := &run{}
	s := steady()
	gauges.ticks(20, s)
	slow := s
	slow.speedMin, slow.stalled = 0.4, 2
	gauges.ticks(5, slow)
	gauges.ticks(15, s)
	for _, tc := range []struct {
		src  Source
		expr string
	}{
		{burst, "http_error_rate < 1% over 10s"},
		{burst, "http_error_rate{kind=segment} < 1% over 10s"},
		{burst, "http_errors{code=503} == 0"},
		{burst, "http_errors{code=503} < 50"},
		{burst, "http_errors{code=503} < 40 over 5s"},
		{burst, "http_error_rate < 1%"},
		{burst, "p95(segment_latency) < 10ms"},
		{burst, "p95(segment_latency) < 10ms over 5s"},
		{gauges.source(5 * time.Second), "min(speed) >= 0.9"},
		{gauges.source(0), "max(clients_stalled) == 0 over 10s"},
		{gauges.source(0), "mean(speed) >= 0.5"},
	} {
		th, err := ParseThreshold(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		v := th.Evaluate(tc.src)
		series := th.Series(tc.src)
		if len(series) == 0 {
			t.Errorf("%s: empty series", tc.expr)
			continue
		}
		var firstFail time.Duration = -1
		for _, p := range series {
			if p.OK && !th.op.holds(p.Value, th.Limit()) {
				firstFail = p.Elapsed
				break
			}
		}
		switch {
		case v.Status == Fail && firstFail != v.At:
			t.Errorf("%s: series fails first at %v; verdict At %v", tc.expr, firstFail, v.At)
		case v.Status == Pass && firstFail >= 0:
			t.Errorf("%s: passes, but its series fails at %v", tc.expr, firstFail)
		}
	}
}

func TestSeriesSkipsWarmUpAndHistorylessMetrics(t *testing.T) {
	t.Parallel()
	src := burstRun().source(10 * time.Second)
	th, err := ParseThreshold("http_error_rate < 1%")
	if err != nil {
		t.Fatal(err)
	}
	series := th.Series(src)
	if len(series) == 0 || series[0].Elapsed != 10*time.Second || series[0].OK {
		t.Errorf("first point %+v; want 10s without data (the warm-up boundary itself)", series[0])
	}
	if got, want := len(series), 51; got != want {
		t.Errorf("%d points; want %d (10s..60s)", got, want)
	}
	if got, want := th.Limit(), 0.01; got != want {
		t.Errorf("Limit() = %v; want %v", got, want)
	}
	startup, err := ParseThreshold("p95(startup_time) < 2s")
	if err != nil {
		t.Fatal(err)
	}
	if s := startup.Series(src); s != nil {
		t.Errorf("startup_time series = %v; want nil (no history)", s)
	}
}
