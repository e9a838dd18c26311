//go:build linux

package ffmpeg

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/testkit"
)

func viewerArgs(t *testing.T, bin *Binary, v Viewer) []string {
	t.Helper()
	args, err := bin.Args(v)
	if err != nil {
		t.Fatal(err)
	}
	return args
}

func TestProcessVODPlaysToCleanEnd(t *testing.T) {
	t.Parallel()
	bin := systemBinary(t)
	zero := 0
	tests := []struct {
		name string
		v    Viewer
	}{
		{"defaults", Viewer{Client: 3}},
		{"every option", Viewer{Client: 12, UserAgent: "swarm/2", Headers: []Header{{"X-Extra", "a b"}}, Map: MapProgram(0),
			LogLevel: "verbose", RWTimeout: 3 * time.Second, StatsPeriod: 500 * time.Millisecond, Reconnect: true,
			ReconnectDelayMax: time.Second, LiveStartIndex: &zero, SegMaxRetry: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := newOrigin(t)
			tt.v.URL = o.URL + "/vod.m3u8"
			if u := bin.Unsupported(tt.v); len(u) > 0 {
				t.Logf("left out by the probe: %v", u)
			}
			p, err := Start(context.Background(), bin.Path, viewerArgs(t, bin, tt.v), Options{})
			if err != nil {
				t.Fatal(err)
			}
			c := collect(p)
			e := p.Wait()
			c.wg.Wait()
			if e.Kind != ExitClean || e.Code != 0 || e.Undrained {
				t.Fatalf("exit = %v (%+v); want clean, drained\n%s", e, e, c.stderr.String())
			}
			if !strings.Contains(c.progress.String(), "progress=end") {
				t.Errorf("progress pipe has no progress=end:\n%s", c.progress.String())
			}
			if strings.Contains(c.stderr.String(), "progress=") {
				t.Errorf("progress output leaked into stderr")
			}
			// Every segment was fetched (through the protocol whitelist),
			// carrying the viewer's identity.
			ua := tt.v.UserAgent
			if ua == "" {
				ua = "Lavf/" + bin.Libavformat
			}
			wantIdent := fmt.Sprintf("%d|%s client-%d|", tt.v.Client, ua, tt.v.Client)
			if len(tt.v.Headers) > 0 {
				wantIdent += tt.v.Headers[0].Value
			}
			for i := 0; i < segmentCount; i++ {
				path := fmt.Sprintf("/seg%d.ts", i)
				if n := o.count(path); n != 1 {
					t.Errorf("%s requested %d times; want 1", path, n)
				}
				if got := o.ident(path); got != wantIdent {
					t.Errorf("%s identity %q; want %q", path, got, wantIdent)
				}
			}
			if len(e.Tail) == 0 {
				t.Error("exit tail is empty")
			}
			requireGone(t, p.Pid(), 0)
		})
	}
}

