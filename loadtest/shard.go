package loadtest

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Environment variables of a sharded run. A Kubernetes Indexed Job sets
// ShardIndexEnv in each of its pods (0..completions-1); the manifest passes
// the other two (the same in every pod). They are read when Config.Shard,
// Config.RunID and Config.StartAt are left at their zero values.
const (
	// ShardIndexEnv is the shard's index, 0..count-1: the variable a
	// Kubernetes Indexed Job sets in each pod. Read only when
	// ShardCountEnv is set.
	ShardIndexEnv = "JOB_COMPLETION_INDEX"
	// ShardCountEnv is the number of shards of the run (the Job's
	// completions and parallelism).
	ShardCountEnv = "HLSSWARM_SHARDS"
	// RunIDEnv is the run id shared by every shard of one run.
	RunIDEnv = "HLSSWARM_RUN_ID"
	// StartAtEnv is the absolute start of the run's ramp, RFC 3339
	// ("2026-12-02T10:00:00Z"), shared by every shard.
	StartAtEnv = "HLSSWARM_START_AT"
)

// MaxRunIDLen bounds Config.RunID: it travels in every request's headers
// and as a Prometheus label value.
const MaxRunIDLen = 64

// Shard is one part of a run spread over several processes (pods of a
// Kubernetes Indexed Job, or plain processes). The run's Config.Clients
// viewers have global ids 1..Clients; shard Index of Count runs those
// whose id g satisfies (g-1) mod Count == Index, so every shard starts its
// viewers spread over the whole ramp at 1/Count of the run's start rate
// (a block split would start each shard's viewers in one Count-th of the
// ramp, Count times faster), and each viewer starts at the offset the
// ramp gives its global id in one big fleet (the same Seed in every
// shard). Viewer ids in requests, reports and metrics are global ids, so
// they are unique across the run; a viewer added by Fleet.Scale gets the
// next global id of its shard.
//
// The zero value means: from the environment (ShardIndexEnv and
// ShardCountEnv) when ShardCountEnv is set, else one shard, {0, 1}.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// Sharded reports whether the run has more than one shard.
func (s Shard) Sharded() bool { return s.Count > 1 }

// norm returns s, or one shard when s is not valid (a Config that failed
// validation), so that shard arithmetic never divides by zero.
func (s Shard) norm() Shard {
	if s.Count < 1 || s.Index < 0 || s.Index >= s.Count {
		return Shard{Index: 0, Count: 1}
	}
	return s
}

// globalID returns the run-wide id of the shard's local-th viewer
// (counted from 1).
func (s Shard) globalID(local int) int {
	s = s.norm()
	return (local-1)*s.Count + s.Index + 1
}

// clients returns how many of a run's n viewers the shard runs.
func (s Shard) clients(n int) int {
	s = s.norm()
	if s.Index >= n {
		return 0
	}
	return (n-s.Index-1)/s.Count + 1
}

// String returns "index/count".
func (s Shard) String() string { return strconv.Itoa(s.Index) + "/" + strconv.Itoa(s.Count) }

// placement is a Config's shard, run id and start time, resolved from its
// fields and the environment.
type placement struct {
	shard   Shard
	runID   string
	startAt time.Time
}

// resolvePlacement resolves c's shard, run id and start time: the Config
// fields, else the environment (read through getenv), else one shard, no
// run id and no fixed start. Errors name the field or variable and the
// accepted values.
func resolvePlacement(c Config, getenv func(string) string) (placement, error) {
	p := placement{shard: c.Shard, runID: c.RunID, startAt: c.StartAt}
	if p.shard == (Shard{}) {
		s, err := shardFromEnv(getenv)
		if err != nil {
			return p, err
		}
		p.shard = s
	} else {
		if p.shard.Count < 1 || p.shard.Count > MaxClients {
			return p, fmt.Errorf("loadtest: Config.Shard.Count = %d; want 1..%d (the zero Shard reads %s)", p.shard.Count, MaxClients, ShardCountEnv)
		}
		if p.shard.Index < 0 || p.shard.Index >= p.shard.Count {
			return p, fmt.Errorf("loadtest: Config.Shard.Index = %d; want 0..%d (Count is %d)", p.shard.Index, p.shard.Count-1, p.shard.Count)
		}
	}
	if p.runID == "" {
		p.runID = getenv(RunIDEnv)
		if err := validRunID(p.runID, RunIDEnv); err != nil {
			return p, err
		}
	} else if err := validRunID(p.runID, "Config.RunID"); err != nil {
		return p, err
	}
	if p.shard.Sharded() && p.runID == "" {
		return p, fmt.Errorf("loadtest: Config.RunID is empty in shard %s; want the run id shared by every shard (set Config.RunID or %s)", p.shard, RunIDEnv)
	}
	if p.startAt.IsZero() {
		if v := getenv(StartAtEnv); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return p, fmt.Errorf("loadtest: %s = %q; want an RFC 3339 time such as 2026-12-02T10:00:00Z", StartAtEnv, v)
			}
			p.startAt = t
		}
	}
	return p, nil
}

