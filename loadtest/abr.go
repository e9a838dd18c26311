package loadtest

import "sync"

// abrLabel is the Rendition of a VariantABR viewer that never started a
// variant.
const abrLabel = "abr"

// abrPath is the first and the last variant a VariantABR viewer played
// (their media playlists' URLs).
type abrPath struct{ first, last string }

// label names the path for ViewerResult.Rendition: "abr: /v0/index.m3u8
// → /v1/index.m3u8", or "abr: /v1/index.m3u8" for a viewer that ended on
// the variant it started on (switches or not: rendition_switches counts
// them). The per-rendition table of the HTML report thus groups adaptive
// viewers by where they started and ended.
func (p abrPath) label() string {
	if p.first == p.last {
		return abrLabel + ": " + pathOf(p.first)
	}
	return abrLabel + ": " + pathOf(p.first) + " → " + pathOf(p.last)
}

// abrPaths records the variants of each VariantABR viewer of a fleet.
// Viewers call played from their goroutines; it takes a lock of its own,
// so that a viewer never waits on the fleet's.
type abrPaths struct {
	mu sync.Mutex
	m  map[int]abrPath
}

// played records that viewer id started to play the variant at url.
func (a *abrPaths) played(id int, url string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		a.m = map[int]abrPath{}
	}
	p, ok := a.m[id]
	if !ok {
		p.first = url
	}
	p.last = url
	a.m[id] = p
}

// labels returns the label of every viewer that played a variant.
func (a *abrPaths) labels() map[int]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(map[int]string, len(a.m))
	for id, p := range a.m {
		out[id] = p.label()
	}
	return out
}
