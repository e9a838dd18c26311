// Command hlsswarm-merge merges the JSON reports of the shards of one run
// (report schema v2, written by each shard's Config.ReportDir) into the
// report one fleet of all their viewers would have written, checks
// thresholds on it, and prints the verdict table. It exits 0 when every
// threshold passed, 1 when one failed, and 2 on bad usage or reports that
// are not the shards of one run.
//
// Usage:
//
//	hlsswarm-merge [-o merged.json] [-html merged.html] [-threshold expr]... report.json|dir...
//
// A directory stands for every *.json report in it. Without -threshold the
// thresholds are those the run was configured with (Config.Thresholds,
// echoed in the reports); with none at all it is a usage error, since a
// check of nothing cannot fail. In a test, the same is
// loadtest.MergeReportFiles then assert.Thresholds.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/hlsswarm/hlsswarm/assert"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// exprs is a repeatable -threshold flag.
type exprs []string

func (e *exprs) String() string     { return fmt.Sprint(*e) }
func (e *exprs) Set(v string) error { *e = append(*e, v); return nil }

// Exit statuses.
const (
	exitPass   = 0
	exitFail   = 1
	exitUsage  = 2
	usageTrail = "usage: hlsswarm-merge [-o merged.json] [-html merged.html] [-threshold expr]... report.json|dir..."
)

// run is the command, for tests: args without the program name.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hlsswarm-merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "hlsswarm-merged.json", "write the merged report to this file (\"\" for none)")
	htmlOut := fs.String("html", "", "also write the merged run's HTML report (charts and tables, one offline file) to this file")
	var thresholds exprs
	fs.Var(&thresholds, "threshold", "a threshold expression (see package assert); repeat for more; default: the run's Config.Thresholds")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "hlsswarm-merge: no reports given\n"+usageTrail)
		return exitUsage
	}
	merged, err := loadtest.MergeReportFiles(fs.Args()...)
	if err != nil {
		fmt.Fprintf(stderr, "hlsswarm-merge: %v\n", err)
		return exitUsage
	}
	if *out != "" {
		if err := merged.WriteReportFile(*out); err != nil {
			fmt.Fprintf(stderr, "hlsswarm-merge: %v\n", err)
			return exitUsage
		}
	}
	if *htmlOut != "" {
		if err := writeHTML(merged, *htmlOut); err != nil {
			fmt.Fprintf(stderr, "hlsswarm-merge: %v\n", err)
			return exitUsage
		}
	}
	fmt.Fprintf(stdout, "run %s: %d shards, %d viewers, %s\n", merged.Config.RunID, len(merged.Shards), len(merged.Viewers), merged.Elapsed().Round(1e6))
	if len(thresholds) == 0 {
		thresholds = merged.Config.Thresholds
	}
	if len(thresholds) == 0 {
		fmt.Fprintln(stderr, "hlsswarm-merge: no thresholds: pass -threshold, or set Config.Thresholds in the run\n"+usageTrail)
		return exitUsage
	}
	vs, err := assert.Check(merged, thresholds...)
	switch {
	case errors.Is(err, assert.ErrThresholdsFailed):
		fmt.Fprintf(stdout, "thresholds: %d of %d failed\n%s", len(vs.Failed()), len(vs), vs.Table())
		return exitFail
	case err != nil:
		fmt.Fprintf(stderr, "hlsswarm-merge: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "thresholds: %d passed\n%s", len(vs), vs.Table())
	return exitPass
}

// writeHTML writes the merged run's HTML report to path.
func writeHTML(r *loadtest.Result, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	if err := r.WriteHTML(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	return nil
}
