package loadtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"gotest.tools/v3/golden"
)

// goldenReport checks r's report against testdata/name, indented there
// for review (the file written is the same document, compact), and that
// the golden document reads back into a Result that writes it again.
func goldenReport(t *testing.T, r *Result, name string) {
	t.Helper()
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(buf.Bytes(), []byte("\n")); n != 1 {
		t.Errorf("report has %d lines; want one (compact JSON)", n)
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, buf.Bytes(), "", "  "); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, indented.String(), name)
	back, err := ReadReport(bytes.NewReader(golden.Get(t, name)))
	if err != nil {
		t.Fatalf("ReadReport(%s): %v", name, err)
	}
	var again bytes.Buffer
	if err := back.WriteJSON(&again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Errorf("%s read back writes a different report:\n%s\nwant\n%s", name, again.Bytes(), buf.Bytes())
	}
}

// TestReportGolden pins report schema v2: a deterministic run of two
// viewers, and a merge of four shards. Run go test ./loadtest -update
// after a deliberate change, and bump ReportSchema if a field changed
// meaning.
func TestReportGolden(t *testing.T) {
	t.Parallel()
	goldenReport(t, recordedResult(t), "report_v2.golden")
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	shards := simShards(t0, 4, 8, 3, 250*time.Millisecond, map[int]bool{3: true})
	for i, r := range shards {
		// Also the input of cmd/hlsswarm-merge's tests.
		goldenReport(t, r, fmt.Sprintf("shards/shard_%d.json", i))
	}
	merged, err := Merge(shards...)
	if err != nil {
		t.Fatal(err)
	}
	goldenReport(t, merged, "report_v2_merged.golden")
}
