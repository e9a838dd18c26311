package loadtest

import (
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/parse"
	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// TestSinkCountsBodyCutAsReconnect: a body cut short loses the connection,
// a reconnect in the catalogue's sense, with keep-alive or without (the
// parser reports the silent retry that may follow as part of the cut).
func TestSinkCountsBodyCutAsReconnect(t *testing.T) {
	v := stats.NewAggregator(stats.Options{}).AddViewer(1)
	s := &statsSink{v: v, startLatency: &stats.Histogram{}, spawned: time.Now()}
	s.BodyCut(parse.KindSegment, time.Now())
	s.Reconnect(parse.KindSegment, parse.CauseKeepaliveRetry, time.Now())
	var row stats.ViewerRow
	v.Summary(&row)
	if row.Reconnects != 2 {
		t.Errorf("reconnects = %d; want 2 (a cut body and a keep-alive retry)", row.Reconnects)
	}
}
