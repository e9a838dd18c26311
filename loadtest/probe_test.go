package loadtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/internal/testkit"
)

// wrapFFmpeg writes a shell script that runs the real ffmpeg, appending a
// line to the returned file for each `-h full` (one per probe), and
// piping that help through filter (a sed script; "" for none).
func wrapFFmpeg(t *testing.T, filter string) (script, probeLog string) {
	t.Helper()
	real := testkit.FFmpeg(t)
	dir := t.TempDir()
	script, probeLog = filepath.Join(dir, "ffmpeg"), filepath.Join(dir, "probes")
	if filter == "" {
		filter = "p"
	}
	body := "#!/bin/sh\ncase \"$*\" in\n*'-h full'*) echo probe >> '" + probeLog + "'; '" + real + "' \"$@\" | sed -n '" + filter + "';;\n" +
		"*) exec '" + real + "' \"$@\";;\nesac\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return script, probeLog
}

func countLines(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "\n")
}

// TestStartProbesOncePerBinary: the probe (about 0.9 CPU-s) runs once per
// binary for the life of the test binary, not once per Start.
func TestStartProbesOncePerBinary(t *testing.T) {
	t.Parallel()
	script, probeLog := wrapFFmpeg(t, "")
	origin := fixtures.NewOrigin(t)
	for i := range 2 {
		r := Run(t, Config{URL: origin.URL(), Clients: 1, Duration: time.Second, FFmpeg: script, AllowNoPlayback: true})
		if r.FFmpeg.Path != script {
			t.Errorf("run %d: ffmpeg = %+v; want %s", i, r.FFmpeg, script)
		}
		if got := countLines(t, probeLog); got != 1 {
			t.Fatalf("after Start %d: the binary was probed %d times; want once", i+1, got)
		}
	}
}

// TestStartRefusesMissingSafetyFlags: a binary without -rw_timeout or
// -protocol_whitelist fails Start with what the probe found, before any
// viewer runs.
func TestStartRefusesMissingSafetyFlags(t *testing.T) {
	t.Parallel()
	for _, flag := range []string{"rw_timeout", "protocol_whitelist"} {
		t.Run(flag, func(t *testing.T) {
			t.Parallel()
			script, _ := wrapFFmpeg(t, "/-"+flag+" /d;p")
			origin := fixtures.NewOrigin(t)
			rec := &testkit.Recorder{TB: t}
			rec.Go(func() {
				Start(rec, Config{URL: origin.URL(), Clients: 1, Duration: time.Second, FFmpeg: script, AllowNoPlayback: true})
			})
			errs := rec.Errors()
			if len(errs) != 1 {
				t.Fatalf("Start errors = %q; want one", errs)
			}
			for _, want := range []string{"lacks -" + flag, "-" + flag + " no", script, "HLSSWARM_FFMPEG"} {
				if !strings.Contains(errs[0], want) {
					t.Errorf("Start error %q does not mention %q", errs[0], want)
				}
			}
			if n := origin.RequestCounts(); len(n["segment"]) > 0 {
				t.Errorf("origin served %v; want no segment request (no viewer ran)", n)
			}
		})
	}
}

// TestStartNotesNoHTTPPersistent: without -http_persistent, KeepAliveOff
// fails Start naming the field; the default (auto) runs with a note.
func TestStartNotesNoHTTPPersistent(t *testing.T) {
	t.Parallel()
	script, _ := wrapFFmpeg(t, "/-http_persistent /d;p")
	origin := fixtures.NewOrigin(t)

	rec := &testkit.Recorder{TB: t}
	rec.Go(func() {
		Start(rec, Config{URL: origin.URL(), Clients: 1, Duration: time.Second, FFmpeg: script, AllowNoPlayback: true, KeepAlive: KeepAliveOff})
	})
	if errs := rec.Errors(); len(errs) != 1 || !strings.Contains(errs[0], "Config.KeepAlive = KeepAliveOff") {
		t.Fatalf("Start with KeepAliveOff errors = %q; want one naming Config.KeepAlive", errs)
	}

	rec = &testkit.Recorder{TB: t}
	rec.Go(func() {
		Run(rec, Config{URL: origin.URL(), Clients: 1, Duration: time.Second, FFmpeg: script, AllowNoPlayback: true})
	})
	if errs := rec.Errors(); len(errs) != 0 {
		t.Fatalf("Run with KeepAlive auto errors = %q; want none", errs)
	}
	if logs := strings.Join(rec.Logs(), "\n"); !strings.Contains(logs, "has no -http_persistent") {
		t.Errorf("logs do not note the missing -http_persistent:\n%s", logs)
	}
}
