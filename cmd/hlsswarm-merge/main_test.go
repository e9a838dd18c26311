package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hlsswarm/hlsswarm/loadtest"
)

// shards is the report directory of a deterministic run of 8 viewers in 4
// shards in which viewer 3 got a 503 on every other segment (pinned by
// loadtest's TestReportGolden).
const shards = "../../loadtest/testdata/shards"

func TestMergePasses(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "merged.json")
	html := filepath.Join(t.TempDir(), "merged.html")
	var stdout, stderr bytes.Buffer
	code := run([]string{"-o", out, "-html", html, "-threshold", "http_errors{code=503} <= 1", "-threshold", "p95(segment_latency) < 1s", shards}, &stdout, &stderr)
	if code != exitPass {
		t.Fatalf("exit %d; want %d\nstdout:\n%s\nstderr:\n%s", code, exitPass, &stdout, &stderr)
	}
	for _, want := range []string{"run run-1: 4 shards, 8 viewers", "thresholds: 2 passed", "http_errors{code=503} <= 1", "✓ pass"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, &stdout)
		}
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatalf("merged report: %v", err)
	}
	defer f.Close()
	merged, err := loadtest.ReadReport(f)
	if err != nil {
		t.Fatalf("ReadReport(merged): %v", err)
	}
	if got, want := len(merged.Viewers), 8; got != want || len(merged.Shards) != 4 {
		t.Errorf("merged report: %d viewers, %d shards; want %d and 4", got, len(merged.Shards), want)
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatalf("merged HTML report: %v", err)
	}
	// The merged run renders as a live one: its charts over time are drawn.
	for _, want := range []string{"<svg", "Requests per second by kind", "<path class=\"series"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("merged HTML report lacks %q", want)
		}
	}
}

func TestMergeFailsOnThreshold(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	code := run([]string{"-o", "", "-threshold", "http_errors == 0", "-threshold", "timeouts == 0", shards}, &stdout, &stderr)
	if code != exitFail {
		t.Fatalf("exit %d; want %d (a threshold failed)\nstdout:\n%s\nstderr:\n%s", code, exitFail, &stdout, &stderr)
	}
	for _, want := range []string{"thresholds: 1 of 2 failed", "http_errors == 0", "✗ fail"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, &stdout)
		}
	}
}

func TestMergeUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no reports", []string{"-threshold", "timeouts == 0"}, "no reports given"},
		{"missing shard", []string{"-o", "", "-threshold", "timeouts == 0",
			shards + "/shard_0.json", shards + "/shard_1.json", shards + "/shard_3.json"}, "shard(s) 2 missing"},
		{"no thresholds", []string{"-o", "", shards}, "no thresholds"},
		{"bad threshold", []string{"-o", "", "-threshold", "p95(nothing) < 1s", shards}, "nothing"},
		{"no such file", []string{"-threshold", "timeouts == 0", "no-such.json"}, "no-such.json"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if code := run(tt.args, &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", tt.name, code, &stderr, exitUsage, tt.want)
		}
	}
}
