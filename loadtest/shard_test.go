package loadtest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
	"github.com/hlsswarm/hlsswarm/internal/testkit"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestResolvePlacement(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		cfg     Config
		env     map[string]string
		want    placement
		wantErr string // substring; "" means valid
	}{
		{"nothing set: one shard", Config{}, nil, placement{shard: Shard{0, 1}}, ""},
		{"indexed job", Config{}, map[string]string{ShardIndexEnv: "2", ShardCountEnv: "4", RunIDEnv: "r-1", StartAtEnv: "2026-12-02T10:00:00Z"},
			placement{shard: Shard{2, 4}, runID: "r-1", startAt: at}, ""},
		{"index without count is not ours", Config{}, map[string]string{ShardIndexEnv: "3"}, placement{shard: Shard{0, 1}}, ""},
		{"fields win over the environment", Config{Shard: Shard{1, 2}, RunID: "mine", StartAt: at},
			map[string]string{ShardIndexEnv: "0", ShardCountEnv: "4", RunIDEnv: "theirs", StartAtEnv: "bad"},
			placement{shard: Shard{1, 2}, runID: "mine", startAt: at}, ""},
		{"one shard needs no run id", Config{Shard: Shard{0, 1}}, nil, placement{shard: Shard{0, 1}}, ""},
		{"index >= count", Config{Shard: Shard{4, 4}, RunID: "r"}, nil, placement{}, "Config.Shard.Index = 4; want 0..3 (Count is 4)"},
		{"negative index", Config{Shard: Shard{-1, 4}, RunID: "r"}, nil, placement{}, "Config.Shard.Index = -1; want 0..3"},
		{"count 0", Config{Shard: Shard{Index: 2}, RunID: "r"}, nil, placement{}, "Config.Shard.Count = 0; want 1..10000"},
		{"negative count", Config{Shard: Shard{0, -2}, RunID: "r"}, nil, placement{}, "Config.Shard.Count = -2; want 1..10000"},
		{"sharded without run id", Config{Shard: Shard{0, 2}}, nil, placement{}, "Config.RunID is empty in shard 0/2; want the run id shared by every shard (set Config.RunID or HLSSWARM_RUN_ID)"},
		{"env count 0", Config{}, map[string]string{ShardCountEnv: "0"}, placement{}, `HLSSWARM_SHARDS = "0"; want the number of shards, 1..10000`},
		{"env count not a number", Config{}, map[string]string{ShardCountEnv: "four"}, placement{}, `HLSSWARM_SHARDS = "four"`},
		{"env index missing", Config{}, map[string]string{ShardCountEnv: "4", RunIDEnv: "r"}, placement{}, "HLSSWARM_SHARDS = 4 but JOB_COMPLETION_INDEX is unset; want the shard's index, 0..3"},
		{"env index out of range", Config{}, map[string]string{ShardCountEnv: "4", ShardIndexEnv: "4", RunIDEnv: "r"}, placement{}, `JOB_COMPLETION_INDEX = "4"; want the shard's index, 0..3 (HLSSWARM_SHARDS is 4)`},
		{"env sharded without run id", Config{}, map[string]string{ShardCountEnv: "4", ShardIndexEnv: "1"}, placement{}, "Config.RunID is empty in shard 1/4"},
		{"bad run id", Config{RunID: "a b"}, nil, placement{}, `Config.RunID = "a b" has ' ' at byte 1; want letters, digits, '.', '_' and '-'`},
		{"bad env run id", Config{}, map[string]string{RunIDEnv: "a/b"}, placement{}, `HLSSWARM_RUN_ID = "a/b" has '/'`},
		{"long run id", Config{RunID: strings.Repeat("r", MaxRunIDLen+1)}, nil, placement{}, "Config.RunID has 65 bytes; want at most 64"},
		{"bad start", Config{}, map[string]string{StartAtEnv: "10:00"}, placement{}, `HLSSWARM_START_AT = "10:00"; want an RFC 3339 time`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := resolvePlacement(tt.cfg, func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("resolvePlacement() error = %v; want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("resolvePlacement() = %v", err)
			}
			if got.shard != tt.want.shard || got.runID != tt.want.runID || !got.startAt.Equal(tt.want.startAt) {
				t.Errorf("resolvePlacement() = %+v; want %+v", got, tt.want)
			}
		})
	}
}

func TestConfigValidateShard(t *testing.T) {
	t.Parallel()
	const u = "http://127.0.0.1:8080/live/master.m3u8"
	if err := (Config{URL: u, Clients: 3, Shard: Shard{3, 4}, RunID: "r"}).Validate(); err == nil ||
		!strings.Contains(err.Error(), "Config.Clients = 3 over 4 shards leaves shard 3 without a viewer; want Clients >= 4") {
		t.Errorf("Validate() = %v; want the shard without a viewer named", err)
	}
	if err := (Config{URL: u, Clients: 4, Shard: Shard{3, 4}, RunID: "r"}).Validate(); err != nil {
		t.Errorf("Validate() = %v; want nil", err)
	}
	if err := (Config{URL: u, Shard: Shard{5, 4}, RunID: "r"}).Validate(); err == nil || !strings.Contains(err.Error(), "Config.Shard.Index = 5") {
		t.Errorf("Validate() = %v; want Config.Shard.Index named", err)
	}
	if err := (Config{URL: u, StartAt: time.Now().Add(MaxRun + time.Hour)}).Validate(); err == nil || !strings.Contains(err.Error(), "Config.StartAt") {
		t.Errorf("Validate() = %v; want Config.StartAt named", err)
	}
}

