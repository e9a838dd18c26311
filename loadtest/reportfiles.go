package loadtest

import (
	"flag"
	"testing"
)

// artifactsFlag is the test binary's flag that makes t.ArtifactDir keep
// its files (go test -artifacts, Go 1.26).
const artifactsFlag = "test.artifacts"

// reportDirFor returns where a run's reports go: dir (Config.ReportDir or
// HLSSWARM_REPORT_DIR) when set, else the test's artifact directory when
// the test binary runs with -artifacts, else "" (no files). Call it from
// the test goroutine: ArtifactDir may fail the test.
func reportDirFor(t testing.TB, dir string) string {
	if dir != "" {
		return dir
	}
	if fl := flag.Lookup(artifactsFlag); fl == nil || fl.Value.String() != "true" {
		return "" // without -artifacts, ArtifactDir is a temporary directory removed with the test
	}
	// Through an interface: ArtifactDir is new in Go 1.26, and go.mod
	// allows 1.25.
	if a, ok := t.(interface{ ArtifactDir() string }); ok {
		return a.ArtifactDir()
	}
	return ""
}

// writeHTMLReport writes <dir>/<stem>.html (see reportStem).
// It remembers the path, for ShowBaseline.
func (r *Result) writeHTMLReport(dir string) (string, error) {
	path, err := writeFileAtomic(dir, r.reportStem()+".html", r.WriteHTML)
	if err == nil {
		r.htmlPath = path
	}
	return path, err
}

// reportWritten logs a report's path and attaches it to the test as the
// attribute hlsswarm.report.<ext> (t.Attr), so that go test -json carries
// it to CI.
func reportWritten(t testing.TB, ext, path string) {
	t.Helper()
	t.Logf("loadtest: %s report written to %s", ext, path)
	t.Attr("hlsswarm.report."+ext, path)
}
