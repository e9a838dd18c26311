package loadtest

import (
	"bytes"
	"flag"
	"regexp"
	"strings"
	"testing"
	"time"

	"gotest.tools/v3/golden"
)

func writeHTML(t testing.TB, r *Result) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// smallRun is the run of the golden file: 6 viewers for 40 s, 503s from
// 20 s to 24 s.
var smallRun = syntheticRun{viewers: 6, seconds: 40, burstFrom: 20, burstTo: 24}

func TestWriteHTMLGolden(t *testing.T) {
	t.Parallel()
	golden.Assert(t, writeHTML(t, smallRun.result()), "report.golden.html")
}

var (
	svgRe   = regexp.MustCompile(`(?s)<svg [^>]*id="([^"]+)".*?</svg>`)
	pathDRe = regexp.MustCompile(`<path class="series"[^>]* d="(M[^"]+)"`)
)

// chartsOf returns each chart's id and its series paths' d attributes.
func chartsOf(page string) map[string][]string {
	out := map[string][]string{}
	for _, m := range svgRe.FindAllStringSubmatch(page, -1) {
		var ds []string
		for _, d := range pathDRe.FindAllStringSubmatch(m[0], -1) {
			ds = append(ds, d[1])
		}
		out[m[1]] = ds
	}
	return out
}

// TestWriteHTMLStructure: every chart of a run with a failed threshold is
// there and has drawn lines, the failed thresholds have their marker, and
// the page refers to nothing outside itself.
func TestWriteHTMLStructure(t *testing.T) {
	t.Parallel()
	page := writeHTML(t, smallRun.result())
	charts := chartsOf(page)
	for _, id := range []string{"viewers", "requests", "errors", "segment-latency", "playlist-latency", "speed", "drift",
		"percentiles", "threshold-0", "threshold-1", "threshold-2"} {
		ds, ok := charts[id]
		if !ok {
			t.Errorf("chart %s missing (have %v)", id, keys(charts))
			continue
		}
		if len(ds) == 0 || !strings.Contains(ds[0], "L") {
			t.Errorf("chart %s has no drawn line: %q", id, ds)
		}
	}
	// http_errors{code=503} == 0 fails at the first 503 (21 s); min(speed)
	// fails when viewer 1 stalls (37 s); the latency threshold passes.
	for id, want := range map[string]string{"threshold-0": ">fail at 21s<", "threshold-2": ">fail at 37s<"} {
		if m := regexp.MustCompile(`(?s)<svg [^>]*id="` + id + `".*?</svg>`).FindString(page); !strings.Contains(m, `class="marker"`) || !strings.Contains(m, want) {
			t.Errorf("%s: no marker %s", id, want)
		}
	}
	if m := regexp.MustCompile(`(?s)<svg [^>]*id="threshold-1".*?</svg>`).FindString(page); strings.Contains(m, `class="marker"`) {
		t.Errorf("the passing threshold has a marker")
	}
	for _, want := range []string{`id="verdict">failed<`, "Origin ground truth", "5.1.6 /usr/bin/ffmpeg", `class="span"`, ">warm-up<", ">ramp<"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// Nothing to fetch: no src, no link, no url(), no @import; the only
	// http URLs are the svg namespace and the run's own URL, as text.
	for _, bad := range []string{"src=", "<link", "url(", "@import", "<script"} {
		if strings.Contains(page, bad) {
			t.Errorf("page holds %q: it must load nothing", bad)
		}
	}
	for _, u := range regexp.MustCompile(`https?://[^"<\s]+`).FindAllString(page, -1) {
		if u != "http://www.w3.org/2000/svg" && !strings.HasPrefix(u, "http://127.0.0.1:8080/") {
			t.Errorf("page refers to %s", u)
		}
	}
	// Worst first: viewer 1 stalled, so its row leads the table.
	rows := regexp.MustCompile(`<tr class="bad"><td class="n">(\d+)</td><td>(\w+)</td>`).FindAllStringSubmatch(page[strings.Index(page, `id="viewer-table"`):], -1)
	if len(rows) == 0 || rows[0][1] != "1" || rows[0][2] != "stalled" {
		t.Errorf("first viewer rows %v; want viewer 1, stalled", rows)
	}
}

// TestWriteHTMLRenditions: the viewers are summed by rendition, the
// rendition of the stalled viewer (0, on /v0/) first, and every viewer
// counted once.
func TestWriteHTMLRenditions(t *testing.T) {
	t.Parallel()
	r := smallRun.result()
	rows := r.htmlRenditions()
	if len(rows) != 3 {
		t.Fatalf("%d rendition rows; want 3", len(rows))
	}
	viewers := 0
	var requests uint64
	for _, row := range rows {
		viewers += row.Viewers
		requests += row.Requests
	}
	if viewers != len(r.Viewers) || requests != r.Totals.Requests.Total() {
		t.Errorf("rendition rows hold %d viewers and %d requests; want %d and %d", viewers, requests, len(r.Viewers), r.Totals.Requests.Total())
	}
	page := writeHTML(t, r)
	if !strings.Contains(page, `id="rendition-table"`) || !strings.Contains(page, "/v1/index.m3u8") {
		t.Errorf("the page has no rendition table naming the renditions")
	}
	// Without renditions (an older report), no table.
	for i := range r.Viewers {
		r.Viewers[i].Rendition = ""
	}
	if r.htmlRenditions() != nil || strings.Contains(writeHTML(t, r), `id="rendition-table"`) {
		t.Errorf("a run without renditions got a rendition table")
	}
}

// TestWriteHTMLReadBack: a report read back renders as the live run did.
func TestWriteHTMLReadBack(t *testing.T) {
	t.Parallel()
	var js bytes.Buffer
	if err := smallRun.result().WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	r, err := ReadReport(&js)
	if err != nil {
		t.Fatal(err)
	}
	page := writeHTML(t, r)
	charts := chartsOf(page)
	for _, id := range []string{"viewers", "requests", "errors", "segment-latency", "speed", "percentiles"} {
		if ds := charts[id]; len(ds) == 0 {
			t.Errorf("read-back report: chart %s has no line", id)
		}
	}
	// A v2 report holds every histogram and history point: the page is
	// the live run's, byte for byte.
	if live := writeHTML(t, smallRun.result()); page != live {
		t.Errorf("the HTML of a report read back differs from the live run's")
	}
}

// TestWriteHTMLSize: a 10-minute run of 1,000 viewers stays under 1 MB.
// The output is deterministic, so its size is a unit test, not a benchmark.
func TestWriteHTMLSize(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds a 10-minute history of 1,000 viewers")
	}
	r := syntheticRun{viewers: 1000, seconds: 600, burstFrom: 300, burstTo: 320}.result()
	page := writeHTML(t, r)
	const limit = 1 << 20
	if len(page) > limit {
		t.Errorf("report of 1,000 viewers over 10 minutes is %d bytes; want at most %d", len(page), limit)
	}
	if n := strings.Count(page, `<td class="n">`); n < 1000 {
		t.Errorf("only %d numeric cells: the viewer table is missing", n)
	}
	t.Logf("HTML report of 1,000 viewers over 600 s: %d bytes", len(page))
}

