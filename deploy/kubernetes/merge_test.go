package kubernetes

import (
	"flag"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/hlsswarm/hlsswarm/loadtest"
)

// mergeArgs are hlsswarm-merge's args, parsed as the command parses them.
type mergeArgs struct {
	out        string
	thresholds []string
	reports    []string
}

func parseMergeArgs(args []string) (mergeArgs, error) {
	var a mergeArgs
	fs := flag.NewFlagSet("hlsswarm-merge", flag.ContinueOnError)
	fs.StringVar(&a.out, "o", "hlsswarm-merged.json", "")
	fs.Func("threshold", "", func(v string) error { a.thresholds = append(a.thresholds, v); return nil })
	if err := fs.Parse(args); err != nil {
		return a, err
	}
	a.reports = fs.Args()
	return a, nil
}

// The merge Job reads the reports the shards write, on the same volume,
// checks the shards' thresholds, and runs once, after them.
func TestMergeJob(t *testing.T) {
	m := mustLoad(t)
	shardJob, mergeJob := m.jobs[shardJobName], m.jobs[mergeJobName]
	if mergeJob == nil {
		t.Fatalf("no Job %s in the manifests", mergeJobName)
	}
	shard, merge := oneContainer(t, shardJob), oneContainer(t, mergeJob)
	shardEnv, err := m.containerEnv(shard)
	if err != nil {
		t.Fatal(err)
	}
	mergeEnv, err := m.containerEnv(merge)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := mergeEnv[loadtest.RunIDEnv], shardEnv[loadtest.RunIDEnv]; got != want {
		t.Errorf("merge %s = %q; want the shards', %q", loadtest.RunIDEnv, got, want)
	}
	spec := mergeJob.Spec
	if spec.BackoffLimit == nil || *spec.BackoffLimit != 0 {
		t.Errorf("backoffLimit = %s; want 0: a failed verdict is a result, not an error to retry", deref(spec.BackoffLimit))
	}
	if p := spec.Template.Spec.RestartPolicy; p != corev1.RestartPolicyNever {
		t.Errorf("restartPolicy = %q; want Never", p)
	}
	if spec.ActiveDeadlineSeconds == nil || *spec.ActiveDeadlineSeconds <= *shardJob.Spec.ActiveDeadlineSeconds {
		t.Errorf("activeDeadlineSeconds = %s; want above the shard Job's, %d: the merge waits for the shards", deref(spec.ActiveDeadlineSeconds), *shardJob.Spec.ActiveDeadlineSeconds)
	}

	shardMount, err := reportsMount(shardJob, shard)
	if err != nil {
		t.Fatal(err)
	}
	mergeMount, err := reportsMount(mergeJob, merge)
	if err != nil {
		t.Fatal(err)
	}
	if mergeMount.MountPath != shardMount.MountPath || mergeMount.SubPath != shardMount.SubPath {
		t.Errorf("merge mounts %s at %s (subPath %q); want the shards' mount, %s (subPath %q)", reportsPVCName, mergeMount.MountPath, mergeMount.SubPath, shardMount.MountPath, shardMount.SubPath)
	}
	if pvc, ok := m.pvcs[reportsPVCName]; !ok {
		t.Errorf("no PersistentVolumeClaim %s in the manifests", reportsPVCName)
	} else if !slices.Contains(pvc.Spec.AccessModes, corev1.ReadWriteMany) {
		t.Errorf("PVC %s access modes %v; want ReadWriteMany: shards on several nodes write to it", reportsPVCName, pvc.Spec.AccessModes)
	}

	args := make([]string, len(merge.Args))
	for i, a := range merge.Args {
		args[i] = expand(a, mergeEnv)
	}
	a, err := parseMergeArgs(args)
	if err != nil {
		t.Fatalf("hlsswarm-merge args %q: %v", args, err)
	}
	reportDir := shardEnv[loadtest.ReportDirEnv]
	if !slices.Equal(a.reports, []string{reportDir}) {
		t.Errorf("hlsswarm-merge reads %q; want the shards' %s, %q", a.reports, loadtest.ReportDirEnv, reportDir)
	}
	if a.out == "" || !strings.HasPrefix(a.out, mergeMount.MountPath+"/") || strings.HasPrefix(a.out, reportDir+"/") {
		t.Errorf("-o %q; want a file on the report volume outside %s (a merged report there would be read as a shard's by the next merge)", a.out, reportDir)
	}
	shardFlags, err := flagArgs(shard.Args)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.thresholds, shardFlags["threshold"]) {
		t.Errorf("hlsswarm-merge -threshold %q; want the shards' -threshold %q, the same verdict on the whole run", a.thresholds, shardFlags["threshold"])
	}

	inits := spec.Template.Spec.InitContainers
	if len(inits) != 1 {
		t.Fatalf("%d init containers; want 1, waiting for the shards' reports", len(inits))
	}
	initEnv, err := m.containerEnv(inits[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{loadtest.RunIDEnv, loadtest.ShardCountEnv} {
		if initEnv[name] != shardEnv[name] {
			t.Errorf("init container %s = %q; want the shards', %q", name, initEnv[name], shardEnv[name])
		}
	}
	if _, err := reportsMount(mergeJob, inits[0]); err != nil {
		t.Error(err)
	}
}

// Without a bound, a run is not a test: every workload has one.
func TestRunIsBounded(t *testing.T) {
	m := mustLoad(t)
	for name, job := range m.jobs {
		if d := job.Spec.ActiveDeadlineSeconds; d == nil || time.Duration(*d)*time.Second > 24*time.Hour {
			t.Errorf("Job %s: activeDeadlineSeconds = %s; want at most a day", name, deref(d))
		}
	}
}
