package metrics

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"gotest.tools/v3/golden"
)

// TestExpositionGolden pins the whole /metrics text of a known fleet state:
// every catalogue metric's name, help, type, labels and value. Run
// go test ./internal/metrics -run Golden -update after an intended change.
func TestExpositionGolden(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(NewCollector(snapshotOf(fleet(t)), prometheus.Labels{"test": "TestExpositionGolden"}))
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	var b strings.Builder
	for _, mf := range families {
		if _, err := expfmt.MetricFamilyToText(&b, mf); err != nil {
			t.Fatalf("MetricFamilyToText(%s): %v", mf.GetName(), err)
		}
	}
	golden.Assert(t, b.String(), "exposition.golden")
}
