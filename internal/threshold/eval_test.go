package threshold

import (
	"strings"
	"testing"
	"time"
)

// evalOne parses expr and evaluates it on src.
func evalOne(t *testing.T, src Source, expr string) Verdict {
	t.Helper()
	th, err := ParseThreshold(expr)
	if err != nil {
		t.Fatalf("ParseThreshold(%q): %v", expr, err)
	}
	return th.Evaluate(src)
}

// check is one expected verdict.
type check struct {
	expr     string
	status   Status
	observed string        // formatted observed value; "" to skip
	at       time.Duration // for failures; -1 to skip
	note     string        // part of the note; "" to skip
}

func runChecks(t *testing.T, src Source, checks []check) {
	t.Helper()
	for _, c := range checks {
		v := evalOne(t, src, c.expr)
		if v.Status != c.status {
			t.Errorf("%s: status %v (%s); want %v", c.expr, v.Status, v, c.status)
			continue
		}
		if c.observed != "" && v.ObservedText() != c.observed {
			t.Errorf("%s: observed %s; want %s", c.expr, v.ObservedText(), c.observed)
		}
		if c.at >= 0 && v.At != c.at {
			t.Errorf("%s: at %v; want %v", c.expr, v.At, c.at)
		}
		if !strings.Contains(v.Note, c.note) {
			t.Errorf("%s: note %q; want it to contain %q", c.expr, v.Note, c.note)
		}
	}
}

// burstRun is 60 s of 200 segment requests per second with a burst of 503s
// (20 per second) from 30 s to 33 s: 0.5 % over the run, 3 % in the 10 s
// windows that hold the burst.
func burstRun() *run {
	r := &run{}
	s := steady()
	s.segments = 200
	r.ticks(30, s)
	burst := s
	burst.errors = map[int]int{503: 20}
	r.ticks(3, burst)
	r.ticks(27, s)
	return r
}

func TestEvaluateWindowsCatchBurst(t *testing.T) {
	t.Parallel()
	src := burstRun().source(0)
	runChecks(t, src, []check{
		{expr: "http_error_rate < 1%", status: Pass, observed: "0.476%", at: -1}, // 60 / (60*210)
		{expr: "http_error_rate{kind=segment} < 1%", status: Pass, observed: "0.5%", at: -1},
		{expr: "http_error_rate < 1% over 10s", status: Fail, observed: "2.86%", at: 32 * time.Second}, // 20/2100 at 31s passes
		{expr: "http_error_rate{kind=segment} < 1% over 10s", status: Fail, observed: "3%", at: 31 * time.Second},
		{expr: "http_error_rate < 5% over 10s", status: Pass, observed: "2.86%", at: -1},
		{expr: "http_errors{code=503} == 0", status: Fail, observed: "60", at: 31 * time.Second},
		{expr: "http_errors{code=503} < 50", status: Fail, observed: "60", at: 33 * time.Second},
		{expr: "http_errors{code=5xx} <= 60", status: Pass, observed: "60", at: -1},
		{expr: "http_errors{code=404} == 0", status: Pass, observed: "0", at: -1},
		{expr: "http_errors{kind=manifest} == 0", status: Pass, observed: "0", at: -1},
		{expr: "http_errors == 0 over 10s", status: Fail, observed: "20", at: 31 * time.Second},
		{expr: "http_errors{code=503} < 61 over 5s", status: Pass, observed: "60", at: -1},
		{expr: "http_errors{code=503} < 40 over 5s", status: Fail, observed: "60", at: 32 * time.Second},
		{expr: "segment_requests >= 2000 over 10s", status: Pass, observed: "2000", at: -1},
		{expr: "timeouts == 0", status: Pass, observed: "0", at: -1},
	})
	// The first failing window ends at the second point of the burst.
	v := evalOne(t, src, "http_error_rate < 1% over 10s")
	if v.WindowStart != 22*time.Second || v.Window != 10*time.Second {
		t.Errorf("window %v..%v (len %v); want 22s..32s", v.WindowStart, v.At, v.Window)
	}
	if got, want := v.Outcome(), "✗ fail at 32s (window 22s–32s)"; got != want {
		t.Errorf("Outcome() = %q; want %q", got, want)
	}
}

