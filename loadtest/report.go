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
// [Result]:
//
//   - durations are integer nanoseconds, in fields whose names end in _ns;
//   - times are RFC 3339 with nanoseconds;
//   - counts by request kind are objects {"manifest","segment","init","unknown"};
//   - HTTP errors by status code are arrays of {"code","count"}, code 0
//     meaning a code outside 100..599;
//   - "origin" (present only when Config.Origin was set) maps kind to
//     status code (as a string key) to the origin's request count;
//   - "history" holds about one point per second, cumulative counts.
//
// Fields are only added within a schema version; a field that changes
// meaning or goes away bumps the version.
const ReportSchema = "hlsswarm.report/v1"

// WriteJSON writes r as an indented JSON report.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("loadtest: encode report: %w", err)
	}
	return nil
}

// ReadReport reads a JSON report written by [Result.WriteJSON] or by a
// run with Config.ReportDir. A report of another schema is an error. The
// Result it returns has no stats snapshot, so thresholds on it ([Result.Evaluate])
// see no data.
func ReadReport(rd io.Reader) (*Result, error) {
	var r Result
	if err := json.NewDecoder(rd).Decode(&r); err != nil {
		return nil, fmt.Errorf("loadtest: decode report: %w", err)
	}
	if r.Schema != ReportSchema {
		return nil, fmt.Errorf("loadtest: report schema %q; want %q", r.Schema, ReportSchema)
	}
	r.warmUp = r.Config.WarmUp
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

// writeReport writes <dir>/<test>.json.
func (r *Result) writeReport(dir string) (string, error) {
	return writeFileAtomic(dir, reportFileName(r.Test)+".json", r.WriteJSON)
}
