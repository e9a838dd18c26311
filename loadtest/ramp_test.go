package loadtest

import (
	"slices"
	"testing"
	"time"
)

func TestRampSchedule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		n    int
		ramp time.Duration
		seed int64
	}{
		{"default ramp of 5", 5, defaultRamp(5), 0},
		{"100 over 10s", 100, 10 * time.Second, 42},
		{"more viewers than nanoseconds", 10, 5 * time.Nanosecond, 1},
		{"one viewer", 1, time.Second, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := rampSchedule(tc.n, tc.ramp, tc.seed)
			if len(got) != tc.n {
				t.Fatalf("len = %d; want %d", len(got), tc.n)
			}
			if !slices.IsSorted(got) {
				t.Errorf("schedule %v is not ascending", got)
			}
			slot := tc.ramp / time.Duration(tc.n)
			for i, at := range got {
				if at < 0 || (tc.ramp > 0 && at >= tc.ramp) {
					t.Errorf("start %d at %s; want in [0, %s)", i, at, tc.ramp)
				}
				if lo, hi := time.Duration(i)*slot, time.Duration(i+1)*slot; slot > 0 && (at < lo || at >= hi) {
					t.Errorf("start %d at %s; want in its slot [%s, %s)", i, at, lo, hi)
				}
			}
			if again := rampSchedule(tc.n, tc.ramp, tc.seed); !slices.Equal(got, again) {
				t.Errorf("same seed gave %v then %v; want equal", got, again)
			}
		})
	}
}

func TestRampScheduleJitterDependsOnSeed(t *testing.T) {
	t.Parallel()
	a := rampSchedule(50, 5*time.Second, 1)
	b := rampSchedule(50, 5*time.Second, 2)
	if slices.Equal(a, b) {
		t.Fatal("seeds 1 and 2 gave the same schedule; want jitter that depends on the seed")
	}
}

func TestRampScheduleDefaultRate(t *testing.T) {
	t.Parallel()
	// The default ramp never puts more than DefaultStartRate starts in any
	// one-second window (each start sits in its own 100 ms slot).
	for _, n := range []int{1, 5, 37, 100, 200} {
		s := rampSchedule(n, defaultRamp(n), int64(n))
		for i := range s {
			j := i
			for j < len(s) && s[j]-s[i] < time.Second {
				j++
			}
			if j-i > DefaultStartRate+1 {
				t.Fatalf("n=%d: %d starts within 1s from %s; want <= %d", n, j-i, s[i], DefaultStartRate+1)
			}
		}
	}
}

func TestRampScheduleEdgeCases(t *testing.T) {
	t.Parallel()
	if got := rampSchedule(0, time.Second, 0); got != nil {
		t.Errorf("rampSchedule(0) = %v; want nil", got)
	}
	if got := rampSchedule(3, 0, 0); !slices.Equal(got, []time.Duration{0, 0, 0}) {
		t.Errorf("rampSchedule(3, 0) = %v; want all at 0", got)
	}
	if got, want := startInterval(10, time.Second), 100*time.Millisecond; got != want {
		t.Errorf("startInterval(10, 1s) = %s; want %s", got, want)
	}
}
