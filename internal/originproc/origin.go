package originproc

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
)

// Env is set in the child's environment: it makes ServeIfChild serve.
const Env = "HLSSWARM_ORIGIN_PROCESS"

// EnvHTTP2, set to "1" in the environment of the process that calls
// Start, makes the child origin serve https offering HTTP/2
// (fixtures.WithHTTP2).
const EnvHTTP2 = "HLSSWARM_ORIGIN_HTTP2"

// Counts is what the child reports when it stops: its requests by kind and
// status ([fixtures.Origin.RequestCounts]), and the requests that carried
// no client id (the fleet's own playlist fetches).
type Counts struct {
	Requests  map[string]map[int]int64
	Anonymous int64
}

// ServeIfChild serves a live fixtures origin when the process was started
// by [Start] (ok is then true): it prints the origin's URL, and when its
// stdin closes, prints its Counts as JSON and returns the exit code.
func ServeIfChild() (code int, ok bool) {
	if os.Getenv(Env) == "" {
		return 0, false
	}
	return serve(os.Stdin, os.Stdout), true
}

func serve(in io.Reader, out io.Writer) int {
	opts := []fixtures.Option{fixtures.Live{}, fixtures.WithLogLimit(1000)}
	if os.Getenv(EnvHTTP2) == "1" {
		opts = append(opts, fixtures.WithHTTP2())
	}
	o, err := fixtures.New(opts...)
	if err == nil {
		err = o.Start()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "origin process:", err)
		return 1
	}
	defer o.Close()
	fmt.Fprintln(out, o.URL())
	_, _ = io.Copy(io.Discard, in)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = o.WaitIdle(ctx)
	if err := json.NewEncoder(out).Encode(Counts{o.RequestCounts(), o.Snapshot().ByClient[""].Total()}); err != nil {
		return 1
	}
	return 0
}

// Process is an origin served by a child process.
type Process struct {
	// URL is the origin's master playlist.
	URL string
	// Pid is the child's process id.
	Pid int

	stdin io.WriteCloser
	out   *bufio.Reader
	cmd   *exec.Cmd
}

// Start runs the test binary again as an origin (its TestMain must call
// ServeIfChild) and returns once the origin serves. The child ends with
// the test, or earlier with Counts.
func Start(tb testing.TB) *Process {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), Env+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	p := &Process{Pid: cmd.Process.Pid, stdin: stdin, out: bufio.NewReader(stdout), cmd: cmd}
	tb.Cleanup(func() { _ = p.stdin.Close(); _ = p.cmd.Wait() })
	line, err := p.out.ReadString('\n')
	if err != nil {
		tb.Fatalf("origin process: %v", err)
	}
	p.URL = strings.TrimSpace(line)
	return p
}

// Counts stops the origin and returns what it served.
func (p *Process) Counts(tb testing.TB) Counts {
	tb.Helper()
	_ = p.stdin.Close()
	var c Counts
	if err := json.NewDecoder(p.out).Decode(&c); err != nil {
		tb.Fatalf("origin process counts: %v", err)
	}
	return c
}
