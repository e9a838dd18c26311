package threshold

import "github.com/hlsswarm/hlsswarm/internal/stats"

// lookupMetric finds a metric in the one catalogue, stats.Catalog.
func lookupMetric(name string) (stats.Metric, bool) { return stats.LookupMetric(name) }

// metricNames lists the catalogue names usable in thresholds, in catalogue
// order.
func metricNames() []string {
	cat := stats.Catalog()
	defs := definitions()
	names := make([]string, 0, len(cat))
	for _, m := range cat {
		if _, ok := defs[m.Name]; ok {
			names = append(names, m.Name)
		}
	}
	return names
}
