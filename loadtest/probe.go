package loadtest

import (
	"context"
	"fmt"

	"github.com/hlsswarm/hlsswarm/internal/ffmpeg"
)

// probes caches what each ffmpeg binary (path, size and modification time)
// accepts for the life of the test binary. It is the package's one piece
// of mutable state, on purpose: a probe runs ffmpeg several times, and
// every Start of every test would pay it again with a Prober of its own.
// ffmpeg.Prober is safe for concurrent use, shares concurrent probes of one
// binary, and does not cache failures that say nothing about the binary.
var probes ffmpeg.Prober

// probeFFmpeg locates and probes the binary (once per binary, see probes);
// its errors say how to install ffmpeg or point at another binary.
func probeFFmpeg(ctx context.Context, path string) (*ffmpeg.Binary, error) {
	p, err := ffmpeg.Locate(path)
	if err != nil {
		return nil, fmt.Errorf("loadtest: %w", err)
	}
	bin, err := probes.Probe(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("loadtest: %w", err)
	}
	return bin, nil
}

// checkViewers builds the arguments of a viewer of each play, so that bad
// configuration and a binary without its safety flags fail Start rather
// than every viewer, and returns what the viewers run without (notes for
// the test log).
func checkViewers(cfg Config, bin *ffmpeg.Binary, plays []play, live bool) ([]string, error) {
	var notes []string
	seen := map[string]bool{}
	for _, pl := range plays {
		spec := viewerSpec(cfg, pl, 1, live)
		if _, err := bin.Args(spec); err != nil {
			return nil, fmt.Errorf("loadtest: %w", err)
		}
		for _, n := range bin.Notes(spec) {
			if !seen[n] {
				seen[n] = true
				notes = append(notes, "loadtest: "+n)
			}
		}
	}
	return notes, nil
}