func TestEvaluateWarmUp(t *testing.T) {
	t.Parallel()
	r := &run{}
	cold := steady()
	cold.errors = map[int]int{404: 50}
	cold.segLatency = 2 * time.Second
	cold.speedMin, cold.speedMean = 0.2, 0.5
	r.ticks(5, cold)
	r.ticks(25, steady())
	src := r.source(10 * time.Second)
	runChecks(t, src, []check{
		{expr: "http_errors == 0", status: Pass, observed: "0", at: -1},
		{expr: "http_errors == 0 after 0s", status: Fail, observed: "250", at: -1},
		{expr: "http_errors == 0 after 3s", status: Fail, observed: "100", at: -1},
		{expr: "http_errors == 0 after 5s", status: Pass, observed: "0", at: -1},
		{expr: "p99(segment_latency) < 100ms", status: Pass, observed: "20ms", at: -1},
		{expr: "max(segment_latency) < 100ms", status: Pass, at: -1},
		{expr: "p99(segment_latency) < 100ms after 0s", status: Fail, observed: "2s", at: -1},
		{expr: "min(speed) >= 0.95", status: Pass, observed: "1x", at: -1},
		{expr: "min(speed) >= 0.95 after 2s", status: Fail, observed: "0.2x", at: 2 * time.Second},
		{expr: "mean(speed) >= 0.9 after 0s", status: Pass, observed: "0.917x", at: -1},
		{expr: "http_errors == 0 over 10s after 0s", status: Fail, observed: "250", at: 10 * time.Second},
		{expr: "http_errors == 0 over 10s", status: Pass, at: -1},
		{expr: "http_errors == 0 after 1m", status: NoData, at: -1, note: "nothing after the warm-up of 1m0s (the run reached 31s)"},
		{expr: "min(speed) > 0 after 1m", status: NoData, at: -1, note: "warm-up"},
	})
}

func TestEvaluateNoData(t *testing.T) {
	t.Parallel()
	r := &run{}
	s := steady()
	s.manLatency = 0 // manifests requested, latency never parsed
	r.ticks(20, s)
	src := r.source(0)
	runChecks(t, src, []check{
		{expr: "p95(manifest_latency) < 1s", status: NoData, observed: "-", at: -1, note: "no observations, though the viewers made 200 such requests: ffmpeg's log marks the end of a response only on a connection it closes"},
		{expr: "p95(manifest_latency)? < 1s", status: NoDataAllowed, observed: "-", at: -1},
		{expr: "p95(manifest_latency) < 1s over 5s", status: NoData, at: -1, note: "no observations in any 5s window"},
		{expr: "http_error_rate{kind=init} < 1%", status: NoData, at: -1},
		{expr: "http_error_rate{kind=init}? < 1%", status: NoDataAllowed, at: -1},
		{expr: "p95(startup_time) < 2s", status: NoData, at: -1},
		{expr: "p95(segment_latency) < 1s", status: Pass, observed: "20ms", at: -1},
	})

	// A run where nothing happened: counters at 0 are no data, not a pass.
	idle := &run{}
	idle.ticks(10, second{active: 3})
	src = idle.source(0)
	runChecks(t, src, []check{
		{expr: "timeouts == 0", status: NoData, at: -1},
		{expr: "timeouts? == 0", status: NoDataAllowed, at: -1},
		{expr: "http_error_rate < 1%", status: NoData, at: -1},
		{expr: "dropped_line_rate < 1%", status: NoData, at: -1},
		{expr: "min(speed) > 0.5", status: NoData, at: -1, note: "no speed reported"},
		{expr: "max(drift) < 1s", status: NoData, at: -1},
		{expr: "max(clients_active) == 3", status: Pass, observed: "3", at: -1},
	})

	empty := &fakeSource{}
	runChecks(t, empty, []check{
		{expr: "timeouts == 0", status: NoData, at: -1, note: "nothing recorded"},
		{expr: "max(clients_stalled) == 0", status: NoData, at: -1, note: "nothing recorded"},
	})
}

