package ffmpeg

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/hlsswarm/hlsswarm/internal/testkit"
)

func TestParseVersionOutput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, out      string
		want           Version
		atLeast41      bool
		wantErrContain string
	}{
		{name: "debian 5.1", out: "ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers\nlibavformat    59. 27.100 / 59. 27.100\n",
			want: Version{Major: 5, Minor: 1, Patch: 9, Raw: "5.1.9-0+deb12u1"}, atLeast41: true},
		{name: "tag n6.1", out: "ffmpeg version n6.1 Copyright (c) 2000-2023\n", want: Version{Major: 6, Minor: 1, Raw: "n6.1"}, atLeast41: true},
		{name: "ubuntu 4.4", out: "ffmpeg version 4.4.2-0ubuntu0.22.04.1 Copyright\n", want: Version{Major: 4, Minor: 4, Patch: 2, Raw: "4.4.2-0ubuntu0.22.04.1"}, atLeast41: true},
		{name: "static 7.1", out: "ffmpeg version 7.1.1-static https://johnvansickle.com/ffmpeg/  Copyright\n", want: Version{Major: 7, Minor: 1, Patch: 1, Raw: "7.1.1-static"}, atLeast41: true},
		{name: "gyan 6.0", out: "ffmpeg version 6.0-full_build-www.gyan.dev Copyright\n", want: Version{Major: 6, Raw: "6.0-full_build-www.gyan.dev"}, atLeast41: true},
		{name: "bare 4.1", out: "ffmpeg version 4.1 Copyright\n", want: Version{Major: 4, Minor: 1, Raw: "4.1"}, atLeast41: true},
		{name: "old 4.0", out: "ffmpeg version 4.0.4 Copyright\n", want: Version{Major: 4, Patch: 4, Raw: "4.0.4"}},
		{name: "old 3.4", out: "ffmpeg version 3.4.11-0ubuntu0.1 Copyright\n", want: Version{Major: 3, Minor: 4, Patch: 11, Raw: "3.4.11-0ubuntu0.1"}},
		{name: "git unknown lavf", out: "ffmpeg version N-112345-g0123abcd Copyright\n", want: Version{Git: true, Raw: "N-112345-g0123abcd"}, atLeast41: true},
		{name: "git with lavf 60.10", out: "ffmpeg version N-112345-g0123abcd Copyright\nlibavformat    60. 10.100 / 60. 10.100\n",
			want: Version{Major: 6, Minor: 0, Git: true, Raw: "N-112345-g0123abcd"}, atLeast41: true},
		{name: "git old lavf", out: "ffmpeg version git-2017-01-01-abc Copyright\nlibavformat    57. 83.100 / 57. 83.100\n",
			want: Version{Major: 3, Minor: 4, Git: true, Raw: "git-2017-01-01-abc"}},
		{name: "gyan dated git", out: "ffmpeg version 2025-01-01-git-abc-full_build-www.gyan.dev Copyright\n",
			want: Version{Git: true, Raw: "2025-01-01-git-abc-full_build-www.gyan.dev"}, atLeast41: true},
		{name: "not ffmpeg", out: "usage: foo\n", wantErrContain: `first line: "usage: foo"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, _, err := parseVersionOutput(tt.out)
			if tt.wantErrContain != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrContain) {
					t.Fatalf("err = %v; want it to contain %q", err, tt.wantErrContain)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("version = %+v; want %+v", got, tt.want)
			}
			if g := got.AtLeast(4, 1); g != tt.atLeast41 {
				t.Errorf("AtLeast(4,1) = %v; want %v", g, tt.atLeast41)
			}
		})
	}
}

func TestParseHelpFull(t *testing.T) {
	t.Parallel()
	// Excerpts in the layout of `ffmpeg -h full`: 4.1 heads the demuxer's
	// options "hls,applehttp AVOptions:" (the static 4.1.0 build of
	// @ffmpeg-installer/linux-x64), 5.x "hls demuxer AVOptions:".
	out := `Global options:
-stats_period time  set the period
-progress url       write program-readable progress information

AVFormatContext AVOptions:
  -protocol_whitelist <string>     .D......... List of protocols

URLContext AVOptions:
  -rw_timeout        <int64>      ED......... Timeout for IO operations

http AVOptions:
  -reconnect         <boolean>    .D......... auto reconnect
  -reconnect_delay_max <int>        .D......... max reconnect delay

hls muxer AVOptions:
  -http_persistent   <boolean>    E.......... Use persistent HTTP connections
  -seg_max_retry     <int>        E.......... not a demuxer option

hls,applehttp AVOptions:
  -live_start_index  <int>        .D....... segment index to start live streams at (negative values are from the end) (from INT_MIN to INT_MAX) (default -3)
  -http_persistent   <boolean>    .D....... Use persistent HTTP connections (default true)
`
	f := parseHelpFull(out)
	want := Features{StatsPeriod: true, ProtocolWhitelist: true, RWTimeout: true, Reconnect: true, ReconnectDelayMax: true, LiveStartIndex: true, HTTPPersistent: true}
	if got := f; !featuresEqual(got, want) {
		t.Errorf("features = %+v; want %+v", got, want)
	}
	out51 := "hls demuxer AVOptions:\n  -http_persistent   <boolean>    .D......... Use persistent HTTP connections (default true)\n" +
		"hls muxer AVOptions:\n  -seg_max_retry     <int>        E.......... not a demuxer option\n"
	if got, want := parseHelpFull(out51), (Features{HTTPPersistent: true}); !featuresEqual(got, want) {
		t.Errorf("5.1 features = %+v; want %+v", got, want)
	}
}

func featuresEqual(a, b Features) bool {
	a.Protocols, b.Protocols = nil, nil
	return reflect.DeepEqual(a, b)
}

// systemFFmpeg returns the ffmpeg to run real-process tests with, or skips.
func systemFFmpeg(t testing.TB) string {
	t.Helper()
	return testkit.FFmpeg(t)
}

func TestProbeRealFFmpeg(t *testing.T) {
	path := systemFFmpeg(t)
	var p Prober
	bin, err := p.Probe(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("probed %s: version %s in %v: %+v", bin.Path, bin.Version, bin.ProbeTime, bin.Features)
	if !bin.Version.AtLeast(4, 1) {
		t.Errorf("version %s below 4.1 was accepted", bin.Version)
	}
	f := bin.Features
	if !f.RWTimeout || !f.ProtocolWhitelist || !f.LogLevelPrefix || !f.Protocols["http"] || !f.Protocols["tcp"] {
		t.Errorf("features missing on a 4.1+ build: %+v", f)
	}
	if bin.Version.Major == 5 && bin.Version.Minor == 1 {
		// Facts measured on Debian 12's 5.1 (see the shared samples).
		if f.LogDatetime || f.SegMaxRetry || !f.StatsPeriod || !f.ReconnectOnHTTPError || !f.HTTPPersistent {
			t.Errorf("5.1 features = %+v; want no datetime/seg_max_retry, with stats_period, reconnect_on_http_error, http_persistent", f)
		}
	}
	// The second probe of the same file is served from the cache.
	again, err := p.Probe(context.Background(), path)
	if err != nil || again != bin {
		t.Errorf("second probe = %p, %v; want the cached %p", again, err, bin)
	}
}

func TestProbeConcurrentCallsShareOneRun(t *testing.T) {
	dir := t.TempDir()
	counter := filepath.Join(dir, "runs")
	script := filepath.Join(dir, "ffmpeg")
	writeScript(t, script, `echo run >> `+counter+`
case "$*" in
*-version*) echo "ffmpeg version 6.1.1 Copyright"; echo "libavformat    60. 16.100 / 60. 16.100";;
*-protocols*) printf 'Input:\n  http\n  tcp\nOutput:\n  http\n';;
esac`)
	var p Prober
	var wg sync.WaitGroup
	bins := make([]*Binary, 8)
	for i := range bins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := p.Probe(context.Background(), script)
			if err != nil {
				t.Error(err)
			}
			bins[i] = b
		}()
	}
	wg.Wait()
	for _, b := range bins[1:] {
		if b != bins[0] {
			t.Fatalf("probes returned different results %p and %p", b, bins[0])
		}
	}
	runs, err := os.ReadFile(counter)
	if err != nil {
		t.Fatal(err)
	}
	// One probe is 5 commands (-version, -h full, -protocols, 2 loglevel checks).
	if got := strings.Count(string(runs), "run"); got != 5 {
		t.Errorf("fake ffmpeg ran %d times for 8 concurrent probes; want 5 (one probe)", got)
	}
	if bins[0].Version.Major != 6 || bins[0].Features.Protocols["https"] || !bins[0].Features.Protocols["http"] {
		t.Errorf("probe = %+v", bins[0])
	}
}

func writeScript(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestProbeTooOld(t *testing.T) {
	t.Parallel()
	script := filepath.Join(t.TempDir(), "ffmpeg")
	writeScript(t, script, `echo "ffmpeg version 3.4.11-0ubuntu0.1 Copyright (c) 2000-2022 the FFmpeg developers"`)
	var p Prober
	_, err := p.Probe(context.Background(), script)
	if !errors.Is(err, ErrTooOld) {
		t.Fatalf("err = %v; want ErrTooOld", err)
	}
	for _, want := range []string{script, "3.4.11-0ubuntu0.1", "need 4.1 or newer", "apt-get install -y ffmpeg", "HLSSWARM_FFMPEG", "Config.FFmpeg"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestProbeNotFFmpeg(t *testing.T) {
	t.Parallel()
	script := filepath.Join(t.TempDir(), "ffmpeg")
	writeScript(t, script, `echo "hello"; exit 1`)
	var p Prober
	_, err := p.Probe(context.Background(), script)
	if err == nil || !strings.Contains(err.Error(), "is it ffmpeg?") {
		t.Fatalf("err = %v; want a not-ffmpeg error", err)
	}
}

func TestLocate(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "ffmpeg")
	writeScript(t, fake, "exit 0")

	t.Run("explicit wins over env", func(t *testing.T) {
		t.Setenv(EnvFFmpeg, "/nonexistent/ffmpeg")
		got, err := Locate(fake)
		if err != nil || got != fake {
			t.Fatalf("Locate = %q, %v; want %q", got, err, fake)
		}
	})
	t.Run("env wins over PATH", func(t *testing.T) {
		t.Setenv(EnvFFmpeg, fake)
		got, err := Locate("")
		if err != nil || got != fake {
			t.Fatalf("Locate = %q, %v; want %q", got, err, fake)
		}
	})
	t.Run("PATH", func(t *testing.T) {
		t.Setenv(EnvFFmpeg, "")
		t.Setenv("PATH", dir)
		got, err := Locate("")
		if err != nil || got != fake {
			t.Fatalf("Locate = %q, %v; want %q", got, err, fake)
		}
	})
	t.Run("missing everywhere", func(t *testing.T) {
		t.Setenv(EnvFFmpeg, "")
		t.Setenv("PATH", t.TempDir())
		_, err := Locate("")
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("err = %v; want ErrNotFound", err)
		}
		for _, want := range []string{"PATH", "apt-get install -y ffmpeg", EnvFFmpeg, "Config.FFmpeg"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
	})
	t.Run("missing env binary", func(t *testing.T) {
		t.Setenv(EnvFFmpeg, "/nonexistent/ffmpeg")
		_, err := Locate("")
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `HLSSWARM_FFMPEG="/nonexistent/ffmpeg"`) {
			t.Fatalf("err = %v; want ErrNotFound naming HLSSWARM_FFMPEG", err)
		}
	})
}
