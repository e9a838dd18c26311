package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/testkit"
)

// promStack is a Prometheus server scraping a Pushgateway every second,
// both started by the test on loopback ports (Debian packages prometheus
// and prometheus-pushgateway, installed by make deps) and stopped when it
// ends.
type promStack struct {
	gateway string // http://127.0.0.1:port of the Pushgateway
	server  string // http://127.0.0.1:port of Prometheus
}

// optionalPromStack is startPromStack for a test whose Prometheus part is
// one check among others: without the binaries (and outside CI) it logs
// why and returns nil.
func optionalPromStack(t *testing.T) *promStack {
	t.Helper()
	for _, bin := range []string{"prometheus", "prometheus-pushgateway"} {
		if _, err := exec.LookPath(bin); err != nil && os.Getenv("CI") != "true" {
			t.Logf("%s not found (make deps installs it): the Prometheus checks are left out", bin)
			return nil
		}
	}
	return startPromStack(t)
}

// freePort returns a loopback port nothing listens on now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// startPromStack starts a Pushgateway and a Prometheus server that scrapes
// it every second with native histograms enabled, and waits until both
// are ready.
func startPromStack(t *testing.T) *promStack {
	t.Helper()
	gwBin := testkit.Tool(t, "make deps installs the Debian package prometheus-pushgateway", "prometheus-pushgateway")
	promBin := testkit.Tool(t, "make deps installs the Debian package prometheus", "prometheus")
	dir := t.TempDir()
	gwAddr := "127.0.0.1:" + freePort(t)
	startDaemon(t, filepath.Join(dir, "pushgateway.log"), gwBin,
		"--web.listen-address="+gwAddr, "--persistence.file=")
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: pushgateway
    honor_labels: true
    static_configs:
      - targets: [%q]
`, gwAddr)
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	promAddr := "127.0.0.1:" + freePort(t)
	startDaemon(t, filepath.Join(dir, "prometheus.log"), promBin,
		"--config.file="+cfgPath, "--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--web.listen-address="+promAddr, "--enable-feature=native-histograms")
	s := &promStack{gateway: "http://" + gwAddr, server: "http://" + promAddr}
	for _, ready := range []string{s.gateway + "/-/ready", s.server + "/-/ready"} {
		testkit.WaitFor(t, 30*time.Second, ready, func() bool {
			resp, err := http.Get(ready)
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		})
	}
	return s
}

// startDaemon starts a server process logging to logPath, and stops it
// (SIGTERM, then SIGKILL after 5 s) when the test ends; its log is
// printed when the test failed.
func startDaemon(t *testing.T, logPath, bin string, args ...string) {
	t.Helper()
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		log.Close()
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		log.Close()
		if t.Failed() {
			if b, err := os.ReadFile(logPath); err == nil {
				t.Logf("%s log:\n%s", filepath.Base(bin), b)
			}
		}
	})
}

// query evaluates an instant PromQL query and returns its samples' values
// by their label sets (printed as Prometheus prints them).
func (s *promStack) query(t *testing.T, q string) map[string]float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.server+"/api/v1/query?query="+url.QueryEscape(q), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("query %q: %v", q, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil || r.Status != "success" {
		t.Fatalf("query %q: %v %s %s", q, err, r.Error, body)
	}
	out := make(map[string]float64, len(r.Data.Result))
	for _, res := range r.Data.Result {
		str, _ := res.Value[1].(string)
		v, err := strconv.ParseFloat(str, 64)
		if err != nil {
			t.Fatalf("query %q: value %v: %v", q, res.Value, err)
		}
		out[fmt.Sprint(res.Metric)] = v
	}
	return out
}

// scalar evaluates a query that yields one sample, and whether it did.
func (s *promStack) scalar(t *testing.T, q string) (float64, bool) {
	t.Helper()
	m := s.query(t, q)
	if len(m) != 1 {
		return 0, false
	}
	for _, v := range m {
		return v, true
	}
	return 0, false
}
