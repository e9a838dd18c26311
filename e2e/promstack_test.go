package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/promapi"
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

// scalar evaluates a query that yields one sample now, through the
// library's own Prometheus client, and whether it did.
func (s *promStack) scalar(t *testing.T, q string) (float64, bool) {
	t.Helper()
	c, err := promapi.New(s.server, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	v, ok, err := c.QueryScalar(t.Context(), q, time.Now())
	if err != nil {
		t.Fatalf("query %q: %v", q, err)
	}
	return v, ok
}
