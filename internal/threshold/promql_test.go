package threshold

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPromQL(t *testing.T) {
	t.Parallel()
	start := time.Unix(1_700_000_000, 0)
	run := PromRun{Selector: `run_id="r1"`, Start: start, WarmUp: 10 * time.Second}
	at := start.Add(70 * time.Second)
	tests := []struct {
		expr string
		want string
	}{
		{"timeouts == 0",
			`((sum(hlsswarm_timeouts_total{run_id="r1"})) - (sum(hlsswarm_timeouts_total{run_id="r1"} @ 1700000010)) or (sum(hlsswarm_timeouts_total{run_id="r1"})))`},
		{"http_errors{code=5xx} == 0",
			`(((sum(hlsswarm_http_errors_total{run_id="r1",code=~"5.."}) or 0 * sum(hlsswarm_requests_total{run_id="r1"}))) - ((sum(hlsswarm_http_errors_total{run_id="r1",code=~"5.."} @ 1700000010) or 0 * sum(hlsswarm_requests_total{run_id="r1"} @ 1700000010))) or ((sum(hlsswarm_http_errors_total{run_id="r1",code=~"5.."}) or 0 * sum(hlsswarm_requests_total{run_id="r1"}))))`},
		{"http_error_rate{kind=segment} < 1% over 10s",
			`max_over_time(((((sum(hlsswarm_http_errors_by_kind_total{run_id="r1",kind="segment"}) or 0 * sum(hlsswarm_requests_total{run_id="r1"}))) - ((sum(hlsswarm_http_errors_by_kind_total{run_id="r1",kind="segment"} offset 10s) or 0 * sum(hlsswarm_requests_total{run_id="r1"} offset 10s))) or ((sum(hlsswarm_http_errors_by_kind_total{run_id="r1",kind="segment"}) or 0 * sum(hlsswarm_requests_total{run_id="r1"})))) / ((sum(hlsswarm_segment_requests_total{run_id="r1"})) - (sum(hlsswarm_segment_requests_total{run_id="r1"} offset 10s)) or (sum(hlsswarm_segment_requests_total{run_id="r1"}))))[51s:1s])`},
		{"p95(segment_latency) < 250ms after 20s",
			`histogram_quantile(0.95, ((sum(hlsswarm_segment_latency_seconds{run_id="r1"})) - (sum(hlsswarm_segment_latency_seconds{run_id="r1"} @ 1700000020)) or (sum(hlsswarm_segment_latency_seconds{run_id="r1"})))) * 1e9`},
		{"count(startup_time) >= 4",
			`histogram_count(((sum(hlsswarm_startup_time_seconds{run_id="r1"})) - (sum(hlsswarm_startup_time_seconds{run_id="r1"} @ 1700000000)) or (sum(hlsswarm_startup_time_seconds{run_id="r1"}))))`},
		{"min(clients_active) >= 4",
			`min_over_time(sum(hlsswarm_clients_active{run_id="r1"})[60s:1s])`},
		{"min(speed) >= 0.95",
			`min_over_time(min(hlsswarm_speed{run_id="r1",stat="min"})[60s:1s])`},
		{"max(drift) < 5s",
			`max_over_time((max(hlsswarm_drift_seconds{run_id="r1"}) * 1e9)[60s:1s])`},
		{"stall_time < 2s",
			`(((sum(hlsswarm_stall_time_seconds_total{run_id="r1"}) * 1e9)) - ((sum(hlsswarm_stall_time_seconds_total{run_id="r1"} @ 1700000010) * 1e9)) or ((sum(hlsswarm_stall_time_seconds_total{run_id="r1"}) * 1e9)))`},
		{"rebuffer_ratio < 1%",
			`((sum(hlsswarm_stall_time_seconds_total{run_id="r1"})) - (sum(hlsswarm_stall_time_seconds_total{run_id="r1"} @ 1700000010)) or (sum(hlsswarm_stall_time_seconds_total{run_id="r1"}))) / ((sum(hlsswarm_playback_time_seconds_total{run_id="r1"})) - (sum(hlsswarm_playback_time_seconds_total{run_id="r1"} @ 1700000010)) or (sum(hlsswarm_playback_time_seconds_total{run_id="r1"})))`},
		{"mean(generator_saturated) < 25% over 20s",
			`max_over_time(avg_over_time(avg(hlsswarm_generator_saturated{run_id="r1"})[20s:1s])[41s:1s])`},
	}
	for _, tt := range tests {
		th, err := ParseThreshold(tt.expr)
		if err != nil {
			t.Fatalf("%s: %v", tt.expr, err)
		}
		got, err := th.PromQL(run, at)
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.expr, got, tt.want)
		}
	}
}

func TestPromQLRefusesExtremes(t *testing.T) {
	t.Parallel()
	th, err := ParseThreshold("max(segment_latency) < 1s")
	if err != nil {
		t.Fatal(err)
	}
	_, err = th.PromQL(PromRun{}, time.Now())
	if !errors.Is(err, ErrNoPromQL) || !strings.Contains(err.Error(), "p(99.9)") {
		t.Errorf("PromQL of max(segment_latency) = %v; want ErrNoPromQL naming a percentile to use", err)
	}
}

// fakeQuerier answers every query with the value of the first key its
// expression contains.
type fakeQuerier map[string]float64

func (f fakeQuerier) QueryScalar(_ context.Context, expr string, _ time.Time) (float64, bool, error) {
	for k, v := range f {
		if strings.Contains(expr, k) {
			return v, true, nil
		}
	}
	return 0, false, nil
}

func TestEvaluatePromQL(t *testing.T) {
	t.Parallel()
	set, err := Parse("timeouts == 0", "p95(segment_latency) < 250ms", "min(clients_active) >= 4", "max(drift)? < 5s", "max(manifest_latency) < 1s")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Unix(1_700_000_000, 0)
	q := fakeQuerier{"timeouts": 2, "segment_latency": 0.1e9, "clients_active": 4}
	vs, err := set.EvaluatePromQL(context.Background(), q, PromRun{Selector: `run_id="x"`, Start: start}, start.Add(time.Minute))
	if err == nil || !errors.Is(err, ErrNoPromQL) {
		t.Errorf("error %v; want the max(manifest_latency) threshold's ErrNoPromQL", err)
	}
	want := []Status{Fail, Pass, Pass, NoDataAllowed, NoData}
	for i, v := range vs {
		if v.Status != want[i] {
			t.Errorf("%s: %v (%v, %s); want %v", v.Expr, v.Status, v.Observed, v.Note, want[i])
		}
	}
	if vs[0].Note != "in Prometheus at 1m0s" {
		t.Errorf("failing verdict's note %q; want when Prometheus was read", vs[0].Note)
	}
}