func TestEvaluateGauges(t *testing.T) {
	t.Parallel()
	r := &run{}
	r.ticks(20, steady())
	dip := steady()
	dip.speedMin, dip.speedMean, dip.stalled, dip.drift = 0.5, 0.9, 2, 6*time.Second
	r.ticks(3, dip)
	r.ticks(20, steady())
	src := r.source(0)
	runChecks(t, src, []check{
		{expr: "min(speed) >= 0.95", status: Fail, observed: "0.5x", at: 21 * time.Second},
		{expr: "min(speed) >= 0.95 over 10s", status: Fail, observed: "0.5x", at: 21 * time.Second},
		{expr: "mean(speed) >= 0.95", status: Pass, at: -1},
		{expr: "mean(speed) >= 0.999", status: Fail, observed: "0.993x", at: 21 * time.Second},
		{expr: "mean(speed) >= 0.99 over 10s", status: Fail, observed: "0.973x", at: 22 * time.Second}, // 0.991 at 21s
		{expr: "max(clients_stalled) == 0", status: Fail, observed: "2", at: 21 * time.Second},
		{expr: "max(drift) < 5s", status: Fail, observed: "6s", at: 21 * time.Second},
		{expr: "max(drift) < 10s", status: Pass, observed: "6s", at: -1},
		{expr: "min(clients_active) >= 10", status: Pass, observed: "10", at: -1},
		// Conditions that every window must reach rather than avoid.
		{expr: "min(speed) <= 0.5", status: Pass, observed: "0.5x", at: -1},
		{expr: "min(speed) <= 0.5 over 10s", status: Fail, observed: "1x", at: 11 * time.Second},
		{expr: "max(clients_stalled) >= 1 over 15s", status: Fail, observed: "0", at: 16 * time.Second},
		{expr: "max(clients_stalled) >= 1 over 25s", status: Pass, observed: "2", at: -1},
		{expr: "max(clients_stalled) == 2 over 25s", status: Pass, at: -1},
		// The final snapshot (all viewers ended) is not a gauge reading.
		{expr: "min(clients_active) > 0", status: Pass, at: -1},
	})
	// Early failure in a windowed min: reported at the end of the first window.
	early := &run{}
	bad := steady()
	bad.speedMin = 0.1
	early.tick(bad)
	early.ticks(20, steady())
	v := evalOne(t, early.source(0), "min(speed) >= 0.9 over 10s")
	if v.Status != Fail || v.At != 11*time.Second || v.WindowStart != time.Second {
		t.Errorf("early dip: %v at %v from %v; want fail at 11s from 1s", v.Status, v.At, v.WindowStart)
	}
}

func TestEvaluateShortRun(t *testing.T) {
	t.Parallel()
	r := &run{}
	s := steady()
	s.errors = map[int]int{500: 5}
	r.ticks(5, s)
	src := r.source(0)
	runChecks(t, src, []check{
		{expr: "http_error_rate < 1% over 10s", status: Fail, at: -1, note: "run shorter than the 10s window"},
		{expr: "http_error_rate < 10% over 10s", status: Pass, at: -1, note: "run shorter than the 10s window"},
		{expr: "mean(speed) > 0.5 over 1m", status: Pass, at: -1, note: "run shorter"},
		{expr: "min(speed) > 1.5 over 1m", status: Fail, at: -1, note: "run shorter"},
	})
}

func TestEvaluateStartupUsesFinalSnapshot(t *testing.T) {
	t.Parallel()
	r := &run{}
	for i := range 10 {
		r.startup.Record(time.Duration(i+1) * 100 * time.Millisecond)
	}
	r.ticks(30, steady())
	runChecks(t, r.source(20*time.Second), []check{
		{expr: "max(startup_time) < 2s", status: Pass, observed: "1s", at: -1},
		{expr: "p50(startup_time) < 400ms", status: Fail, at: -1},
		{expr: "count(startup_time) == 10", status: Pass, observed: "10", at: -1},
	})
}

