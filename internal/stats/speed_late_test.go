package stats

import (
	"math"
	"testing"
	"time"
)

// arrivals returns the wall times of n one-second steps of out time that
// come every period from 1 s on, those from index late on shifted by
// delay (a reload that found nothing new, retried later: the viewer's
// reloads keep the new phase).
func arrivals(n int, period time.Duration, late int, delay time.Duration) []time.Duration {
	w := make([]time.Duration, n)
	for i := range w {
		w[i] = time.Second + time.Duration(i)*period
		if late >= 0 && i >= late {
			w[i] += delay
		}
	}
	return w
}

// minSpeed feeds one viewer a report at start (out time 0) and one at each
// arrival (out time step more than the last), and a report without an
// advance halfway between arrivals, as ffmpeg reports between segments;
// it returns the least speed the viewer read and whether it had one.
func minSpeed(t *testing.T, walls []time.Duration, step time.Duration) (float64, bool) {
	t.Helper()
	clk := new(fakeClock)
	a := NewAggregator(Options{Now: clk.Now})
	v := a.AddViewer(1)
	v.Started(clk.At(0))
	v.ObserveProgress(clk.At(0), 0, 0)
	least, has := math.Inf(1), false
	read := func() {
		var row ViewerRow
		v.Summary(&row)
		if row.HasSpeed {
			least, has = min(least, row.Speed), true
		}
	}
	var out, prev time.Duration
	for _, w := range walls {
		if prev > 0 {
			v.ObserveProgress(clk.At((prev+w)/2), out, 1)
			read()
		}
		out += step
		v.ObserveProgress(clk.At(w), out, 1)
		read()
		prev = w
	}
	return least, has
}

// TestSpeedForgivesOneLateStep reproduces what a healthy live ffmpeg
// viewer of 1 s segments did in e2e TestSpeedNoFalseAlarm: its reloads
// come about 1.007 s apart, and once a reload came just before the
// origin published the next segment, found nothing new and was retried
// half a target duration later, so that one segment came 0.5 s late
// (min(speed) read 0.903 with the window then). A player holding a
// segment back plays through it: speed must read at least 0.95, whether
// the step comes 0.5 s or a whole reload late, alone or with the next.
// Before speed forgave one late step, the late cases read 0.903, 0.796,
// 0.893 and 0.667.
func TestSpeedForgivesOneLateStep(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		walls []time.Duration
		step  time.Duration
	}{
		{"on time", arrivals(20, 1007*time.Millisecond, -1, 0), time.Second},
		{"half a reload late", arrivals(20, 1007*time.Millisecond, 10, 500*time.Millisecond), time.Second},
		{"a reload late", arrivals(20, 1007*time.Millisecond, 10, time.Second), time.Second},
		{"0.6 s late, reloads 1 s apart", arrivals(20, time.Second, 9, 600*time.Millisecond), time.Second},
		{"2 s segments a reload late", arrivals(12, 2*time.Second, 6, 2*time.Second), 2 * time.Second},
	}
	for _, c := range cases {
		got, ok := minSpeed(t, c.walls, c.step)
		if !ok || got < 0.95 {
			t.Errorf("%s: min speed %.3f (has %v); want >= 0.95", c.name, got, ok)
		}
		if got > 1 {
			t.Errorf("%s: min speed %.3f; want at most 1 (a late step must not read fast)", c.name, got)
		}
	}
	// The same late step, and one more in the same window: only the one
	// that came later than the others is forgiven.
	two := arrivals(20, time.Second, 10, 500*time.Millisecond)
	for i := 13; i < len(two); i++ {
		two[i] += 500 * time.Millisecond
	}
	if got, _ := minSpeed(t, two, time.Second); got >= 0.95 {
		t.Errorf("two steps 0.5 s late 3 s apart: min speed %.3f; want < 0.95", got)
	}
}

// TestSpeedStillSlow: what the forgiveness of one late step must not hide.
// A viewer whose every step comes late (a capped origin at 0.75x, a
// steady 0.9x) reads its speed; one whose steps stop (a stall) reads
// slower at once, as before; a step that came several seconds late is
// forgiven only the media it brought.
func TestSpeedStillSlow(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		period time.Duration
		want   float64
	}{
		{"0.75x", 1333 * time.Millisecond, 0.75},
		{"0.9x", 1111 * time.Millisecond, 0.9},
	} {
		got, ok := minSpeed(t, arrivals(20, c.period, -1, 0), time.Second)
		if !ok || math.Abs(got-c.want) > 0.01 {
			t.Errorf("steady %s: min speed %.3f (has %v); want %.2f", c.name, got, ok, c.want)
		}
	}
	// One step 4 s late (a 4 s hole): 1 s of it forgiven, the rest shows.
	got, _ := minSpeed(t, arrivals(20, time.Second, 10, 4*time.Second), time.Second)
	if got > 0.75 {
		t.Errorf("one step 4 s late: min speed %.3f; want <= 0.75 (5 s of media over 8 s, less the 1 s forgiven)", got)
	}
	// A stall: steps stop at 10 s; a report at 14 s reads the open gap,
	// which no forgiveness covers.
	clk := new(fakeClock)
	a := NewAggregator(Options{Now: clk.Now})
	v := a.AddViewer(1)
	v.Started(clk.At(0))
	v.ObserveProgress(clk.At(0), 0, 0)
	for i := 1; i <= 10; i++ {
		v.ObserveProgress(clk.At(time.Duration(i)*time.Second), time.Duration(i)*time.Second, 1)
	}
	v.ObserveProgress(clk.At(14*time.Second), 10*time.Second, 0)
	var row ViewerRow
	v.Summary(&row)
	// 14 s less the last step's 1 s of media: 13 s; anchor the step at
	// 8 s (5 s before): 2 s of media over 5 s.
	if !row.HasSpeed || math.Abs(row.Speed-0.4) > 1e-9 {
		t.Errorf("stalled 4 s: speed %v (has %v); want 0.4", row.Speed, row.HasSpeed)
	}
}
