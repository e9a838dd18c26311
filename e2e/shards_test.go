package e2e

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/assert"
	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/internal/testkit"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// shardURLEnv passes the parent's origin URL to a shard process; its
// presence makes TestShardProcess run.
const shardURLEnv = "HLSSWARM_E2E_SHARD_URL"

// Shards of TestShards: 4 shards of 2 viewers each.
const (
	shardCount   = 4
	shardClients = 8
)

// TestShardProcess is one shard of TestShards, run in a process of its
// own with the environment a Kubernetes Indexed Job gives a pod. It is
// skipped in a normal test run.
func TestShardProcess(t *testing.T) {
	url := os.Getenv(shardURLEnv)
	if url == "" {
		t.Skip("a shard of TestShards: runs only in the processes it starts")
	}
	// Shard, RunID, StartAt and ReportDir come from the environment.
	loadtest.Run(t, loadtest.Config{
		URL: url, Clients: shardClients, Ramp: time.Second, Duration: 6 * time.Second,
		RestartPolicy: loadtest.RestartNever, VOD: loadtest.VODDownload, ProgressInterval: -1,
	})
}

// TestShards runs one run as 4 shard processes (this test binary again,
// with JOB_COMPLETION_INDEX, HLSSWARM_SHARDS, HLSSWARM_RUN_ID and a
// common HLSSWARM_START_AT) against one fixture origin in this process,
// each writing its report to one directory, and merges the reports: the
// merged counts equal the origin's ground truth viewer by viewer, viewer
// ids are 1..8 once each and every request names its run and shard, and
// 503s served only to shard 2's viewers (ids 3 and 7) fail the global
// threshold in the merge while each other shard alone passes it.
func TestShards(t *testing.T) {
	t.Parallel()
	seg := []fixtures.Kind{fixtures.KindSegment}
	origin := fixtures.NewOrigin(t, fixtures.VOD{}, fixtures.WithFaults(
		fixtures.Fault{Type: fixtures.FaultStatus, Status: 503, Kinds: seg, Client: "3", Every: 2},
		fixtures.Fault{Type: fixtures.FaultStatus, Status: 503, Kinds: seg, Client: "7", Every: 2},
	))
	dir := t.TempDir()
	runID := fmt.Sprintf("e2e-%d", time.Now().UnixNano())
	// The shards push to a Pushgateway that a Prometheus scrapes: the
	// global verdict from Prometheus must equal the one from the files.
	stack := optionalPromStack(t)
	// Every shard ramps from here, whenever its process started. Setting
	// up (probing ffmpeg, fetching the playlists) takes 4 processes 1-2 s
	// on a quiet machine and up to 10 s beside other fleets; a shard set up
	// late starts its viewers at once, and the run (StartAt + Ramp +
	// Duration) leaves it time to play the VOD (about a second).
	start := time.Now().Add(6 * time.Second)
	startAt := start.UTC().Format(time.RFC3339Nano)
	ctx, cancel := context.WithTimeout(t.Context(), 40*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	outs := make([][]byte, shardCount)
	errs := make([]error, shardCount)
	for i := range shardCount {
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestShardProcess$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(),
			shardURLEnv+"="+origin.URL(),
			loadtest.ShardIndexEnv+"="+strconv.Itoa(i),
			loadtest.ShardCountEnv+"="+strconv.Itoa(shardCount),
			loadtest.RunIDEnv+"="+runID,
			loadtest.StartAtEnv+"="+startAt,
			loadtest.ReportDirEnv+"="+dir,
		)
		if stack != nil {
			cmd.Env = append(cmd.Env, loadtest.PushGatewayEnv+"="+stack.gateway)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = cmd.CombinedOutput()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("shard %d: %v\n%s", i, err, outs[i])
		}
	}
	truth := idleTruth(t, origin)

	merged, err := loadtest.MergeReportFiles(dir)
	if err != nil {
		t.Fatalf("MergeReportFiles: %v", err)
	}
	if got := len(merged.Shards); got != shardCount {
		t.Fatalf("merged %d shards; want %d", got, shardCount)
	}
	// Viewer ids: global, 1..8 once each.
	var ids []int
	for _, v := range merged.Viewers {
		ids = append(ids, v.ID)
	}
	if want := []int{1, 2, 3, 4, 5, 6, 7, 8}; !slices.Equal(ids, want) {
		t.Errorf("merged viewer ids %v; want %v", ids, want)
	}
	// Counts: the origin's ground truth, viewer by viewer and in total.
	// Each shard's fleet fetched the playlists once without a client id
	// (to choose variants): 4 fleets here, where truthDiff expects one.
	anon := truth.ByClient[""]
	if anon.Requests[fixtures.KindMaster] > shardCount || anon.Requests[fixtures.KindMedia] > shardCount ||
		anon.Total() != anon.Requests[fixtures.KindMaster]+anon.Requests[fixtures.KindMedia] {
		t.Errorf("origin served %v without a client id; want at most one master and one media playlist per shard", anon.Requests)
	}
	viewersOnly := truth
	viewersOnly.ByClient = maps.Clone(truth.ByClient)
	delete(viewersOnly.ByClient, "")
	truthDiff(t, viewersOnly, merged, 0)
	totalsEqualViewers(t, truth, merged)
	if got, want := int64(merged.Totals.HTTPErrorsFor(503)), truth.ByKind[fixtures.KindSegment][503]; got == 0 || got != want {
		t.Errorf("merged 503s %d; origin sent %d (want > 0: the fault fired)", got, want)
	}
	// Every viewer request named the run and the viewer's shard, and none
	// came before the common start.
	for _, r := range origin.Requests() {
		if r.Client == "" {
			continue
		}
		if r.Start.Before(start) {
			t.Errorf("request %s from client %s at %s, before the run's start at %s", r.Path, r.Client, r.Start.Format(time.StampMilli), start.Format(time.StampMilli))
		}
		id, _ := strconv.Atoi(r.Client)
		if want := strconv.Itoa((id - 1) % shardCount); r.Run != runID || r.Shard != want {
			t.Errorf("request %s from client %s: run %q shard %q; want %q and %q", r.Path, r.Client, r.Run, r.Shard, runID, want)
			break
		}
	}
	// The fault hit only shard 2: each other shard passes alone, the
	// merged run fails.
	for i := range shardCount {
		f, err := os.Open(filepath.Join(dir, fmt.Sprintf("TestShardProcess.shard-%d-of-%d.json", i, shardCount)))
		if err != nil {
			t.Fatalf("shard %d report: %v", i, err)
		}
		r, err := loadtest.ReadReport(f)
		f.Close()
		if err != nil {
			t.Fatalf("shard %d report: %v", i, err)
		}
		if _, err := assert.Check(r, "http_errors == 0"); (err == nil) == (i == 2) {
			t.Errorf("shard %d alone: http_errors == 0 gave %v; want a failure only in shard 2", i, err)
		}
	}
	vs, err := assert.Check(merged, "http_errors == 0", "timeouts == 0")
	if !errors.Is(err, assert.ErrThresholdsFailed) || vs[0].Status != assert.Fail || vs[1].Status != assert.Pass {
		t.Fatalf("merged verdicts %v, %v; want http_errors to fail, timeouts to pass", vs, err)
	}
	if got, want := vs[0].Observed, float64(truth.ByKind[fixtures.KindSegment][503]); got != want {
		t.Errorf("merged http_errors observed %v; want the origin's 503s, %v", got, want)
	}
	t.Logf("merged %d shards, %d viewers:\n%s", len(merged.Shards), len(merged.Viewers), vs.Table())
	if stack == nil {
		return
	}
	sel := fmt.Sprintf(`job=%q,run_id=%q`, loadtest.PushJob, runID)
	testkit.WaitFor(t, 20*time.Second, "Prometheus to scrape every shard's final push", func() bool {
		got, _ := stack.scalar(t, "sum(hlsswarm_requests_total{"+sel+"})")
		return got == float64(merged.Totals.Requests.Total())
	})
	prom, err := assert.CheckPrometheus(t.Context(), assert.Prometheus{URL: stack.server, Selector: sel, Start: start}, time.Time{},
		"http_errors == 0", "timeouts == 0")
	if err != nil && !errors.Is(err, assert.ErrThresholdsFailed) {
		t.Fatalf("CheckPrometheus: %v", err)
	}
	t.Logf("the same thresholds from Prometheus:\n%s", prom.Table())
	for i := range vs {
		if vs[i].Status != prom[i].Status {
			t.Errorf("%s: %v from the merged reports, %v from Prometheus", vs[i].Expr, vs[i].Status, prom[i].Status)
		}
	}
	if vs[0].Observed != prom[0].Observed {
		t.Errorf("http_errors: %v from the merged reports, %v from Prometheus; want equal counts", vs[0].Observed, prom[0].Observed)
	}
}
