package loadtest

import (
	"context"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/ffmpeg"
	"github.com/hlsswarm/hlsswarm/internal/player"
	"github.com/hlsswarm/hlsswarm/internal/pump"
)

// Engine says what plays each viewer of a fleet. Both engines do real
// HTTP against the origin, send each viewer's X-Hlsswarm-Client header and
// User-Agent suffix, and record into the same stats: the catalogue,
// thresholds, Summary, reports and Result.Origin do not depend on it.
//
// EngineFFmpeg (the default) runs an ffmpeg process per viewer: ffmpeg's
// real HLS demuxer, the reference viewer, at about 0.2-0.5 % of a core and
// 13 MB per live viewer. EngineNative plays in Go (package
// internal/player): a goroutine per viewer sharing one keep-alive HTTP/1.1
// client (HTTP/2 over a connection per viewer where an https origin
// offers it: see [HTTP2]), a player's reload cadence and live start, and a buffer model
// (startup, playback clock, stalls); it needs no ffmpeg and holds
// thousands of viewers per core. See the README for where the two differ.
type Engine string

// Engines accepted by Config.Engine.
const (
	// EngineFFmpeg runs one ffmpeg process per viewer.
	EngineFFmpeg Engine = "ffmpeg"
	// EngineNative runs one Go player per viewer. It ignores the ffmpeg
	// fields of Config (FFmpeg, Reconnect); KeepAliveOff gives every
	// request a connection of its own, any other KeepAlive reuses them.
	EngineNative Engine = "native"
)

var engines = []Engine{EngineFFmpeg, EngineNative}

// prepareEngine checks that the engine of cfg can run: for ffmpeg, it
// probes the binary and checks every viewer's arguments against it (the
// slow part of a fleet's setup); the native engine needs no ffmpeg, so
// ffmpeg is neither located nor probed for it.
func prepareEngine(t testing.TB, cfg Config, plays []play, live bool) (*ffmpeg.Binary, error) {
	if cfg.Engine == EngineNative {
		return nil, nil
	}
	bin, err := probeFFmpeg(t.Context(), cfg.FFmpeg)
	if err != nil {
		return nil, err
	}
	notes, err := checkViewers(cfg, bin, plays, live)
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		t.Logf("%s", n)
	}
	return bin, nil
}

// openEngine opens what the engine of cfg holds for the run, closed by
// Fleet.closePoller: for ffmpeg, the poller that reads every viewer's
// output (nil where unsupported: then each run gets a pump.Pipeline; the
// control loop's history snapshot, once a second, Snapshot and scrapes
// Sync it first); for the native engine, its HTTP client.
func openEngine(cfg Config, plays []play) (*pump.Poller, *player.Client) {
	if cfg.Engine == EngineNative {
		return nil, newPlayerClient(cfg, plays)
	}
	poller, err := pump.NewPoller(pump.PollerOptions{RWTimeout: cfg.Timeout, Interval: pollInterval})
	if err != nil {
		return nil, nil // not Linux: per-viewer pipelines
	}
	return poller, nil
}

// newPlayerClient returns the native engine's HTTP client for cfg: one
// for the whole fleet. Config.Headers go to Config.URL's origin only, as
// the fleet's own playlist fetch sends them (ffmpeg sends them to every
// host).
func newPlayerClient(cfg Config, plays []play) *player.Client {
	return player.NewClient(player.ClientOptions{
		Origin: cfg.URL, Headers: cfg.Headers, UserAgent: cfg.UserAgent,
		Timeout: cfg.Timeout, Viewers: cfg.Shard.clients(cfg.Clients), Renditions: renditionsOf(cfg, plays),
		DisableKeepAlives: cfg.KeepAlive == KeepAliveOff,
		RunID:             cfg.RunID, Shard: cfg.Shard.Index, HTTP2: http2On(cfg),
	})
}

// renditionsOf is the most renditions a viewer of plays plays at once:
// 1, 2 with an audio rendition, 0 (unknown) when one plays every
// rendition of a master playlist or, with AllowNoPlayback, may play
// Config.URL unread.
func renditionsOf(cfg Config, plays []play) int {
	if cfg.AllowNoPlayback {
		return 0
	}
	n := 1
	for _, p := range plays {
		switch {
		case p.label == everyRendition:
			return 0
		case p.audio != "":
			n = 2
		}
	}
	return n
}

// launchNative starts native viewer id under the fleet's context. The
// caller holds f.mu.
//
// A native viewer retries what fails in process, as a player does, so it
// never exits on an error; RestartAlways plays a VOD that ended again
// (a restart), and a watched VOD starts again by itself (a replay). Its
// exits are "stopped", or "clean" for a VOD played to its end and not
// started again.
func (f *Fleet) launchNative(id int) *viewer {
	ctx, cancel := context.WithCancel(f.ctx)
	v := &viewer{id: id, cancel: cancel, done: make(chan struct{})}
	st := f.agg.AddViewer(id)
	pl := playFor(f.plays, id)
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		defer close(v.done)
		defer cancel()
		start := time.Now()
		pv := player.Viewer{
			ID: id, URL: pl.url, AudioURL: pl.audio, Stats: st,
			Download: !f.live && f.cfg.VOD == VODDownload,
			Replay:   !f.live && f.cfg.VOD != VODDownload,
			OnFirstRequest: func(at time.Time) {
				f.startLatency.Record(at.Sub(start))
			},
			OnReplay: func() {
				f.mu.Lock()
				f.replays++
				f.mu.Unlock()
			},
		}
		if len(pl.variants) > 0 {
			pv.Variants = pl.variants
			pv.OnRendition = func(url string) { f.abr.played(id, url) }
		}
		for {
			f.native.Play(ctx, pv)
			if ctx.Err() != nil || f.cfg.RestartPolicy != RestartAlways {
				break
			}
			st.AddRestart()
			pv.OnFirstRequest = nil
		}
		if ctx.Err() != nil {
			f.recordExit(id, ffmpeg.ExitStopped.String(), "")
			return
		}
		f.recordExit(id, ffmpeg.ExitClean.String(), "")
	}()
	return v
}

// ffmpegInfoOf names the ffmpeg a run used; empty for the native engine.
func ffmpegInfoOf(bin *ffmpeg.Binary) FFmpegInfo {
	if bin == nil {
		return FFmpegInfo{}
	}
	return FFmpegInfo{Path: bin.Path, Version: bin.Version.String()}
}
