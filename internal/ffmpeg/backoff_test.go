package ffmpeg

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	t.Parallel()
	b := Backoff{Initial: 100 * time.Millisecond, Max: time.Second, Multiplier: 2, Jitter: 0.25}.withDefaults()
	rng := rand.New(rand.NewPCG(7, 0x9e3779b97f4a7c15))
	for streak := 1; streak <= 8; streak++ {
		base := 100 * time.Millisecond << (streak - 1)
		if base > time.Second {
			base = time.Second
		}
		for i := 0; i < 50; i++ {
			d := b.delay(streak, rng)
			lo := time.Duration(float64(base) * 0.75)
			hi := min(time.Duration(float64(base)*1.25), time.Second)
			if d < lo || d > hi {
				t.Fatalf("streak %d: delay %v outside [%v, %v]", streak, d, lo, hi)
			}
		}
	}
	// The same seed gives the same delays; another seed does not.
	seq := func(seed uint64) []time.Duration {
		r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
		var out []time.Duration
		for i := 1; i <= 5; i++ {
			out = append(out, b.delay(i, r))
		}
		return out
	}
	a, a2, c := seq(1), seq(1), seq(2)
	for i := range a {
		if a[i] != a2[i] {
			t.Fatalf("seed 1 gave %v then %v", a, a2)
		}
	}
	same := true
	for i := range a {
		same = same && a[i] == c[i]
	}
	if same {
		t.Errorf("seeds 1 and 2 gave the same delays %v", a)
	}
}

func TestBackoffStreak(t *testing.T) {
	t.Parallel()
	b := Backoff{ResetAfter: 10 * time.Second}.withDefaults()
	fail := Exit{Kind: ExitError, Runtime: time.Second}
	tests := []struct {
		name   string
		streak int
		e      Exit
		want   int
	}{
		{"first failure", 0, fail, 1},
		{"failures in a row grow", 3, fail, 4},
		{"failure after a healthy run restarts the count", 5, Exit{Kind: ExitError, Runtime: 10 * time.Second}, 1},
		{"foreign signal is a failure", 1, Exit{Kind: ExitSignaled, Runtime: time.Second}, 2},
		{"failed start is a failure", 2, Exit{Kind: ExitStartFailed}, 3},
		{"clean exit resets", 6, Exit{Kind: ExitClean, Runtime: time.Millisecond}, 0},
	}
	for _, tt := range tests {
		if got := b.nextStreak(tt.streak, tt.e.Failed(), tt.e.Runtime); got != tt.want {
			t.Errorf("%s: nextStreak(%d) = %d; want %d", tt.name, tt.streak, got, tt.want)
		}
	}
}

func TestParseNames(t *testing.T) {
	t.Parallel()
	for _, c := range []VariantChoice{VariantAll, VariantFirst, VariantHighest, VariantLowest} {
		if got, err := ParseVariantChoice(c.String()); err != nil || got != c {
			t.Errorf("ParseVariantChoice(%q) = %v, %v", c, got, err)
		}
	}
	for _, p := range []RestartPolicy{RestartNever, RestartOnFailure, RestartAlways} {
		if got, err := ParseRestartPolicy(p.String()); err != nil || got != p {
			t.Errorf("ParseRestartPolicy(%q) = %v, %v", p, got, err)
		}
	}
	if _, err := ParseVariantChoice("best"); err == nil || !strings.Contains(err.Error(), "accepted values are all, first, highest, lowest") {
		t.Errorf("ParseVariantChoice(best) error = %v", err)
	}
	if _, err := ParseRestartPolicy("sometimes"); err == nil || !strings.Contains(err.Error(), "accepted values are never, on-failure, always") {
		t.Errorf("ParseRestartPolicy(sometimes) error = %v", err)
	}
}

func TestSuperviseValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    Supervision
		want string
	}{
		{Supervision{}, "Supervision.Path: empty"},
		{Supervision{Path: "x", Policy: 9}, "Supervision.Policy = 9: accepted values are never, on-failure, always"},
		{Supervision{Path: "x", MaxRestarts: -1}, "Supervision.MaxRestarts = -1"},
		{Supervision{Path: "x", Backoff: Backoff{Initial: -1}}, "durations must be >= 0"},
		{Supervision{Path: "x", Backoff: Backoff{Multiplier: 0.5}}, "Multiplier = 0.5: must be >= 1"},
		{Supervision{Path: "x", Backoff: Backoff{Jitter: 1.5}}, "Jitter = 1.5: must be in [0, 1]"},
	}
	for _, tt := range tests {
		_, err := Supervise(context.Background(), tt.s)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Supervise(%+v) error = %v; want %q", tt.s, err, tt.want)
		}
	}
}
