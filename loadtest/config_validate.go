package loadtest

import (
	"cmp"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/ffmpeg"
)

// Validate reports the first field of c that cannot run, naming the field
// and the accepted values. Zero values are valid: they select defaults.
func (c Config) Validate() error {
	if err := validateURL(c.URL); err != nil {
		return err
	}
	if c.Clients < 0 || c.Clients > MaxClients {
		return fmt.Errorf("loadtest: Config.Clients = %d; want 1..%d (0 means %d)", c.Clients, MaxClients, DefaultClients)
	}
	durations := []struct {
		name string
		d    time.Duration
	}{
		{"Ramp", c.Ramp}, {"Duration", c.Duration}, {"WarmUp", c.WarmUp},
		{"Timeout", c.Timeout}, {"ThresholdDelay", c.ThresholdDelay},
	}
	for _, f := range durations {
		if f.d < 0 {
			return fmt.Errorf("loadtest: Config.%s = %s; want a duration >= 0 (0 means the default)", f.name, f.d)
		}
		if f.d > MaxRun {
			return fmt.Errorf("loadtest: Config.%s = %s; want at most %s (MaxRun)", f.name, f.d, MaxRun)
		}
	}
	if c.Ramp+c.Duration > MaxRun {
		return fmt.Errorf("loadtest: Config.Ramp + Config.Duration = %s; want at most %s (MaxRun)", c.Ramp+c.Duration, MaxRun)
	}
	if c.Timeout != 0 && c.Timeout < time.Millisecond {
		return fmt.Errorf("loadtest: Config.Timeout = %s; want >= 1ms (ffmpeg rw_timeout) or 0 for %s", c.Timeout, DefaultTimeout)
	}
	if c.Variant != "" && !contains(variants, c.Variant) {
		return fmt.Errorf("loadtest: Config.Variant = %q; want one of %s", c.Variant, quoteAll(variants))
	}
	if c.Variant == VariantABR && c.Engine != EngineNative {
		return fmt.Errorf("loadtest: Config.Variant = %q needs Config.Engine = %q (ffmpeg does no adaptive bitrate); with Config.Engine = %q want one of %s",
			c.Variant, EngineNative, cmp.Or(c.Engine, EngineFFmpeg), quoteAll(variants[:len(variants)-1]))
	}
	if c.KeepAlive != "" && !contains(keepAlives, c.KeepAlive) {
		return fmt.Errorf("loadtest: Config.KeepAlive = %q; want one of %s", c.KeepAlive, quoteAll(keepAlives))
	}
	if c.RestartPolicy != "" && !contains(restartPolicies, c.RestartPolicy) {
		return fmt.Errorf("loadtest: Config.RestartPolicy = %q; want one of %s", c.RestartPolicy, quoteAll(restartPolicies))
	}
	if c.Engine != "" && !contains(engines, c.Engine) {
		return fmt.Errorf("loadtest: Config.Engine = %q; want one of %s", c.Engine, quoteAll(engines))
	}
	if c.HTTP2 != "" && !contains(http2Modes, c.HTTP2) {
		return fmt.Errorf("loadtest: Config.HTTP2 = %q; want one of %s", c.HTTP2, quoteAll(http2Modes))
	}
	if c.VOD != "" && !contains(vodPlaybacks, c.VOD) {
		return fmt.Errorf("loadtest: Config.VOD = %q; want one of %s", c.VOD, quoteAll(vodPlaybacks))
	}
	for name, value := range c.Headers {
		if !ffmpeg.ValidHeaderName(name) {
			return fmt.Errorf("loadtest: Config.Headers has name %q; want an HTTP header name: letters, digits and !#$%%&'*+-.^_`|~, no spaces or ':'", name)
		}
		switch strings.ToLower(name) {
		case "user-agent":
			return fmt.Errorf("loadtest: Config.Headers has %q; set Config.UserAgent instead (each viewer appends \" client-<n>\" to it)", name)
		case strings.ToLower(ffmpeg.ClientHeader), strings.ToLower(ffmpeg.RunHeader), strings.ToLower(ffmpeg.ShardHeader):
			return fmt.Errorf("loadtest: Config.Headers has %q; the fleet sets it (viewer id, Config.RunID, Config.Shard)", name)
		case "host", "content-length", "connection", "transfer-encoding":
			return fmt.Errorf("loadtest: Config.Headers has %q; ffmpeg sets it for each request: leave it out", name)
		}
		if strings.ContainsAny(value, "\r\n") {
			return fmt.Errorf("loadtest: Config.Headers[%q] contains CR or LF; want a single-line value", name)
		}
	}
	if strings.ContainsAny(c.UserAgent, "\r\n") {
		return fmt.Errorf("loadtest: Config.UserAgent contains CR or LF; want a single-line value")
	}
	for i, expr := range c.Thresholds {
		if strings.TrimSpace(expr) == "" {
			return fmt.Errorf("loadtest: Config.Thresholds[%d] is empty; want an expression like \"timeouts == 0\"", i)
		}
	}
	if err := c.validatePlacement(); err != nil {
		return err
	}
	if c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil || port == "" {
			return fmt.Errorf("loadtest: Config.MetricsAddr = %q; want host:port or :port (empty host means 127.0.0.1, port 0 picks one)", c.MetricsAddr)
		}
	}
	if err := validatePushGateway(c.PushGateway); err != nil {
		return err
	}
	for i, expr := range c.GlobalThresholds {
		if strings.TrimSpace(expr) == "" {
			return fmt.Errorf("loadtest: Config.GlobalThresholds[%d] is empty; want an expression like \"http_error_rate < 1%%\"", i)
		}
	}
	if len(c.GlobalThresholds) > 0 && (c.PushGateway == "" || c.PrometheusURL == "") {
		return fmt.Errorf("loadtest: Config.GlobalThresholds need Config.PushGateway (%q) and Config.PrometheusURL (%q), the Prometheus server that scrapes it; set both (or %s and %s)",
			c.PushGateway, c.PrometheusURL, PushGatewayEnv, PrometheusEnv)
	}
	if c.PushInterval < 0 || (c.PushInterval > 0 && c.PushInterval < 100*time.Millisecond) {
		return fmt.Errorf("loadtest: Config.PushInterval = %v; want 0 (the default, %v) or at least 100ms", c.PushInterval, DefaultPushInterval)
	}
	return nil
}

func validateURL(raw string) error {
	if raw == "" {
		return fmt.Errorf("loadtest: Config.URL is empty; want an http:// or https:// HLS playlist URL")
	}
	if i := strings.IndexFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }); i >= 0 {
		return fmt.Errorf("loadtest: Config.URL = %q has a space or control character at byte %d; want a URL with it percent-encoded (%%20 for a space)", raw, i)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("loadtest: Config.URL = %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("loadtest: Config.URL = %q has scheme %q; want http or https", raw, u.Scheme)
	}
	if u.Host == "" {
		return fmt.Errorf("loadtest: Config.URL = %q has no host; want http://host[:port]/path.m3u8", raw)
	}
	return nil
}

// metricsListenAddr puts an empty host on loopback.
func metricsListenAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host != "" {
		return addr
	}
	return net.JoinHostPort("127.0.0.1", port)
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func quoteAll[T ~string](list []T) string {
	q := make([]string, len(list))
	for i, v := range list {
		q[i] = fmt.Sprintf("%q", string(v))
	}
	return strings.Join(q, ", ")
}