func BenchmarkWriteHTML(b *testing.B) {
	r := syntheticRun{viewers: 1000, seconds: 600, burstFrom: 300, burstTo: 320}.result()
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := r.WriteHTML(&buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/report")
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestReportDirFor(t *testing.T) {
	t.Parallel()
	if got := reportDirFor(t, "/some/dir"); got != "/some/dir" {
		t.Errorf("reportDirFor with a dir = %q; want it", got)
	}
	got := reportDirFor(t, "")
	if fl := flag.Lookup(artifactsFlag); fl != nil && fl.Value.String() == "true" {
		want := testing.TB(t).(interface{ ArtifactDir() string }).ArtifactDir() // Go 1.26; go.mod allows 1.25
		if got != want {
			t.Errorf("with -artifacts: reportDirFor = %q; want t.ArtifactDir() %q", got, want)
		}
	} else if got != "" {
		t.Errorf("without -artifacts: reportDirFor = %q; want no directory", got)
	}
}

// TestWriteHTMLWithoutData: a Result that measured nothing still renders,
// each chart saying "no data" rather than drawing empty axes.
func TestWriteHTMLWithoutData(t *testing.T) {
	t.Parallel()
	page := writeHTML(t, &Result{Config: ConfigEcho{Thresholds: []string{"timeouts == 0"}}})
	charts := chartsOf(page)
	if len(charts) < 8 {
		t.Errorf("%d charts; want every chart, each saying no data", len(charts))
	}
	for id, ds := range charts {
		if len(ds) != 0 {
			t.Errorf("chart %s draws %q without data", id, ds)
		}
	}
	if n := strings.Count(page, `class="nodata"`); n < 8 {
		t.Errorf("%d charts say no data; want at least 8", n)
	}
}

// TestWriteHTMLAborted: a run stopped by a live threshold says so at the
// top, with the moment rounded as the verdicts round it.
func TestWriteHTMLAborted(t *testing.T) {
	t.Parallel()
	r := smallRun.result()
	r.Aborted = &Abort{Threshold: "http_errors{code=503} == 0", At: 21*time.Second + 3*time.Millisecond, Message: "observed 1"}
	page := writeHTML(t, r)
	if want := `id="aborted">Aborted: live threshold &#34;http_errors{code=503} == 0&#34; broke at 21s;`; !strings.Contains(page, want) {
		t.Errorf("page lacks %s", want)
	}
}

// TestWriteHTMLBoundsViewerTable: past maxViewerRows viewers the table
// lists the worst and says how many it left out.
func TestWriteHTMLBoundsViewerTable(t *testing.T) {
	t.Parallel()
	r := syntheticRun{viewers: maxViewerRows + 5, seconds: 20, burstFrom: 5, burstTo: 8}.result()
	page := writeHTML(t, r)
	table := page[strings.Index(page, `id="viewer-table"`):]
	table = table[:strings.Index(table, "</table>")]
	if got := strings.Count(table, "<tr"); got != maxViewerRows+1 {
		t.Errorf("viewer table has %d rows; want %d and the header", got-1, maxViewerRows)
	}
	if want := `id="viewers-left">5 more viewers`; !strings.Contains(page, want) {
		t.Errorf("page lacks %s", want)
	}
}