func shardFromEnv(getenv func(string) string) (Shard, error) {
	cs := getenv(ShardCountEnv)
	if cs == "" {
		return Shard{Index: 0, Count: 1}, nil
	}
	count, err := strconv.Atoi(strings.TrimSpace(cs))
	if err != nil || count < 1 || count > MaxClients {
		return Shard{}, fmt.Errorf("loadtest: %s = %q; want the number of shards, 1..%d", ShardCountEnv, cs, MaxClients)
	}
	is := getenv(ShardIndexEnv)
	if is == "" {
		if count == 1 {
			return Shard{Index: 0, Count: 1}, nil
		}
		return Shard{}, fmt.Errorf("loadtest: %s = %d but %s is unset; want the shard's index, 0..%d (a Kubernetes Indexed Job sets it)", ShardCountEnv, count, ShardIndexEnv, count-1)
	}
	index, err := strconv.Atoi(strings.TrimSpace(is))
	if err != nil || index < 0 || index >= count {
		return Shard{}, fmt.Errorf("loadtest: %s = %q; want the shard's index, 0..%d (%s is %d)", ShardIndexEnv, is, count-1, ShardCountEnv, count)
	}
	return Shard{Index: index, Count: count}, nil
}

// validRunID accepts "" and ids of letters, digits, '.', '_' and '-', up
// to MaxRunIDLen bytes: they go into HTTP headers, a User-Agent, file
// names and Prometheus label values unchanged.
func validRunID(id, field string) error {
	if len(id) > MaxRunIDLen {
		return fmt.Errorf("loadtest: %s has %d bytes; want at most %d", field, len(id), MaxRunIDLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("loadtest: %s = %q has %q at byte %d; want letters, digits, '.', '_' and '-'", field, id, c, i)
		}
	}
	return nil
}

// getenv is os.Getenv, the environment Config reads its shard from.
func getenv(name string) string { return os.Getenv(name) }

// shardSchedule returns the start offsets of the shard's viewers: the
// offsets the run's ramp gives their global ids in one fleet of n viewers.
func shardSchedule(s Shard, n int, ramp time.Duration, seed int64) []time.Duration {
	all := rampSchedule(n, ramp, seed)
	if s = s.norm(); !s.Sharded() {
		return all
	}
	out := make([]time.Duration, 0, s.clients(n))
	for g := s.Index + 1; g <= n; g += s.Count {
		out = append(out, all[g-1])
	}
	return out
}

// validatePlacement checks the shard, run id and start time of c, and that
// every shard gets a viewer.
func (c Config) validatePlacement() error {
	p, err := resolvePlacement(c, getenv)
	if err != nil {
		return err
	}
	clients := c.Clients
	if clients == 0 {
		clients = DefaultClients
	}
	if p.shard.clients(clients) == 0 {
		return fmt.Errorf("loadtest: Config.Clients = %d over %d shards leaves shard %d without a viewer; want Clients >= %d (the shard count)", clients, p.shard.Count, p.shard.Index, p.shard.Count)
	}
	if !p.startAt.IsZero() && time.Until(p.startAt) > MaxRun {
		return fmt.Errorf("loadtest: Config.StartAt = %s is more than %s (MaxRun) away; want a time within it", p.startAt.Format(time.RFC3339), MaxRun)
	}
	return nil
}

// startBase returns the time the ramp's offsets count from: Config.StartAt,
// else the fleet's start.
func startBase(cfg Config, start time.Time) time.Time {
	if cfg.StartAt.IsZero() {
		return start
	}
	return cfg.StartAt
}

// untilStart returns how long from now until Config.StartAt (0 when unset
// or past).
func untilStart(cfg Config) time.Duration {
	if cfg.StartAt.IsZero() {
		return 0
	}
	return max(time.Until(cfg.StartAt), 0)
}

// checkStartAt fails a fleet set up after its run (Config.StartAt + Ramp +
// Duration) ended, and logs one set up after its ramp began: its viewers
// that were due start at once, and it runs for less than Duration.
func checkStartAt(t interface{ Logf(string, ...any) }, cfg Config, now time.Time) error {
	if cfg.StartAt.IsZero() {
		return nil
	}
	end := cfg.StartAt.Add(cfg.Ramp + cfg.Duration)
	if !now.Before(end) {
		return fmt.Errorf("loadtest: Config.StartAt %s + Ramp %s + Duration %s ended %s before this fleet was set up; want a StartAt that leaves every shard time to start (ffmpeg probe and playlist fetch)",
			cfg.StartAt.Format(time.RFC3339Nano), cfg.Ramp, cfg.Duration, now.Sub(end).Round(time.Millisecond))
	}
	if late := now.Sub(cfg.StartAt); late > 0 {
		t.Logf("loadtest: shard %s set up %s after Config.StartAt: its due viewers start at once, and it runs until StartAt + Ramp + Duration (%s from now)",
			cfg.Shard, late.Round(time.Millisecond), end.Sub(now).Round(time.Millisecond))
	}
	return nil
}
