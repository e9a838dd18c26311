package loadtest

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ReportSchema identifies the JSON report format, written as the
// "schema" field of every report. The format is the JSON encoding of
// [Result], compact (one line; pipe it through jq to read it):
//
//   - durations are integer nanoseconds, in fields whose names end in _ns;
//   - times are RFC 3339 with nanoseconds;
//   - counts by request kind are objects {"manifest","segment","init","unknown"};
//   - HTTP errors by status code are arrays of {"code","count"}, code 0
//     meaning a code outside 100..599;
//   - "origin" (present only when Config.Origin was set) maps kind to
//     status code (as a string key) to the origin's request count;
//   - "history" holds about one point per second, cumulative counts;
//   - "histograms" (whole run) and each history point's "histograms" and
//     "totals" hold the latency histograms and counts losslessly (see
//     [Histogram] for the bucket list), so that [ReadReport] rebuilds
//     what thresholds read and [Merge] adds shards up exactly;
//   - "shards" lists the shards of a merged report.
//
// Fields are only added within a schema version; a field that changes
// meaning or goes away bumps the version. Version 2 added the histograms,
// the full counts per history point, the shard, run id and start time in
// "config", and "stats_epoch"/"stats_elapsed_ns"; [ReadReport] still reads
// version 1 reports (hlsswarm.report/v1), without latencies or history.
const ReportSchema = "hlsswarm.report/v2"

// reportSchemaV1 is the first report schema: no histograms, a partial
// history. ReadReport reads it.
const reportSchemaV1 = "hlsswarm.report/v1"

// WriteJSON writes r as a JSON report, compact: a history point per
// second with its histograms would more than double in size indented.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("loadtest: encode report: %w", err)
	}
	return nil
}

// ReadReport reads a JSON report written by [Result.WriteJSON], by a run
// with Config.ReportDir, or by [Merge]. The Result it returns is judged by
// package assert as the live one was: its stats snapshot and history are
// rebuilt from the report's histograms and counts, so every threshold
// (percentiles, rates, windows, warm-up) gives the verdict it gave on the
// live Result. A version 1 report (hlsswarm.report/v1) reads too, with
// the counts of the whole run only: it holds no histograms and no full
// history, so latency thresholds on it have no data and windows none
// either. A report of another schema, or whose histograms do not add up,
// is an error.
func ReadReport(rd io.Reader) (*Result, error) {
	var r Result
	if err := json.NewDecoder(rd).Decode(&r); err != nil {
		return nil, fmt.Errorf("loadtest: decode report: %w", err)
	}
	if r.Schema != ReportSchema && r.Schema != reportSchemaV1 {
		return nil, fmt.Errorf("loadtest: report schema %q; want %q (or %q)", r.Schema, ReportSchema, reportSchemaV1)
	}
	if r.Schema == reportSchemaV1 {
		r.Histograms = nil // not part of v1: never trust one
	}
	r.warmUp = r.Config.WarmUp
	if err := r.restoreStats(); err != nil {
		return nil, fmt.Errorf("loadtest: report: %w", err)
	}
	return &r, nil
}

// reportFileName turns a test name ("TestX/sub case#01") into a file name
// stem safe on every file system ("TestX_sub_case_01").
func reportFileName(test string) string {
	var b strings.Builder
	for _, c := range test {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '.':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	s := strings.Trim(b.String(), "._")
	if s == "" {
		s = "hlsswarm"
	}
	return s
}

// writeFileAtomic writes data produced by fill to dir/name through a
// temporary file, so a reader never sees half a report.
func writeFileAtomic(dir, name string, fill func(io.Writer) error) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("loadtest: report dir: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+name+".*")
	if err != nil {
		return "", fmt.Errorf("loadtest: report file: %w", err)
	}
	defer os.Remove(f.Name())
	if err := fill(f); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("loadtest: report file: %w", err)
	}
	path := filepath.Join(dir, name)
	if err := os.Rename(f.Name(), path); err != nil {
		return "", fmt.Errorf("loadtest: report file: %w", err)
	}
	return path, nil
}

// writeReport writes <dir>/<stem>.json (see reportStem).
func (r *Result) writeReport(dir string) (string, error) {
	return writeFileAtomic(dir, r.reportStem()+".json", r.WriteJSON)
}

// reportStem is the name of a run's report files without extension: the
// test's, and in a sharded run "<test>.shard-<i>-of-<n>", so that shards
// writing to one directory (or gathered into one) do not overwrite each
// other.
func (r *Result) reportStem() string {
	stem := reportFileName(r.Test)
	if s := r.Config.Shard; s.Sharded() {
		stem += fmt.Sprintf(".shard-%d-of-%d", s.Index, s.Count)
	}
	return stem
}