// TestShardSplit checks that the shards of a run hold every global id once,
// and start each viewer at the offset one fleet of all of them would.
func TestShardSplit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ clients, shards int }{{1, 1}, {8, 4}, {10, 4}, {7, 3}, {100, 7}} {
		whole := rampSchedule(tc.clients, 10*time.Second, 42)
		var ids []int
		for i := range tc.shards {
			s := Shard{Index: i, Count: tc.shards}
			offs := shardSchedule(s, tc.clients, 10*time.Second, 42)
			if got, want := len(offs), s.clients(tc.clients); got != want {
				t.Fatalf("%d/%d: %d offsets; want %d", i, tc.shards, got, want)
			}
			for local := 1; local <= len(offs); local++ {
				g := s.globalID(local)
				if (g-1)%tc.shards != i {
					t.Errorf("shard %d/%d viewer %d has global id %d", i, tc.shards, local, g)
				}
				if offs[local-1] != whole[g-1] {
					t.Errorf("shard %d/%d viewer %d (global %d) starts at %v; one fleet starts it at %v", i, tc.shards, local, g, offs[local-1], whole[g-1])
				}
				ids = append(ids, g)
			}
		}
		slices.Sort(ids)
		for i, id := range ids {
			if id != i+1 {
				t.Fatalf("%d clients over %d shards: ids %v; want 1..%d once each", tc.clients, tc.shards, ids, tc.clients)
			}
		}
		if len(ids) != tc.clients {
			t.Fatalf("%d clients over %d shards: %d ids", tc.clients, tc.shards, len(ids))
		}
	}
}

func TestMetricLabels(t *testing.T) {
	t.Parallel()
	// Every metric of a sharded fleet's registry carries run_id and shard.
	f := &Fleet{agg: stats.NewAggregator(stats.Options{}), history: stats.NewHistory(0)}
	reg := f.newRegistry(metricLabels("T", Config{RunID: "r", Shard: Shard{1, 4}}))
	mfs, err := reg.Gather()
	if err != nil || len(mfs) == 0 {
		t.Fatalf("Gather = %d families, %v", len(mfs), err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["run_id"] != "r" || labels["shard"] != "1" {
				t.Errorf("%s has labels %v; want run_id r and shard 1", mf.GetName(), labels)
			}
		}
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("promlint: %v %v", problems, err)
	}
	if got := metricLabels("T", Config{}); len(got) != 1 || got["test"] != "T" {
		t.Errorf("metricLabels without run id = %v; want only test", got)
	}
	got := metricLabels("T", Config{RunID: "r", Shard: Shard{2, 4}})
	if got["run_id"] != "r" || got["shard"] != "2" || got["test"] != "T" {
		t.Errorf("metricLabels = %v; want test, run_id r, shard 2", got)
	}
}

func TestShardDefaults(t *testing.T) {
	t.Parallel()
	c := Config{URL: "http://h/a.m3u8", Clients: 100, Shard: Shard{1, 4}, RunID: "r"}.withDefaults()
	if got, want := c.Ramp, defaultRamp(25); got != want {
		t.Errorf("default Ramp of a shard of 100 viewers in 4 = %s; want %s (its own 25 at DefaultStartRate)", got, want)
	}
	if got := (Shard{}).clients(7); got != 7 {
		t.Errorf("an invalid Shard runs %d of 7 viewers; want all (one shard)", got)
	}
}

func TestCheckStartAt(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	cfg := Config{StartAt: at, Ramp: time.Second, Duration: 4 * time.Second, Shard: Shard{1, 4}}
	rec := &testkit.Recorder{TB: t}
	if err := checkStartAt(rec, cfg, at.Add(-time.Second)); err != nil || len(rec.Logs()) != 0 {
		t.Errorf("early fleet: %v, logs %q; want nothing", err, rec.Logs())
	}
	if err := checkStartAt(rec, cfg, at.Add(2*time.Second)); err != nil || len(rec.Logs()) != 1 || !strings.Contains(rec.Logs()[0], "shard 1/4 set up 2s after Config.StartAt") {
		t.Errorf("late fleet: %v, logs %q; want one note", err, rec.Logs())
	}
	err := checkStartAt(rec, cfg, at.Add(6*time.Second))
	if err == nil || !strings.Contains(err.Error(), "ended 1s before this fleet was set up") {
		t.Errorf("fleet after the run's end: %v; want an error", err)
	}
}
