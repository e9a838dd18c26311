package originproc

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	if code, ok := ServeIfChild(); ok {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// TestStart: the child serves a live origin and reports exactly what it
// served, the requests without a client id apart.
func TestStart(t *testing.T) {
	p := Start(t)
	if p.Pid == os.Getpid() || p.Pid <= 0 {
		t.Fatalf("pid %d; want a child's", p.Pid)
	}
	get := func(client string) {
		req, err := http.NewRequest(http.MethodGet, p.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		if client != "" {
			req.Header.Set("X-Hlsswarm-Client", client)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", p.URL, resp.Status)
		}
	}
	get("")
	get("1")
	get("2")
	http.DefaultClient.CloseIdleConnections()
	c := p.Counts(t)
	if got := c.Requests["manifest"][200]; got != 3 {
		t.Errorf("manifest 200s %d; want 3 (counts %v)", got, c.Requests)
	}
	if c.Anonymous != 1 {
		t.Errorf("anonymous requests %d; want 1", c.Anonymous)
	}
}

// TestServeOutput: the URL line, then the counts as JSON.
func TestServeOutput(t *testing.T) {
	var out bytes.Buffer
	if code := serve(strings.NewReader(""), &out); code != 0 {
		t.Fatalf("serve exit %d", code)
	}
	url, rest, _ := strings.Cut(out.String(), "\n")
	if !strings.HasPrefix(url, "http://127.0.0.1:") && !strings.HasPrefix(url, "http://[::1]:") {
		t.Errorf("first line %q; want the origin's loopback URL", url)
	}
	var c Counts
	if err := json.Unmarshal([]byte(rest), &c); err != nil {
		t.Fatalf("counts %q: %v", rest, err)
	}
	if c.Anonymous != 0 || len(c.Requests) != 0 {
		t.Errorf("counts %+v; want none", c)
	}
}

// TestCPUTime: this process has used some CPU, a gone process none.
func TestCPUTime(t *testing.T) {
	deadline := time.Now().Add(50 * time.Millisecond)
	for time.Now().Before(deadline) { // burn a few ticks
	}
	if d, ok := CPUTime("self"); !ok || d <= 0 {
		t.Errorf("CPUTime(self) = %v, %v; want > 0", d, ok)
	}
	if _, ok := CPUTime("0"); ok {
		t.Error("CPUTime of pid 0: ok; want not found")
	}
	if kb := KB("/proc/self/status", "VmRSS"); kb <= 0 {
		t.Errorf("VmRSS %d kB; want > 0", kb)
	}
	if kb := KB("/proc/self/status", "NoSuchKey"); kb != 0 {
		t.Errorf("missing key: %d; want 0", kb)
	}
}