func TestEvaluateWithoutHistory(t *testing.T) {
	t.Parallel()
	r := &run{}
	r.ticks(10, steady())
	src := r.source(0)
	src.points = nil
	final := *src.final
	final.Clients.Active, final.SpeedViewers, final.SpeedMin = 10, 10, 0.97
	src.final = &final
	runChecks(t, src, []check{
		{expr: "segment_requests == 1000", status: Pass, at: -1},
		{expr: "min(speed) > 0.95", status: Pass, observed: "0.97x", at: -1},
		{expr: "http_error_rate < 1% over 5s", status: Pass, at: -1, note: "no history"},
	})
}

func TestSetEvaluate(t *testing.T) { //nolint:paralleltest // AllocsPerRun
	set, err := Parse("http_error_rate < 1%", "http_error_rate < 1% over 10s", "p95(manifest_latency)? < 1s", "timeouts == 0")
	if err != nil {
		t.Fatal(err)
	}
	vs := set.Evaluate(burstRun().source(0))
	if len(vs) != 4 || vs.OK() {
		t.Fatalf("verdicts %v; want 4 with a failure", vs)
	}
	failed := vs.Failed()
	if len(failed) != 1 || failed[0].Expr != "http_error_rate < 1% over 10s" {
		t.Errorf("Failed() = %v", failed)
	}
	b, ok := vs.Breached()
	if !ok || b.At != 32*time.Second {
		t.Errorf("Breached() = %v, %v", b, ok)
	}
	// Reusing the slice allocates nothing once the scratch buffers are sized.
	src := burstRun().source(0)
	buf := make(Verdicts, 0, set.Len())
	allocs := testing.AllocsPerRun(20, func() { buf = set.AppendVerdicts(buf[:0], src) })
	if allocs != 0 {
		t.Errorf("AppendVerdicts allocates %v times per call; want 0", allocs)
	}
}

func BenchmarkSetEvaluate(b *testing.B) {
	r := &run{}
	s := steady()
	for i := range 600 {
		s.segLatency = time.Duration(10+i%50) * time.Millisecond
		r.tick(s)
	}
	src := r.source(30 * time.Second)
	set, err := Parse("http_error_rate < 1% over 10s", "p95(segment_latency) < 250ms over 10s",
		"p99(segment_latency) < 500ms", "timeouts == 0", "min(speed) >= 0.95", "max(clients_stalled) == 0")
	if err != nil {
		b.Fatal(err)
	}
	buf := make(Verdicts, 0, set.Len())
	b.ReportAllocs()
	for b.Loop() {
		buf = set.AppendVerdicts(buf[:0], src)
	}
}

func TestEvaluateCoarseHistory(t *testing.T) {
	t.Parallel()
	src := burstRun().source(0)
	// Keep every fourth point, as a thinned History would.
	var thinned = src.points[:0:0]
	for i := 3; i < len(src.points); i += 4 {
		thinned = append(thinned, src.points[i])
	}
	src.points = thinned
	runChecks(t, src, []check{
		{expr: "http_error_rate < 1% over 2s", status: Fail, at: 32 * time.Second, note: "history too coarse for the window: windows up to 4.5s"},
		{expr: "http_error_rate < 1% over 8s", status: Fail, at: 32 * time.Second},
	})
}

// BenchmarkSetEvaluateWide evaluates windowed latency thresholds on a full
// default history (600 points) whose latencies spread from 1 ms to 1 s,
// the costliest realistic case for a live check every second.
func BenchmarkSetEvaluateWide(b *testing.B) {
	r := &run{}
	for i := range 600 {
		s := steady()
		s.segLatency = time.Duration(1+(i*37)%1000) * time.Millisecond
		s.manLatency = time.Duration(1+(i*53)%1000) * time.Millisecond
		r.tick(s)
	}
	src := r.source(0)
	set, err := Parse("p95(segment_latency) < 2s over 10s", "p99(manifest_latency) < 2s over 10s", "http_error_rate < 1% over 10s")
	if err != nil {
		b.Fatal(err)
	}
	buf := make(Verdicts, 0, set.Len())
	b.ReportAllocs()
	for b.Loop() {
		buf = set.AppendVerdicts(buf[:0], src)
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("http_error_rate < 1% over 10s", "p(99.9)(segment_latency) < 250ms", "http_errors{code=503} == 0"); err != nil {
			b.Fatal(err)
		}
	}
}
