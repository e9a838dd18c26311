package metrics

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/hlsswarm/hlsswarm/internal/testkit"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// TestPromtoolChecksExposition runs Prometheus's own linter, promtool
// check metrics (Debian package prometheus, installed by make deps), on
// the text exposition of a fleet with every kind of metric recorded.
func TestPromtoolChecksExposition(t *testing.T) {
	t.Parallel()
	promtool := testkit.Tool(t, "make deps installs the Debian package prometheus", "promtool")
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(NewCollector(snapshotOf(fleet(t)), prometheus.Labels{"run_id": "r1", "shard": "0"}))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	var text bytes.Buffer
	enc := expfmt.NewEncoder(&text, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(text.String(), "hlsswarm_segment_latency_seconds_bucket{") {
		t.Fatalf("exposition without the latency histogram:\n%s", text.String())
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = &text
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) != 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}
