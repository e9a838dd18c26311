package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/internal/testkit"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// fdChildEnv marks the child process of TestFileLimitExhaustedEndsOnTime.
const fdChildEnv = "HLSSWARM_E2E_FD_CHILD"

// fdChildLimit is the RLIMIT_NOFILE (soft and hard) the child runs under:
// enough for Start's estimate of its fleet, so the run starts, and small
// enough that the test can take what is left cheaply.
const fdChildLimit = 256

// The child's fleet: a slow ramp, so that most viewers are still to start
// when the descriptors run out.
const (
	fdChildClients  = 8
	fdChildRamp     = 4 * time.Second
	fdChildDuration = 8 * time.Second
)

// fdChildReport is what the child prints for the parent, one JSON line
// after "FDREPORT ".
type fdChildReport struct {
	Ran          time.Duration `json:"ran"`
	Called       time.Duration `json:"called"`
	Held         int           `json:"held"`
	NeverStarted int           `json:"never_started"`
	Active       int           `json:"active_at_exhaustion"`
	Failures     []string      `json:"failures"`
	Summary      string        `json:"summary"`
}

// TestFileLimitExhaustedEndsOnTime reproduces issue 16's 1,000-viewer case
// at CI scale: there, the test process ran out of file descriptors
// mid-run (viewers' pipes, the in-process origin's sockets), restarts
// failed with "too many open files", and the run never ended. Here a child
// test binary runs under RLIMIT_NOFILE 256 with its origin in process and
// takes every descriptor left once two viewers play, as a leaking origin
// would, keeping them to the end of the run. The run must end on
// schedule, count the viewers whose start the OS refused instead of
// retrying them, and fail with a message that names the cause.
func TestFileLimitExhaustedEndsOnTime(t *testing.T) {
	t.Parallel()
	bound := fdChildRamp + fdChildDuration + loadtest.StopBound
	// The child also probes ffmpeg and fetches the master playlist before
	// its fleet starts: allow a minute over the bound before killing it.
	ctx, cancel := context.WithTimeout(context.Background(), bound+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestFileLimitChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), fdChildEnv+"=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("the child ran over %v and was killed: a run out of file descriptors hung\n%s", bound+time.Minute, out.String())
	}
	var rep *fdChildReport
	sc := bufio.NewScanner(bytes.NewReader(out.Bytes()))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "FDREPORT "); ok {
			rep = new(fdChildReport)
			if jerr := json.Unmarshal([]byte(line), rep); jerr != nil {
				t.Fatalf("child report %q: %v", line, jerr)
			}
		}
	}
	if err != nil || rep == nil {
		t.Fatalf("child: %v, report %v\n%s", err, rep != nil, out.String())
	}
	t.Logf("child held %d descriptors once %d viewers played; fleet ran %v, Run took %v; %d viewers never started\nfailures: %q\n%s",
		rep.Held, rep.Active, rep.Ran, rep.Called, rep.NeverStarted, rep.Failures, rep.Summary)
	if rep.Held == 0 {
		t.Fatalf("the child took no descriptor: the test exhausted nothing")
	}
	if limit := fdChildRamp + fdChildDuration + 3*time.Second; rep.Ran > limit {
		t.Errorf("fleet ran %v; want at most Ramp + Duration + 3s = %v", rep.Ran, limit)
	}
	if rep.Called > bound+10*time.Second {
		t.Errorf("Run took %v; want at most Ramp + Duration + StopBound (+10s for probe and preflight) = %v", rep.Called, bound+10*time.Second)
	}
	if rep.NeverStarted == 0 || rep.NeverStarted > fdChildClients-rep.Active {
		t.Errorf("%d viewers never started; want the %d that were to start after the descriptors ran out, or some of them",
			rep.NeverStarted, fdChildClients-rep.Active)
	}
	named := false
	for _, f := range rep.Failures {
		named = named || strings.Contains(f, "too many open files")
	}
	if !named {
		t.Errorf("failures %q: none names the cause (too many open files)", rep.Failures)
	}
}

// TestFileLimitChild is the child of TestFileLimitExhaustedEndsOnTime: it
// lowers its own RLIMIT_NOFILE, runs a fleet against an origin in this
// process, takes every free descriptor once two viewers play, and prints
// what the run reported.
func TestFileLimitChild(t *testing.T) {
	if os.Getenv(fdChildEnv) == "" {
		t.Skip("runs only as a child of TestFileLimitExhaustedEndsOnTime")
	}
	lim := syscall.Rlimit{Cur: fdChildLimit, Max: fdChildLimit}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatalf("setrlimit: %v", err)
	}
	origin := fixtures.NewOrigin(t, fixtures.Live{})
	rec := &testkit.Recorder{TB: t, RealFatal: true}
	called := time.Now()
	f := loadtest.Start(rec, loadtest.Config{
		URL: origin.URL(), Clients: fdChildClients, Ramp: fdChildRamp, Duration: fdChildDuration,
		ProgressInterval: time.Second,
	})
	if f == nil {
		t.Fatalf("Start failed: %q", rec.Errors())
	}
	testkit.WaitFor(t, 20*time.Second, "two viewers playing", func() bool { return f.Snapshot().Clients.Active >= 2 })
	active := f.Snapshot().Clients.Active
	held := takeAllDescriptors(t)
	r := f.Wait()
	ran := r.End.Sub(r.Start)
	took := time.Since(called)
	for _, h := range held {
		h.Close()
	}
	rep := fdChildReport{Ran: ran, Called: took, Held: len(held), NeverStarted: r.Clients.NeverStarted,
		Active: active, Failures: rec.Errors(), Summary: r.Summary()}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("FDREPORT %s\n", b)
}

// takeAllDescriptors opens /dev/null until the process has no descriptor
// left, and returns the files.
func takeAllDescriptors(t *testing.T) []*os.File {
	var held []*os.File
	for len(held) < 2*fdChildLimit {
		h, err := os.Open(os.DevNull)
		if err != nil {
			if !errors.Is(err, syscall.EMFILE) {
				t.Fatalf("open %s: %v", os.DevNull, err)
			}
			return held
		}
		held = append(held, h)
	}
	t.Fatalf("opened %d files under a limit of %d", len(held), fdChildLimit)
	return nil
}
