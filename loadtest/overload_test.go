package loadtest

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/assert"
	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/internal/testkit"
)

// progressAt matches the elapsed time of a progress line.
var progressAt = regexp.MustCompile(`^hlsswarm ([0-9.]+[a-zµ]+)/`)

// TestOverloadedOriginEndsOnTime reproduces at CI scale a fleet whose
// origin cannot keep up (issue 16: 1,000 viewers, a starved in-process
// origin): the origin serves one request at a time (WithMaxInFlight 1)
// and holds every segment for longer than the run, so all but one request
// are answered 503 and viewers fail and restart. The run must still end
// at Ramp + Duration plus its stop bound, log its progress line every
// second on schedule, and fail thresholds with a verdict that names what
// happened.
func TestOverloadedOriginEndsOnTime(t *testing.T) {
	t.Parallel()
	origin := fixtures.NewOrigin(t, fixtures.Live{}, fixtures.WithMaxInFlight(1), fixtures.WithFaults(
		fixtures.Fault{Type: fixtures.FaultHeaderStall, Delay: time.Minute, Kinds: []fixtures.Kind{fixtures.KindSegment}}))
	const ramp, duration = time.Second, 8 * time.Second
	rec := &testkit.Recorder{TB: t}
	start := time.Now()
	r := Run(rec, Config{URL: origin.URL(), Clients: 6, Ramp: ramp, Duration: duration, Origin: origin,
		ProgressInterval: time.Second})
	took := time.Since(start)
	t.Logf("Run took %v, the fleet %v\n%s", took, r.End.Sub(r.Start), r.Summary())
	// The fleet's own clock (from its start to its Result) ends within a
	// few seconds of its schedule; the whole call (ffmpeg probe and master
	// playlist first) within the stop bound.
	if ran, bound := r.End.Sub(r.Start), ramp+duration+3*time.Second; ran > bound {
		t.Errorf("fleet ran %v; want at most Ramp + Duration + 3s = %v", ran, bound)
	}
	if bound := ramp + duration + StopBound; took > bound {
		t.Errorf("Run took %v; want at most Ramp + Duration + StopBound = %v", took, bound)
	}
	vs, err := assert.Check(r, "http_error_rate < 1%", "min(clients_active) >= 6 after 3s")
	if vs.OK() {
		t.Errorf("an origin that answered 503 to nearly everything passed (%v); want a failing verdict", err)
	}
	if sum := r.Summary(); !strings.Contains(sum, "[503:") || !strings.Contains(sum, "exits error") {
		t.Errorf("summary does not name the 503s and the failed viewers:\n%s", sum)
	}
	if s := origin.Snapshot(); s.Shed == 0 {
		t.Errorf("origin shed %d requests; want some (its bound is 1)", s.Shed)
	}
	// Progress lines on schedule: the control loop did not starve.
	var at []time.Duration
	for _, l := range rec.Logs() {
		if m := progressAt.FindStringSubmatch(l); m != nil {
			d, err := time.ParseDuration(m[1])
			if err != nil {
				t.Fatalf("progress line %q: %v", l, err)
			}
			at = append(at, d)
		}
	}
	prev := time.Duration(0)
	for _, d := range at {
		if d-prev > 2500*time.Millisecond {
			t.Errorf("progress lines at %v: a gap of %v; want one every 1s", at, d-prev)
			break
		}
		prev = d
	}
	if r.Aborted == nil && len(at) < 5 {
		t.Errorf("%d progress lines in a %v run; want one a second", len(at), ramp+duration)
	}
	t.Logf("verdict:\n%s", vs.Table())
}

// TestStopWithinReportsStuckViewers: a viewer that does not end within the
// stop bound is named, and the stop returns at the bound instead of
// waiting for it.
func TestStopWithinReportsStuckViewers(t *testing.T) {
	t.Parallel()
	f := &Fleet{}
	quick := &viewer{id: 1, done: make(chan struct{})}
	quick.cancel = func() { close(quick.done) }
	stuck := &viewer{id: 2, done: make(chan struct{}), cancel: func() {}}
	start := time.Now()
	ids, done := f.stopWithin([]*viewer{quick, stuck}, 200*time.Millisecond)
	took := time.Since(start)
	close(stuck.done) // let the background stop end (goleak)
	if done || len(ids) != 1 || ids[0] != 2 {
		t.Errorf("stopWithin = %v, %v; want [2], false", ids, done)
	}
	if took < 200*time.Millisecond || took > time.Second {
		t.Errorf("stopWithin took %v; want the 200ms bound", took)
	}
	ids, done = f.stopWithin([]*viewer{{id: 3, done: closedChan(), cancel: func() {}}}, time.Second)
	if !done || ids != nil {
		t.Errorf("stopWithin of a viewer that ends = %v, %v; want none, true", ids, done)
	}
}

func closedChan() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}
