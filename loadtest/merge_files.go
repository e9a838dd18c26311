package loadtest

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// MergeReportFiles reads the shards' JSON reports and merges them (see
// [Merge]). A path that is a directory stands for every *.json file in it
// (the ReportDir of each shard, gathered in one place). Errors name the
// file.
func MergeReportFiles(paths ...string) (*Result, error) {
	files, err := reportFiles(paths)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: no report files in %q; want the shards' <test>.json reports", ErrMerge, paths)
	}
	rs := make([]*Result, 0, len(files))
	for _, f := range files {
		r, err := readReportFile(f)
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	m, err := Merge(rs...)
	if err != nil {
		return nil, fmt.Errorf("%w (files %q)", err, files)
	}
	return m, nil
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
