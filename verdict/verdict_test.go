package verdict_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"gotest.tools/v3/golden"

	"github.com/hlsswarm/hlsswarm/verdict"
)

// every holds one verdict of each unit and each outcome form.
var every = verdict.Verdicts{
	{Expr: "timeouts == 0", Status: verdict.Pass, Observed: 0, Unit: verdict.UnitCount, Limit: "== 0"},
	{Expr: "http_error_rate < 1% over 10s", Status: verdict.Fail, Observed: 0.0545, Unit: verdict.UnitRatio, Limit: "< 1%",
		At: 31 * time.Second, WindowStart: 21 * time.Second, Window: 10 * time.Second},
	{Expr: "http_error_rate < 10% over 10s", Status: verdict.Pass, Observed: 0.0545, Unit: verdict.UnitRatio, Limit: "< 10%", Window: 10 * time.Second},
	{Expr: "http_errors{code=503} == 0", Status: verdict.Fail, Observed: 60, Unit: verdict.UnitCount, Limit: "== 0", At: 2500 * time.Millisecond},
	{Expr: "p95(segment_latency) < 250ms", Status: verdict.Fail, Observed: float64(312 * time.Millisecond), Unit: verdict.UnitDuration, Limit: "< 250ms", At: 850 * time.Millisecond},
	{Expr: "bytes > 10MB", Status: verdict.Pass, Observed: 12_345_678, Unit: verdict.UnitBytes, Limit: "> 10MB"},
	{Expr: "min(speed) >= 0.95", Status: verdict.Pass, Observed: 0.987, Unit: verdict.UnitSpeed, Limit: ">= 0.95",
		Window: 10 * time.Second, Note: "run shorter than the 10s window: evaluated as one window"},
	{Expr: "p95(manifest_latency) < 1s", Status: verdict.NoData, Unit: verdict.UnitDuration, Limit: "< 1s", Note: "no observations"},
	{Expr: "p95(manifest_latency)? < 1s", Status: verdict.NoDataAllowed, Unit: verdict.UnitDuration, Limit: "< 1s", Note: "no observations"},
}

// TestTableGolden pins the table of every outcome form and unit, and the
// JSON of the verdicts. go test ./verdict -run Golden -update rewrites it.
func TestTableGolden(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(every.Table() + "\n\n")
	for _, v := range every {
		b.WriteString(v.String() + "\n")
	}
	js, err := json.MarshalIndent(every[:2], "", "  ")
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	b.WriteString("\n" + string(js) + "\n")
	golden.Assert(t, b.String(), "table.golden")
}

func TestVerdictsOKFailedBreached(t *testing.T) {
	t.Parallel()
	if every.OK() {
		t.Error("OK() = true; want false with failures and no data")
	}
	if got, want := len(every.Failed()), 4; got != want {
		t.Errorf("len(Failed()) = %d; want %d (3 failures, 1 no data)", got, want)
	}
	if v, ok := every.Breached(); !ok || v.Expr != every[1].Expr {
		t.Errorf("Breached() = %q, %v; want %q, true", v.Expr, ok, every[1].Expr)
	}
	if _, ok := every[7:].Breached(); ok {
		t.Error("Breached() on no data = true; want false: a metric without data yet may still get some")
	}
}

func ExampleVerdicts_Table() {
	vs := verdict.Verdicts{
		{Expr: "timeouts == 0", Status: verdict.Pass, Unit: verdict.UnitCount, Limit: "== 0"},
		{Expr: "p95(segment_latency) < 250ms", Status: verdict.Fail, Observed: float64(312 * time.Millisecond),
			Unit: verdict.UnitDuration, Limit: "< 250ms", At: 30 * time.Second},
	}
	fmt.Println(vs.Table())
	// Output:
	// threshold                      observed   limit     verdict
	// timeouts == 0                  0          == 0      ✓ pass
	// p95(segment_latency) < 250ms   312ms      < 250ms   ✗ fail at 30s
}

func ExampleUnit_Format() {
	fmt.Println(verdict.UnitDuration.Format(2.41e9), verdict.UnitRatio.Format(0.0052),
		verdict.UnitBytes.Format(1.5e6), verdict.UnitSpeed.Format(0.97), verdict.UnitCount.Format(12))
	// Output:
	// 2.41s 0.52% 1.5MB 0.97x 12
}
