//go:build linux

package ffmpeg

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/testkit"
)

// TestKilledParentLeavesNoFFmpeg re-runs the test binary as a child that
// starts real viewers, SIGKILLs the child (as a go test timeout or a CI
// runner would), and checks that every viewer dies with it (Pdeathsig).
func TestKilledParentLeavesNoFFmpeg(t *testing.T) {
	t.Parallel()
	bin := systemBinary(t)
	o := newOrigin(t)
	token := "pdeathsig-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	args := viewerArgs(t, bin, Viewer{URL: o.URL + "/live.m3u8", Headers: []Header{{"X-Test-Token", token}}})
	argsJSON, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), helperEnv+"=1", helperPathEnv+"="+bin.Path, helperArgsEnv+"="+string(argsJSON))
	child.Stderr = os.Stderr
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	var pids []int
	t.Cleanup(func() {
		// Only on failure is anything left: kill exactly what we started.
		_ = child.Process.Kill()
		for _, pid := range pids {
			if alive(pid) && cmdlineHas(pid, token) {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	timeout := time.After(10 * time.Second)
	for len(pids) < helperViewers {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("child exited after %d pids", len(pids))
			}
			pid, err := strconv.Atoi(strings.TrimPrefix(l, "pid "))
			if err != nil {
				t.Fatalf("child printed %q", l)
			}
			pids = append(pids, pid)
		case <-timeout:
			t.Fatal("child printed no pids within 10s")
		}
	}
	for _, pid := range pids {
		if !alive(pid) || !cmdlineHas(pid, token) {
			t.Fatalf("pid %d: alive=%v, carries token=%v; want a running viewer of this test", pid, alive(pid), cmdlineHas(pid, token))
		}
	}
	testkit.WaitFor(t, 10*time.Second, "the ffmpeg viewers' requests", func() bool { return o.count("/live.m3u8") >= helperViewers })

	killed := time.Now()
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	for range lines { // the reader goroutine ends with the child's stdout
	}
	for _, pid := range pids {
		requireGone(t, pid, 2*time.Second)
	}
	t.Logf("%d viewers gone %v after SIGKILL of their parent", len(pids), time.Since(killed).Round(time.Millisecond))
}

func cmdlineHas(pid int, token string) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return err == nil && strings.Contains(string(b), token)
}