func TestProcessStopIdleLiveViewer(t *testing.T) {
	t.Parallel()
	bin := systemBinary(t)
	o := newOrigin(t)
	p, err := Start(context.Background(), bin.Path, viewerArgs(t, bin, Viewer{URL: o.URL + "/live.m3u8"}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := collect(p)
	// Let it play: wait for the first progress block.
	testkit.WaitFor(t, 10*time.Second, "the ffmpeg viewers' requests", func() bool { return o.count("/live.m3u8") >= 2 })
	if !alive(p.Pid()) {
		t.Fatalf("viewer exited early: %v", p.Wait())
	}
	e := p.Stop()
	c.wg.Wait()
	t.Logf("idle live stop: %v", e)
	// A viewer waiting for a playlist reload may need the second SIGTERM
	// (ffmpeg's interrupt callback ignores the first once transcoding has
	// started), but never SIGKILL.
	if e.Kind != ExitStopped || e.Terms < 1 || e.Killed {
		t.Errorf("exit = %+v; want stopped by SIGTERM", e)
	}
	if e.StopLatency > DefaultKillAfter {
		t.Errorf("stop took %v; want less than KillAfter", e.StopLatency)
	}
	requireGone(t, p.Pid(), 0)
	if again := p.Stop(); again.Kind != e.Kind || again.Pid != e.Pid {
		t.Errorf("second Stop = %+v; want the same exit", again)
	}
}

func TestProcessStopStalledReadNeedsSecondTerm(t *testing.T) {
	t.Parallel()
	bin := systemBinary(t)
	o := newOrigin(t)
	// A long rw_timeout keeps ffmpeg blocked on /hang.ts.
	args := viewerArgs(t, bin, Viewer{URL: o.URL + "/stall.m3u8", RWTimeout: 60 * time.Second})
	p, err := Start(context.Background(), bin.Path, args, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := collect(p)
	select {
	case <-o.hung:
	case <-time.After(10 * time.Second):
		t.Fatal("viewer never requested /hang.ts")
	}
	time.Sleep(200 * time.Millisecond) // let it block in the read
	e := p.Stop()
	c.wg.Wait()
	t.Logf("stalled stop: %v", e)
	if e.Kind != ExitStopped {
		t.Fatalf("exit = %v; want stopped", e)
	}
	if e.Terms < 2 || e.StopLatency < DefaultSecondTermAfter {
		t.Errorf("exit = %+v; want the first SIGTERM ignored during the stalled read", e)
	}
	if e.StopLatency > DefaultKillAfter+500*time.Millisecond {
		t.Errorf("stop took %v; want at most ~%v", e.StopLatency, DefaultKillAfter)
	}
	requireGone(t, p.Pid(), 0)
}

func TestProcessErrorExitKeepsTail(t *testing.T) {
	t.Parallel()
	bin := systemBinary(t)
	o := newOrigin(t)
	p, err := Start(context.Background(), bin.Path, viewerArgs(t, bin, Viewer{URL: o.URL + "/missing.m3u8"}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := collect(p)
	e := p.Wait()
	c.wg.Wait()
	if e.Kind != ExitError || e.Code != 1 {
		t.Fatalf("exit = %+v; want error status 1", e)
	}
	if err := e.Err(); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("Err() = %v; want the 404 from the stderr tail", err)
	}
	requireGone(t, p.Pid(), 0)
}

func TestProcessKilledBySomeoneElse(t *testing.T) {
	t.Parallel()
	bin := systemBinary(t)
	o := newOrigin(t)
	p, err := Start(context.Background(), bin.Path, viewerArgs(t, bin, Viewer{URL: o.URL + "/live.m3u8"}), Options{Discard: true})
	if err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 10*time.Second, "the ffmpeg viewers' requests", func() bool { return o.count("/live.m3u8") >= 1 })
	if err := syscall.Kill(p.Pid(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	e := p.Wait()
	if e.Kind != ExitSignaled || e.Signal != syscall.SIGKILL || e.Code != -1 {
		t.Fatalf("exit = %+v; want signaled by SIGKILL", e)
	}
	if e.Err() == nil {
		t.Error("Err() = nil for a foreign SIGKILL")
	}
}

func TestProcessStopEscalatesToKillForWholeGroup(t *testing.T) {
	t.Parallel()
	// Not ffmpeg: a script that ignores SIGTERM, with a child in its group.
	dir := t.TempDir()
	script := filepath.Join(dir, "stubborn")
	if err := os.WriteFile(script, []byte("#!/bin/sh\ntrap '' TERM\nsleep 30 &\necho started >&2\nwait\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	p, err := Start(context.Background(), script, nil, Options{SecondTermAfter: 100 * time.Millisecond, KillAfter: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c := collect(p)
	testkit.WaitFor(t, 5*time.Second, "the ffmpeg viewers' requests", func() bool { return len(groupMembers(t, p.Pid())) == 2 })
	e := p.Stop()
	c.wg.Wait()
	if e.Kind != ExitStopped || !e.Killed || e.Terms != 2 || e.Signal != syscall.SIGKILL {
		t.Fatalf("exit = %+v; want stopped by SIGKILL after 2 SIGTERM", e)
	}
	if e.StopLatency < 300*time.Millisecond || e.StopLatency > 2*time.Second {
		t.Errorf("stop latency %v; want about KillAfter (300ms)", e.StopLatency)
	}
	requireGone(t, p.Pid(), 2*time.Second) // the sleep child died with the group
}

func TestProcessContextCancelStops(t *testing.T) {
	t.Parallel()
	bin := systemBinary(t)
	o := newOrigin(t)
	ctx, cancel := context.WithCancel(context.Background())
	p, err := Start(ctx, bin.Path, viewerArgs(t, bin, Viewer{URL: o.URL + "/live.m3u8"}), Options{Discard: true})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	testkit.WaitFor(t, 10*time.Second, "the ffmpeg viewers' requests", func() bool { return o.count("/live.m3u8") >= 1 })
	cancel()
	e := p.Wait()
	if e.Kind != ExitStopped {
		t.Fatalf("exit = %+v; want stopped by the context", e)
	}
	requireGone(t, p.Pid(), 0)
}

func TestStartMissingBinary(t *testing.T) {
	t.Parallel()
	_, err := Start(context.Background(), filepath.Join(t.TempDir(), "nope"), nil, Options{})
	if err == nil {
		t.Fatal("Start of a missing binary succeeded")
	}
}

func TestProcessProtocolWhitelistRefusesLocalFiles(t *testing.T) {
	t.Parallel()
	bin := systemBinary(t)
	if !bin.Features.ProtocolWhitelist {
		t.Skip("this ffmpeg has no -protocol_whitelist")
	}
	o := newOrigin(t)
	p, err := Start(context.Background(), bin.Path, viewerArgs(t, bin, Viewer{URL: o.URL + "/hostile.m3u8"}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := collect(p)
	e := p.Wait()
	c.wg.Wait()
	log := c.stderr.String()
	if !strings.Contains(log, "Protocol 'file' not on whitelist '"+protocolWhitelist+"'") {
		t.Errorf("exit %v; stderr does not show our whitelist refusing file://:\n%s", e, log)
	}
	if o.count("/seg0.ts") != 1 {
		t.Errorf("the http segment was not played")
	}
}

func TestProcessUndrainedPipesDoNotBlockWait(t *testing.T) {
	t.Parallel()
	bin := systemBinary(t)
	o := newOrigin(t)
	p, err := Start(context.Background(), bin.Path, viewerArgs(t, bin, Viewer{URL: o.URL + "/vod.m3u8"}), Options{DrainTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stderr().Close()
	defer p.Progress().Close()
	// Nobody reads: a short VOD's log fits in the pipe, so ffmpeg still ends.
	e := p.Wait()
	if e.Kind != ExitClean || !e.Undrained {
		t.Fatalf("exit = %+v; want clean and undrained", e)
	}
	if again := p.Stop(); again.Kind != ExitClean {
		t.Errorf("Stop after the exit = %v; want the clean exit unchanged", again)
	}
}
