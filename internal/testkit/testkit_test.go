package testkit

import (
	"context"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestRecorder(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	rec := &Recorder{TB: t, Ctx: ctx, DeadlineAt: at}
	reached := false
	rec.Go(func() {
		rec.Errorf("first %d", 1)
		rec.Logf("a log")
		rec.Fatalf("stop %s", "here")
		reached = true
	})
	if reached {
		t.Error("code after Fatalf ran; want the goroutine ended")
	}
	if got, want := strings.Join(rec.Errors(), "|"), "first 1|stop here"; got != want {
		t.Errorf("Errors() = %q; want %q", got, want)
	}
	if got := rec.Fatals(); len(got) != 1 || got[0] != "stop here" {
		t.Errorf("Fatals() = %q; want [stop here]", got)
	}
	if got := rec.Logs(); len(got) != 1 || got[0] != "a log" {
		t.Errorf("Logs() = %q; want [a log]", got)
	}
	if rec.Context() != ctx {
		t.Error("Context() is not Ctx")
	}
	if d, ok := rec.Deadline(); !ok || !d.Equal(at) {
		t.Errorf("Deadline() = %v, %v; want %v, true", d, ok, at)
	}
}

func TestFFmpegPidsFindsOnlyItsToken(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/cmdline"); err != nil {
		t.Skip("no /proc on this system")
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep binary")
	}
	// A process named ffmpeg (a link to sleep) whose command line (its
	// argv[0]) holds a token of this test only.
	token := "127.0.0.1:" + strings.TrimPrefix(t.Name(), "Test")
	link := t.TempDir() + "/ffmpeg-" + token
	if err := os.Symlink(sleep, link); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(link, "30")
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start %s: %v", link, err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	WaitFor(t, 5*time.Second, "the process to show in /proc", func() bool { return len(FFmpegPids(token)) == 1 })
	if got := LiveFFmpegPids(token); len(got) != 1 || got[0] != cmd.Process.Pid {
		t.Errorf("LiveFFmpegPids = %v; want [%d]", got, cmd.Process.Pid)
	}
	if got := FFmpegPids(token + "-other"); len(got) != 0 {
		t.Errorf("FFmpegPids of another token = %v; want none", got)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if Alive(cmd.Process.Pid) {
		t.Errorf("Alive(%d) after Wait = true", cmd.Process.Pid)
	}
}

func TestTarpitNeverAnswers(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(Tarpit(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := Host(t, u.String()); got != u.Host {
		t.Errorf("Host = %q; want %q", got, u.Host)
	}
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _ = c.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, err := c.Read(make([]byte, 1)); err == nil {
		t.Errorf("read %d bytes from the tarpit; want a timeout", n)
	}
}
