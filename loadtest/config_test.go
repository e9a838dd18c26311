package loadtest

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	const u = "http://127.0.0.1:8080/live/master.m3u8"
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // substring; "" means valid
	}{
		{"zero but URL", Config{URL: u}, ""},
		{"https", Config{URL: "https://example.test/a.m3u8"}, ""},
		{"all fields", Config{
			URL: u, Clients: 3, Ramp: time.Second, Duration: time.Second, WarmUp: time.Second,
			Variant: VariantLowest, KeepAlive: KeepAliveOn, Timeout: time.Second, Reconnect: true,
			Headers: map[string]string{"X-Test": "1"}, UserAgent: "probe/1",
			RestartPolicy: RestartNever, ProgressInterval: -1, Thresholds: []string{"timeouts == 0"},
			ThresholdDelay: time.Second, MetricsAddr: ":0", Seed: 7,
		}, ""},
		{"empty URL", Config{}, "Config.URL is empty; want an http:// or https://"},
		{"file URL", Config{URL: "file:///etc/passwd"}, `has scheme "file"; want http or https`},
		{"no host", Config{URL: "http:///a.m3u8"}, "has no host"},
		{"bad URL", Config{URL: "http://[::1"}, "Config.URL"},
		{"negative clients", Config{URL: u, Clients: -1}, "Config.Clients = -1; want 1..10000 (0 means 5)"},
		{"too many clients", Config{URL: u, Clients: MaxClients + 1}, "Config.Clients = 10001"},
		{"negative ramp", Config{URL: u, Ramp: -time.Second}, "Config.Ramp = -1s; want a duration >= 0"},
		{"negative duration", Config{URL: u, Duration: -1}, "Config.Duration"},
		{"negative warm-up", Config{URL: u, WarmUp: -1}, "Config.WarmUp"},
		{"negative timeout", Config{URL: u, Timeout: -1}, "Config.Timeout"},
		{"tiny timeout", Config{URL: u, Timeout: time.Microsecond}, "Config.Timeout = 1µs; want >= 1ms"},
		{"negative threshold delay", Config{URL: u, ThresholdDelay: -1}, "Config.ThresholdDelay"},
		{"unknown variant", Config{URL: u, Variant: "best"}, `Config.Variant = "best"; want one of "round-robin", "all", "first", "highest", "lowest", "abr"`},
		{"abr with ffmpeg", Config{URL: u, Variant: VariantABR}, `Config.Variant = "abr" needs Config.Engine = "native" (ffmpeg does no adaptive bitrate); with Config.Engine = "ffmpeg" want one of "round-robin", "all", "first", "highest", "lowest"`},
		{"abr native", Config{URL: u, Variant: VariantABR, Engine: EngineNative}, ""},
		{"unknown keep-alive", Config{URL: u, KeepAlive: "yes"}, `Config.KeepAlive = "yes"; want one of "auto", "on", "off"`},
		{"unknown http2", Config{URL: u, HTTP2: "on"}, `Config.HTTP2 = "on"; want one of "auto", "off"`},
		{"unknown restart policy", Config{URL: u, RestartPolicy: "sometimes"}, `Config.RestartPolicy = "sometimes"; want one of "never", "on-failure", "always"`},
		{"header name with colon", Config{URL: u, Headers: map[string]string{"X-A:b": "1"}}, "Config.Headers has name"},
		{"header value with CRLF", Config{URL: u, Headers: map[string]string{"X-A": "1\r\nX-B: 2"}}, `Config.Headers["X-A"] contains CR or LF`},
		{"user agent with LF", Config{URL: u, UserAgent: "a\nb"}, "Config.UserAgent contains CR or LF"},
		{"header name with space", Config{URL: u, Headers: map[string]string{"X A": "1"}}, `Config.Headers has name "X A"; want an HTTP header name`},
		{"header name with non-ASCII", Config{URL: u, Headers: map[string]string{"Jeton-é": "1"}}, "want an HTTP header name"},
		{"user agent in headers", Config{URL: u, Headers: map[string]string{"user-agent": "x"}}, "set Config.UserAgent instead"},
		{"client header in headers", Config{URL: u, Headers: map[string]string{"X-Hlsswarm-Client": "9"}}, "the fleet sets it (viewer id, Config.RunID, Config.Shard)"},
		{"host in headers", Config{URL: u, Headers: map[string]string{"Host": "cdn.test"}}, "ffmpeg sets it for each request"},
		{"authorization", Config{URL: u, Headers: map[string]string{"Authorization": "Bearer x", "Cookie": "a=b"}}, ""},
		{"space in URL", Config{URL: "http://127.0.0.1:8080/live stream/master.m3u8"}, "has a space or control character at byte 26; want a URL with it percent-encoded"},
		{"run overflows", Config{URL: u, Duration: math.MaxInt64}, "Config.Duration = 2562047h47m16.854775807s; want at most 168h0m0s (MaxRun)"},
		{"ramp plus duration too long", Config{URL: u, Ramp: 100 * time.Hour, Duration: 100 * time.Hour}, "Config.Ramp + Config.Duration = 200h0m0s; want at most 168h0m0s"},
		{"empty threshold", Config{URL: u, Thresholds: []string{" "}}, "Config.Thresholds[0] is empty"},
		{"metrics addr without port", Config{URL: u, MetricsAddr: "localhost"}, `Config.MetricsAddr = "localhost"; want host:port`},
		{"pushgateway without scheme", Config{URL: u, PushGateway: "localhost:9091"}, `Config.PushGateway = "localhost:9091"; want the Pushgateway's base URL`},
		{"push interval too short", Config{URL: u, PushInterval: time.Millisecond}, `Config.PushInterval = 1ms; want 0`},
		{"global thresholds without prometheus", Config{URL: u, PushGateway: "http://127.0.0.1:9091", GlobalThresholds: []string{"timeouts == 0"}}, `Config.GlobalThresholds need Config.PushGateway ("http://127.0.0.1:9091") and Config.PrometheusURL ("")`},
		{"empty global threshold", Config{URL: u, GlobalThresholds: []string{" "}}, `Config.GlobalThresholds[0] is empty`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.cfg.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Validate() = %v; want nil", err)
			case tc.wantErr != "" && err == nil:
				t.Fatalf("Validate() = nil; want error containing %q", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Fatalf("Validate() = %q; want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	t.Setenv(ReportDirEnv, "/tmp/reports")
	got := Config{URL: "http://127.0.0.1/a.m3u8"}.withDefaults()
	if got.Clients != DefaultClients || got.Duration != DefaultDuration || got.Timeout != DefaultTimeout ||
		got.ProgressInterval != DefaultProgressInterval || got.Variant != VariantRoundRobin || got.KeepAlive != KeepAliveAuto || got.RestartPolicy != RestartOnFailure {
		t.Fatalf("withDefaults() = %+v; want the documented defaults", got)
	}
	if got, want := got.Ramp, 500*time.Millisecond; got != want {
		t.Errorf("default Ramp for %d clients = %s; want %s (10 starts/s)", DefaultClients, got, want)
	}
	if got.ReportDir != "/tmp/reports" {
		t.Errorf("ReportDir = %q; want it from %s", got.ReportDir, ReportDirEnv)
	}
	// Explicit values survive.
	c := Config{URL: "http://x/a.m3u8", Clients: 200, ProgressInterval: -1}.withDefaults()
	if got, want := c.Ramp, 20*time.Second; got != want {
		t.Errorf("default Ramp for 200 clients = %s; want %s", got, want)
	}
	if c.ProgressInterval != -1 {
		t.Errorf("ProgressInterval = %s; want -1 (disabled) kept", c.ProgressInterval)
	}
}

func TestMetricsListenAddr(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		":0":           "127.0.0.1:0",
		":9100":        "127.0.0.1:9100",
		"[::1]:9100":   "[::1]:9100",
		"0.0.0.0:9100": "0.0.0.0:9100",
	} {
		if got := metricsListenAddr(in); got != want {
			t.Errorf("metricsListenAddr(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestCheckDeadline(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := checkDeadline(now, now.Add(time.Minute), 2*time.Second, 10*time.Second); err != nil {
		t.Fatalf("checkDeadline with a minute left = %v; want nil", err)
	}
	err := checkDeadline(now, now.Add(10*time.Second), 2*time.Second, 30*time.Second)
	if err == nil {
		t.Fatal("checkDeadline(32s run, 10s left) = nil; want an error")
	}
	for _, want := range []string{"needs 35s", "Ramp 2s + Duration 30s", "deadline (go test -timeout) is 10s away"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("checkDeadline error %q; want it to contain %q", err, want)
		}
	}
}
