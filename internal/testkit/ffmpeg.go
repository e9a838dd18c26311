package testkit

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// FFmpeg returns the ffmpeg for tests that run it: $HLSSWARM_FFMPEG, else
// ffmpeg on PATH. Without one it skips the test, saying how to install it
// or point at another binary; in CI (CI=true) it fails the test instead,
// since CI must run them (make deps installs ffmpeg).
func FFmpeg(t testing.TB) string {
	t.Helper()
	bin := os.Getenv("HLSSWARM_FFMPEG")
	if bin == "" {
		bin = "ffmpeg"
	}
	return Tool(t, "install it (apt-get install -y ffmpeg, or make deps) or set HLSSWARM_FFMPEG", bin)
}

// Tool returns the path of the first of names found on PATH (or the path
// itself, for a name with a slash), for a test that runs it. Without one
// it skips the test, with hint saying how to get it; in CI (CI=true) it
// fails the test instead, since CI must run every test (make deps installs
// what they need).
func Tool(t testing.TB, hint string, names ...string) string {
	t.Helper()
	var err error
	for _, name := range names {
		var path string
		if path, err = exec.LookPath(name); err == nil {
			return path
		}
	}
	msg := fmt.Sprintf("%s not found (%v): %s", strings.Join(names, " or "), err, hint)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// FFmpegPids returns the pids of the processes, zombies included, whose
// argv[0] names ffmpeg and whose command line holds token, read from /proc
// (none off Linux). With the host:port of a test's own origin as token,
// only that test's viewers are counted, whatever else runs at the time.
func FFmpegPids(token string) []int {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var pids []int
	for _, d := range dirs {
		cmd, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !bytes.Contains(cmd, []byte(token)) {
			continue
		}
		argv0, _, _ := bytes.Cut(cmd, []byte{0})
		if !bytes.Contains([]byte(filepath.Base(string(argv0))), []byte("ffmpeg")) {
			continue
		}
		if pid, err := strconv.Atoi(filepath.Base(d)); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// Alive reports whether pid exists and is not a zombie (/proc/pid/stat).
func Alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] != 'Z'
}

// Host returns the host:port of rawURL, the token that marks the ffmpeg
// processes playing from one origin (each test's origin has its own port).
func Host(t testing.TB, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		t.Fatalf("url %q: no host (%v)", rawURL, err)
	}
	return u.Host
}

// LiveFFmpegPids is [FFmpegPids] without the zombies: the processes still
// running.
func LiveFFmpegPids(token string) []int {
	var live []int
	for _, p := range FFmpegPids(token) {
		if Alive(p) {
			live = append(live, p)
		}
	}
	return live
}

// BenchCorpus returns the recorded ffmpeg output a benchmark reads: the file
// named by HLSSWARM_BENCH_CORPUS when set, else def (a path relative to the
// test's package). It fails tb when the file cannot be read.
func BenchCorpus(tb testing.TB, def string) []byte {
	tb.Helper()
	name := os.Getenv("HLSSWARM_BENCH_CORPUS")
	if name == "" {
		name = def
	}
	data, err := os.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}
