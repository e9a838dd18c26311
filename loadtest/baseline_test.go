package loadtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestShowBaseline: a baseline's latency percentiles are drawn, dashed,
// on the percentile plot (and nothing else of it), and a run that wrote
// its HTML report gets the file written again with them.
func TestShowBaseline(t *testing.T) {
	t.Parallel()
	r := smallRun.result()
	dir := t.TempDir()
	path, err := r.writeHTMLReport(dir)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	if strings.Contains(string(before), "baseline") {
		t.Fatalf("a report without a baseline mentions one")
	}
	err = r.ShowBaseline("nightly.json", map[string]float64{
		"p50(segment_latency)":     float64(15 * time.Millisecond),
		"p95(segment_latency)":     float64(40 * time.Millisecond),
		"p(99.9)(segment_latency)": float64(90 * time.Millisecond),
		"p95(manifest_latency)":    float64(5 * time.Millisecond),
		"min(speed)":               0.99,
		"http_error_rate":          0,
	})
	if err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(filepath.Join(dir, filepath.Base(path)))
	if err != nil {
		t.Fatal(err)
	}
	page := string(after)
	ds := chartsOf(page)["percentiles"]
	if len(ds) != 4 {
		t.Fatalf("percentile plot has %d series; want segment, playlist and their two baselines", len(ds))
	}
	if !strings.Contains(page, "segment (baseline nightly.json)") || !strings.Contains(page, "playlist (baseline nightly.json)") {
		t.Errorf("the rewritten report names no baseline series")
	}
	// Three segment percentiles: a path of three points (M, then two L).
	if got := strings.Count(ds[2], "L") + strings.Count(ds[2], "M"); got != 3 {
		t.Errorf("segment baseline path %q: %d points; want 3", ds[2], got)
	}
}
