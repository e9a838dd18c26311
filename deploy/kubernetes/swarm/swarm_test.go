package swarm

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/hlsswarm/hlsswarm/assert"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// The run's shape, from the test binary's flags (the manifests' args).
// Zero values take loadtest's defaults.
var (
	originURL        = flag.String("url", "", "the origin's playlist URL (master or media playlist)")
	clients          = flag.Int("clients", 0, "viewers of the whole run, over all shards")
	ramp             = flag.Duration("ramp", 0, "time over which the run's viewers start")
	duration         = flag.Duration("duration", 0, "time every viewer plays after the ramp")
	warmUp           = flag.Duration("warmup", 0, "start of the run that thresholds ignore")
	thresholds       = exprFlag("threshold", "a threshold on this shard, checked live and at its end (repeatable); hlsswarm-merge checks the same on the merged run")
	globalThresholds = exprFlag("global-threshold", "a threshold on the whole run, checked live in Prometheus by every shard (repeatable)")
)

// exprs is a repeatable flag of threshold expressions.
type exprs []string

func (e *exprs) String() string { return strings.Join(*e, "; ") }

func (e *exprs) Set(v string) error { *e = append(*e, v); return nil }

func exprFlag(name, usage string) *exprs {
	e := new(exprs)
	flag.Var(e, name, usage)
	return e
}

// TestSwarm is one shard of a run: its share of -clients viewers of -url,
// pushed live to the Pushgateway, its report written to the shared report
// directory for hlsswarm-merge.
func TestSwarm(t *testing.T) {
	if *originURL == "" {
		if os.Getenv(loadtest.ShardIndexEnv) != "" {
			t.Fatalf("-url is empty in shard %s of an Indexed Job; want the origin's playlist URL in the Job's args", os.Getenv(loadtest.ShardIndexEnv))
		}
		t.Skip("the shard test of deploy/kubernetes: runs with -url (the origin's playlist URL), in a pod of the shard Job or by hand")
	}
	if os.Getenv(loadtest.ReportDirEnv) == "" {
		t.Fatalf("%s is empty; want the shared report directory that hlsswarm-merge reads", loadtest.ReportDirEnv)
	}
	res := loadtest.Run(t, loadtest.Config{
		URL:              *originURL,
		Clients:          *clients,
		Ramp:             *ramp,
		Duration:         *duration,
		WarmUp:           *warmUp,
		Thresholds:       *thresholds,
		GlobalThresholds: *globalThresholds,
	})
	t.Log("\n" + res.Summary())
	if len(*thresholds) > 0 {
		assert.Thresholds(t, res, *thresholds...)
	}
}
