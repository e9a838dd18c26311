package kubernetes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/loadtest"
)

// buildBinary runs the go command of the Dockerfile's build b here (with
// its stage's ENV, such as CGO_ENABLED=0), with its output in dir, and
// returns the binary's path.
func buildBinary(t *testing.T, b goBuild, dir string) string {
	t.Helper()
	out := filepath.Join(dir, filepath.Base(b.out))
	pkg := b.pkg
	args := []string{"build", "-o", out}
	if b.test {
		args = []string{"test", "-c", "-o", out}
	} else if strings.HasPrefix(pkg, "./") {
		pkg = "github.com/hlsswarm/hlsswarm/" + strings.TrimPrefix(pkg, "./") // the repository's root, required by this module
	}
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Env = append(os.Environ(), b.env...)
	if outb, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(append(args, pkg), " "), err, outb)
	}
	return out
}

// The test binary the image holds accepts the shard Job's args (an unknown
// flag would end every pod at once) and its -test.run selects a test.
func TestShardArgsSelectATest(t *testing.T) {
	m := mustLoad(t)
	shard := oneContainer(t, m.jobs[shardJobName])
	b, err := mustParseDockerfile(t).built(shard.Command[0])
	if err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t, b, t.TempDir())
	env, err := m.containerEnv(shard)
	if err != nil {
		t.Fatal(err)
	}
	flags, err := flagArgs(shard.Args)
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, a := range shard.Args {
		args = append(args, expand(a, env))
	}
	args = append(args, "-test.list="+flags["test.run"][0])
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %q: %v\n%s", filepath.Base(bin), args, err, out)
	}
	if tests := strings.Fields(string(out)); len(tests) != 1 {
		t.Errorf("-test.run %q selects %q; want one test", flags["test.run"][0], tests)
	}
}

// The merge Job, as written, waits for every shard's report and merges
// them: run on the reports of a four-shard run (loadtest's testdata),
// named as shards name them, with /reports on a temporary directory.
func TestMergeJobOnShardReports(t *testing.T) {
	m := mustLoad(t)
	job := m.jobs[mergeJobName]
	merge := oneContainer(t, job)
	mount, err := reportsMount(job, merge)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	onVolume := func(s string) string { return strings.ReplaceAll(s, mount.MountPath+"/", root+"/") }

	// The run of the testdata reports, in place of the manifests' own.
	const runID, shards = "run-1", 4
	run := m.configMaps[runConfigName]
	run.Data[loadtest.RunIDEnv], run.Data[loadtest.ShardCountEnv] = runID, fmt.Sprint(shards)
	env, err := m.containerEnv(merge)
	if err != nil {
		t.Fatal(err)
	}
	shardEnv, err := m.containerEnv(oneContainer(t, m.jobs[shardJobName]))
	if err != nil {
		t.Fatal(err)
	}
	reportDir := onVolume(shardEnv[loadtest.ReportDirEnv])
	if err := os.MkdirAll(reportDir, 0o755); err != nil {
		t.Fatal(err)
	}
	wait := job.Spec.Template.Spec.InitContainers[0]
	if len(wait.Command) != 3 || wait.Command[0] != "/bin/sh" || wait.Command[1] != "-c" {
		t.Fatalf("init container command %q; want /bin/sh -c SCRIPT", wait.Command)
	}
	script := onVolume(wait.Command[2])
	waitEnv, err := m.containerEnv(wait)
	if err != nil {
		t.Fatal(err)
	}
	runWait := func(timeout time.Duration) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "/bin/sh", "-c", script)
		cmd.WaitDelay = time.Second // the script's sleep outlives the killed shell
		cmd.Env = os.Environ()
		for k, v := range waitEnv {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		out, err := cmd.CombinedOutput()
		if ctx.Err() != nil {
			return string(out), ctx.Err()
		}
		return string(out), err
	}

	// The reports as the shards of TestSwarm name them, the last one
	// after a first look of the init container.
	for i := range shards {
		raw, err := os.ReadFile(filepath.Join("../../loadtest/testdata/shards", fmt.Sprintf("shard_%d.json", i)))
		if err != nil {
			t.Fatal(err)
		}
		res, err := loadtest.ReadReport(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if res.Config.RunID != runID || res.Config.Shard != (loadtest.Shard{Index: i, Count: shards}) {
			t.Fatalf("testdata shard_%d.json: run %q, shard %v; want %q, %d/%d", i, res.Config.RunID, res.Config.Shard, runID, i, shards)
		}
		if i == shards-1 {
			out, err := runWait(2 * time.Second)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("init container with %d of %d reports: %v; want it still waiting\n%s", i, shards, err, out)
			}
			if want := fmt.Sprintf("%d of %d shard reports", i, shards); !strings.Contains(out, want) {
				t.Errorf("init container log %q; want %q", out, want)
			}
		}
		name := fmt.Sprintf("TestSwarm.shard-%d-of-%d.json", i, shards)
		if err := os.WriteFile(filepath.Join(reportDir, name), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := runWait(30 * time.Second); err != nil {
		t.Fatalf("init container with every report: %v; want exit 0\n%s", err, out)
	}

	b, err := mustParseDockerfile(t).built(merge.Command[0])
	if err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t, b, t.TempDir())
	var args []string
	for _, a := range merge.Args {
		args = append(args, onVolume(expand(a, env)))
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if err != nil && (!errors.As(err, &exit) || exit.ExitCode() != 1) {
		t.Fatalf("hlsswarm-merge %q: %v; want exit 0 (pass) or 1 (a threshold failed)\n%s%s", args, err, &stdout, &stderr)
	}
	if want := fmt.Sprintf("run %s: %d shards", runID, shards); !strings.Contains(stdout.String(), want) {
		t.Errorf("hlsswarm-merge printed %q; want %q", &stdout, want)
	}
	a, err := parseMergeArgs(args)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(a.out)
	if err != nil {
		t.Fatalf("merged report: %v", err)
	}
	defer f.Close()
	merged, err := loadtest.ReadReport(f)
	if err != nil {
		t.Fatalf("merged report: %v", err)
	}
	if len(merged.Shards) != shards {
		t.Errorf("merged report of %d shards; want %d", len(merged.Shards), shards)
	}
}
