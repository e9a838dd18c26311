package loadtest

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// MergeReportFiles reads the shards' JSON reports and merges them (see
// [Merge]). A path that is a directory stands for every *.json file in it
// (the ReportDir of each shard, gathered in one place). It reads each file
// twice, first for the run's clock, then to fold the shard in, so that it
// holds one shard's history at a time rather than all of them (several
// megabytes per shard of a 10-minute run). Errors name the file.
func MergeReportFiles(paths ...string) (*Result, error) {
	files, err := reportFiles(paths)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: no report files in %q; want the shards' <test>.json reports", ErrMerge, paths)
	}
	headers := make([]reportHeader, len(files))
	for i, f := range files {
		if err := readReportHeader(f, &headers[i]); err != nil {
			return nil, err
		}
		headers[i].path = f
	}
	sort.SliceStable(headers, func(i, j int) bool { return headers[i].Config.Shard.Index < headers[j].Config.Shard.Index })
	clocks := make([]shardClock, len(headers))
	for i := range headers {
		clocks[i] = headers[i].clock()
	}
	m := newMerger(layoutOf(clocks))
	var check shardCheck
	for _, h := range headers {
		r, err := readReportFile(h.path)
		if err != nil {
			return nil, err
		}
		if err := check.add(r); err != nil {
			return nil, fmt.Errorf("%s: %w", h.path, err)
		}
		if err := m.add(r); err != nil {
			return nil, fmt.Errorf("%s: %w", h.path, err)
		}
	}
	if err := check.finish(); err != nil {
		return nil, fmt.Errorf("%w (files %q)", err, files)
	}
	return m.result(), nil
}

// reportHeader is what MergeReportFiles reads of a report to lay out the
// merged clock.
type reportHeader struct {
	path         string
	Config       ConfigEcho    `json:"config"`
	Start        time.Time     `json:"start"`
	End          time.Time     `json:"end"`
	StatsEpoch   time.Time     `json:"stats_epoch"`
	StatsElapsed time.Duration `json:"stats_elapsed_ns"`
	History      []struct {
		Elapsed time.Duration `json:"elapsed_ns"`
	} `json:"history"`
}

// clock returns the shard's clock as clockOf gives it for the Result that
// ReadReport makes of the same report.
func (h *reportHeader) clock() shardClock {
	c := shardClock{epoch: h.StatsEpoch, final: h.StatsElapsed}
	if c.final == 0 {
		c.final = h.End.Sub(h.Start) // as restoreStats
	}
	for _, p := range h.History {
		c.elapsed = append(c.elapsed, p.Elapsed)
	}
	return c
}

func readReportHeader(path string, h *reportHeader) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("loadtest: report: %w", err)
	}
	defer f.Close()
	if err := json.NewDecoder(f).Decode(h); err != nil {
		return fmt.Errorf("%s: loadtest: decode report: %w", path, err)
	}
	return nil
}

// reportFiles expands directories into their *.json files, sorted.
func reportFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("loadtest: report: %w", err)
		}
		if !fi.IsDir() {
			out = append(out, p)
			continue
		}
		m, err := filepath.Glob(filepath.Join(p, "*.json"))
		if err != nil {
			return nil, fmt.Errorf("loadtest: report dir %s: %w", p, err)
		}
		sort.Strings(m)
		out = append(out, m...)
	}
	return out, nil
}

func readReportFile(path string) (*Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("loadtest: report: %w", err)
	}
	defer f.Close()
	r, err := ReadReport(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// WriteReportFile writes r's JSON report to path, atomically (a reader
// never sees half of it).
func (r *Result) WriteReportFile(path string) error {
	_, err := writeFileAtomic(filepath.Dir(path), filepath.Base(path), func(w io.Writer) error { return r.WriteJSON(w) })
	return err
}
