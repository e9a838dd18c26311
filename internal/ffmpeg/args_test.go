package ffmpeg

import (
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Fake probe results in the shape of real builds (not fake ffmpeg binaries).
var (
	features41 = Features{LogLevelPrefix: true, RWTimeout: true, ProtocolWhitelist: true,
		Reconnect: true, ReconnectStreamed: true, ReconnectDelayMax: true, HTTPPersistent: true, LiveStartIndex: true,
		Protocols: map[string]bool{"http": true, "tcp": true, "crypto": true}}
	features51 = Features{LogLevelPrefix: true, StatsPeriod: true, RWTimeout: true, ProtocolWhitelist: true,
		Reconnect: true, ReconnectStreamed: true, ReconnectOnNetworkError: true, ReconnectOnHTTPError: true, ReconnectDelayMax: true,
		HTTPPersistent: true, LiveStartIndex: true,
		Protocols: map[string]bool{"http": true, "https": true, "tls": true, "tcp": true, "crypto": true}}
	// featuresSafe is the least a binary must have: the safety flags.
	featuresSafe = Features{RWTimeout: true, ProtocolWhitelist: true}
	features61   = withFeatures(features51, func(f *Features) { f.SegMaxRetry = true })
	features71   = withFeatures(features61, func(f *Features) { f.LogDatetime = true })
)

func withFeatures(f Features, change func(*Features)) Features {
	change(&f)
	return f
}

func fakeBinary(ver string, lavf string, f Features) *Binary {
	return &Binary{Path: "/usr/bin/ffmpeg", Version: parseVersionToken(ver), Libavformat: lavf, Features: f}
}

func TestArgsPerVersion(t *testing.T) {
	t.Parallel()
	start := -1
	full := Viewer{URL: "http://127.0.0.1:8080/live/master.m3u8", Client: 7, UserAgent: "swarm/1",
		Headers: []Header{{"Authorization", "Bearer x"}}, Map: MapProgram(1), RWTimeout: 5 * time.Second,
		StatsPeriod: 500 * time.Millisecond, Reconnect: true, LiveStartIndex: &start, SegMaxRetry: 3, Realtime: true}
	tests := []struct {
		name string
		bin  *Binary
		v    Viewer
		want string // args joined by " | "
	}{
		{"4.1 defaults", fakeBinary("4.1.11", "58.20.100", features41), Viewer{URL: "http://h/a.m3u8"},
			"-hide_banner | -nostdin | -nostats | -loglevel | repeat+debug | -progress | pipe:3 | " +
				"-protocol_whitelist | http,https,tcp,tls,crypto | -rw_timeout | 10000000 | " +
				"-http_persistent | 0 | -user_agent | Lavf/58.20.100 client-0 | -headers | X-Hlsswarm-Client: 0\r\n | " +
				"-i | http://h/a.m3u8 | -map | 0 | -c | copy | -f | null | -"},
		{"4.1 full: no stats_period, no reconnect_on_network_error, no seg_max_retry", fakeBinary("4.1.11", "58.20.100", features41), full,
			"-hide_banner | -nostdin | -nostats | -loglevel | repeat+debug | -progress | pipe:3 | " +
				"-protocol_whitelist | http,https,tcp,tls,crypto | -rw_timeout | 5000000 | " +
				"-reconnect | 1 | -reconnect_delay_max | 2 | -live_start_index | -1 | " +
				"-http_persistent | 0 | -user_agent | swarm/1 client-7 | -headers | X-Hlsswarm-Client: 7\r\nAuthorization: Bearer x\r\n | -re | " +
				"-i | http://127.0.0.1:8080/live/master.m3u8 | -map | 0:p:1 | -c | copy | -f | null | -"},
		{"5.1 defaults", fakeBinary("5.1.9-0+deb12u1", "59.27.100", features51), Viewer{URL: "http://h/a.m3u8", Client: 2},
			"-hide_banner | -nostdin | -nostats | -loglevel | repeat+debug | -progress | pipe:3 | -stats_period | 1 | " +
				"-protocol_whitelist | http,https,tcp,tls,crypto | -rw_timeout | 10000000 | " +
				"-http_persistent | 0 | -user_agent | Lavf/59.27.100 client-2 | -headers | X-Hlsswarm-Client: 2\r\n | " +
				"-i | http://h/a.m3u8 | -map | 0 | -c | copy | -f | null | -"},
		{"5.1 full: no seg_max_retry", fakeBinary("5.1.9-0+deb12u1", "59.27.100", features51), full,
			"-hide_banner | -nostdin | -nostats | -loglevel | repeat+debug | -progress | pipe:3 | -stats_period | 0.5 | " +
				"-protocol_whitelist | http,https,tcp,tls,crypto | -rw_timeout | 5000000 | " +
				"-reconnect | 1 | -reconnect_on_network_error | 1 | -reconnect_delay_max | 2 | -live_start_index | -1 | " +
				"-http_persistent | 0 | -user_agent | swarm/1 client-7 | -headers | X-Hlsswarm-Client: 7\r\nAuthorization: Bearer x\r\n | -re | " +
				"-i | http://127.0.0.1:8080/live/master.m3u8 | -map | 0:p:1 | -c | copy | -f | null | -"},
		{"6.1 full: seg_max_retry", fakeBinary("n6.1", "60.16.100", features61), full,
			"-hide_banner | -nostdin | -nostats | -loglevel | repeat+debug | -progress | pipe:3 | -stats_period | 0.5 | " +
				"-protocol_whitelist | http,https,tcp,tls,crypto | -rw_timeout | 5000000 | " +
				"-reconnect | 1 | -reconnect_on_network_error | 1 | -reconnect_delay_max | 2 | -live_start_index | -1 | -seg_max_retry | 3 | " +
				"-http_persistent | 0 | -user_agent | swarm/1 client-7 | -headers | X-Hlsswarm-Client: 7\r\nAuthorization: Bearer x\r\n | -re | " +
				"-i | http://127.0.0.1:8080/live/master.m3u8 | -map | 0:p:1 | -c | copy | -f | null | -"},
		{"7.1 verbose: datetime flag", fakeBinary("7.1.1", "61.7.100", features71), Viewer{URL: "https://h/a.m3u8", LogLevel: "verbose"},
			"-hide_banner | -nostdin | -nostats | -loglevel | repeat+datetime+verbose | -progress | pipe:3 | -stats_period | 1 | " +
				"-protocol_whitelist | http,https,tcp,tls,crypto | -rw_timeout | 10000000 | " +
				"-user_agent | Lavf/61.7.100 client-0 | -headers | X-Hlsswarm-Client: 0\r\n | " +
				"-i | https://h/a.m3u8 | -map | 0 | -c | copy | -f | null | -"},
		{"5.1 https, keep-alive off asked for", fakeBinary("5.1.9-0+deb12u1", "59.27.100", features51), Viewer{URL: "https://h/a.m3u8", KeepAlive: KeepAliveOff},
			"-hide_banner | -nostdin | -nostats | -loglevel | repeat+debug | -progress | pipe:3 | -stats_period | 1 | " +
				"-protocol_whitelist | http,https,tcp,tls,crypto | -rw_timeout | 10000000 | " +
				"-http_persistent | 0 | -user_agent | Lavf/59.27.100 client-0 | -headers | X-Hlsswarm-Client: 0\r\n | " +
				"-i | https://h/a.m3u8 | -map | 0 | -c | copy | -f | null | -"},
		{"5.1 keep-alive: no http_persistent", fakeBinary("5.1.9-0+deb12u1", "59.27.100", features51), Viewer{URL: "http://h/a.m3u8", KeepAlive: KeepAliveOn},
			"-hide_banner | -nostdin | -nostats | -loglevel | repeat+debug | -progress | pipe:3 | -stats_period | 1 | " +
				"-protocol_whitelist | http,https,tcp,tls,crypto | -rw_timeout | 10000000 | " +
				"-user_agent | Lavf/59.27.100 client-0 | -headers | X-Hlsswarm-Client: 0\r\n | " +
				"-i | http://h/a.m3u8 | -map | 0 | -c | copy | -f | null | -"},
		{"no lavf version, no level flag", fakeBinary("N-1-gabc", "", featuresSafe), Viewer{URL: "http://h/a.m3u8", KeepAlive: KeepAliveOn},
			"-hide_banner | -nostdin | -nostats | -loglevel | repeat+debug | -progress | pipe:3 | " +
				"-protocol_whitelist | http,https,tcp,tls,crypto | -rw_timeout | 10000000 | -user_agent | hlsswarm client-0 | -headers | X-Hlsswarm-Client: 0\r\n | " +
				"-i | http://h/a.m3u8 | -map | 0 | -c | copy | -f | null | -"},
		{"no http_persistent probed: keep-alive auto stays on", fakeBinary("N-1-gabc", "", featuresSafe), Viewer{URL: "http://h/a.m3u8", Reconnect: true},
			"-hide_banner | -nostdin | -nostats | -loglevel | repeat+debug | -progress | pipe:3 | " +
				"-protocol_whitelist | http,https,tcp,tls,crypto | -rw_timeout | 10000000 | -user_agent | hlsswarm client-0 | -headers | X-Hlsswarm-Client: 0\r\n | " +
				"-i | http://h/a.m3u8 | -map | 0 | -c | copy | -f | null | -"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.bin.Args(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if g := strings.Join(got, " | "); g != tt.want {
				t.Errorf("args:\n got %q\nwant %q", g, tt.want)
			}
		})
	}
}

func TestKeepAliveMode(t *testing.T) {
	t.Parallel()
	bin := fakeBinary("5.1.9", "59.27.100", features51)
	for _, tt := range []struct {
		url  string
		mode KeepAliveMode
		off  bool
	}{
		{"http://h/a.m3u8", KeepAliveAuto, true},
		{"HTTPS://h/a.m3u8", KeepAliveAuto, false},
		{"https://h/a.m3u8", KeepAliveOff, true},
		{"http://h/a.m3u8", KeepAliveOn, false},
	} {
		args, err := bin.Args(Viewer{URL: tt.url, KeepAlive: tt.mode})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(strings.Join(args, " "), "-http_persistent 0"); got != tt.off {
			t.Errorf("%s with KeepAlive %v: -http_persistent 0 = %v; want %v", tt.url, tt.mode, got, tt.off)
		}
	}
	if KeepAliveAuto.String() != "auto" || KeepAliveOff.String() != "off" || KeepAliveOn.String() != "on" || KeepAliveMode(9).String() != "KeepAliveMode(9)" {
		t.Error("KeepAliveMode.String")
	}
}

func TestUnsupported(t *testing.T) {
	t.Parallel()
	retry := Viewer{URL: "http://h/a.m3u8", SegMaxRetry: 2, Reconnect: true}
	got := fakeBinary("4.1", "", features41).Unsupported(retry)
	want := []string{"-stats_period (not accepted by ffmpeg 4.1)", "-reconnect_on_network_error (not accepted by ffmpeg 4.1)", "-seg_max_retry (not accepted by ffmpeg 4.1)"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Unsupported = %q; want %q", got, want)
	}
	if got := fakeBinary("n6.1", "", features61).Unsupported(retry); got != nil {
		t.Errorf("Unsupported on 6.1 = %q; want none", got)
	}
	noPersistent := withFeatures(features51, func(f *Features) { f.HTTPPersistent = false })
	if got, want := fakeBinary("5.1", "", noPersistent).Unsupported(retry), []string{"-seg_max_retry (not accepted by ffmpeg 5.1)", "-http_persistent (not accepted by ffmpeg 5.1)"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Unsupported without http_persistent = %q; want %q", got, want)
	}
	retry.KeepAlive = KeepAliveOn
	if got := fakeBinary("5.1", "", noPersistent).Unsupported(retry); !reflect.DeepEqual(got, []string{"-seg_max_retry (not accepted by ffmpeg 5.1)"}) {
		t.Errorf("Unsupported with KeepAlive = %q; want only -seg_max_retry", got)
	}
}

func TestArgsRejectsBadInput(t *testing.T) {
	t.Parallel()
	bin51 := fakeBinary("5.1.9", "59.27.100", features51)
	noTLS := fakeBinary("4.1", "58.20.100", features41)
	tests := []struct {
		name string
		bin  *Binary
		v    Viewer
		want string
	}{
		{"file URL", bin51, Viewer{URL: "file:///etc/passwd"}, `scheme "file" not accepted; accepted schemes are http and https`},
		{"no scheme", bin51, Viewer{URL: "/tmp/a.m3u8"}, `scheme "" not accepted`},
		{"concat protocol", bin51, Viewer{URL: "concat:http://h/a|http://h/b"}, `scheme "concat" not accepted`},
		{"no host", bin51, Viewer{URL: "http:///a.m3u8"}, "no host"},
		{"newline in URL", bin51, Viewer{URL: "http://h/a.m3u8\r\nX: y"}, "must not contain spaces or control characters"},
		{"empty URL", bin51, Viewer{}, "Viewer.URL"},
		{"https without tls", noTLS, Viewer{URL: "https://h/a.m3u8"}, "built without https"},
		{"header value CRLF", bin51, Viewer{URL: "http://h/a", Headers: []Header{{"X-A", "1\r\nX-Injected: 1"}}}, "Viewer.Headers[0]: header \"X-A\" value \"1\\r\\nX-Injected: 1\": must not contain CR, LF or NUL"},
		{"header value LF", bin51, Viewer{URL: "http://h/a", Headers: []Header{{"X-A", "1\nX-B: 2"}}}, "must not contain CR, LF or NUL"},
		{"header name with colon", bin51, Viewer{URL: "http://h/a", Headers: []Header{{"X-A: b", "c"}}}, "not allowed in an HTTP header name"},
		{"header name CR", bin51, Viewer{URL: "http://h/a", Headers: []Header{{"X-A\r", "c"}}}, "not allowed in an HTTP header name"},
		{"empty header name", bin51, Viewer{URL: "http://h/a", Headers: []Header{{"", "c"}}}, "empty header name"},
		{"client header reserved", bin51, Viewer{URL: "http://h/a", Headers: []Header{{"x-hlsswarm-client", "9"}}}, "is set by hlsswarm"},
		{"user agent header reserved", bin51, Viewer{URL: "http://h/a", Headers: []Header{{"User-Agent", "x"}}}, "Viewer.UserAgent"},
		{"user agent CRLF", bin51, Viewer{URL: "http://h/a", UserAgent: "a\r\nX-B: c"}, "Viewer.UserAgent"},
		{"negative client", bin51, Viewer{URL: "http://h/a", Client: -1}, "Viewer.Client = -1: must be >= 0"},
		{"log level", bin51, Viewer{URL: "http://h/a", LogLevel: "trace"}, `Viewer.LogLevel "trace": accepted values are info, verbose, debug`},
		{"negative timeout", bin51, Viewer{URL: "http://h/a", RWTimeout: -time.Second}, "Viewer.RWTimeout = -1s: must be >= 0"},
		{"negative seg retry", bin51, Viewer{URL: "http://h/a", SegMaxRetry: -1}, "Viewer.SegMaxRetry = -1"},
		{"keep-alive mode", bin51, Viewer{URL: "http://h/a", KeepAlive: 7}, "Viewer.KeepAlive = 7: accepted values are KeepAliveAuto, KeepAliveOff, KeepAliveOn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tt.bin.Args(tt.v)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Args error = %v; want it to contain %q", err, tt.want)
			}
			if _, err := tt.bin.CommandLine(tt.v); err == nil {
				t.Error("CommandLine accepted what Args rejected")
			}
		})
	}
	// Several problems are reported together.
	_, err := bin51.Args(Viewer{URL: "ftp://h/a", Client: -2, LogLevel: "x"})
	if got := strings.Count(err.Error(), "\n") + 1; got != 3 {
		t.Errorf("joined error has %d lines; want 3: %v", got, err)
	}
}

func TestCommandLineRunsTheSameArgv(t *testing.T) {
	t.Parallel()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	bin := fakeBinary("5.1.9", "59.27.100", features51)
	bin.Path = "/opt/ff mpeg/ffmpeg"
	v := Viewer{URL: "http://127.0.0.1:1/a'c.m3u8?x=1&y=2", UserAgent: `it's "q" $HOME`, Headers: []Header{{"X-T", "tab\there"}}}
	line, err := bin.CommandLine(v)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(line, " 3>&1") || !strings.HasPrefix(line, "'/opt/ff mpeg/ffmpeg' -hide_banner") {
		t.Errorf("command line = %s", line)
	}
	args, _ := bin.Args(v)
	// Let bash parse the line (with the redirection removed) and print argv.
	script := "printf '%s\\0' " + strings.TrimSuffix(line, " 3>&1")
	out, err := exec.Command(bash, "-c", script).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	want := append([]string{bin.Path}, args...)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("bash parsed\n%q\nwant\n%q", got, want)
	}
}

func TestValidateURL(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"http://127.0.0.1:8080/a.m3u8", "https://[::1]:8443/x/master.m3u8?token=a%20b", "HTTP://h/a"} {
		if err := ValidateURL(ok); err != nil {
			t.Errorf("ValidateURL(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "rtmp://h/a", "data:,x", "pipe:0", "h/a.m3u8", "crypto+http://h/a"} {
		if err := ValidateURL(bad); err == nil {
			t.Errorf("ValidateURL(%q) accepted", bad)
		}
	}
}

func TestMapping(t *testing.T) {
	t.Parallel()
	var zero Mapping
	if zero.String() != "0" || MapAll() != zero {
		t.Errorf("zero mapping = %q", zero)
	}
	if n, ok := MapProgram(0).Program(); !ok || n != 0 || MapProgram(0).String() != "0:p:0" {
		t.Errorf("MapProgram(0) = %v %v %q", n, ok, MapProgram(0))
	}
}

// TestArgsWithAudio: a viewer of a variant with a separate audio
// rendition opens it as a second input, with the same input options
// (they apply to the next -i only), and maps both.
func TestArgsWithAudio(t *testing.T) {
	t.Parallel()
	b := fakeBinary("5.1.2", "59.27.100", features51)
	v := Viewer{URL: "http://127.0.0.1:8080/v0/index.m3u8", AudioURL: "http://127.0.0.1:8080/a0/index.m3u8", Client: 3,
		Headers: []Header{{"Authorization", "Bearer x"}}, Realtime: true}
	args, err := b.Args(v)
	if err != nil {
		t.Fatal(err)
	}
	v.AudioURL = ""
	single, err := b.Args(v)
	if err != nil {
		t.Fatal(err)
	}
	first := indexOf(single, "-i")
	in := single[indexOf(single, "-protocol_whitelist"):first]
	want := append(append(append([]string(nil), single[:first]...), "-i", v.URL), in...)
	want = append(want, "-i", "http://127.0.0.1:8080/a0/index.m3u8", "-map", "0", "-map", "1", "-c", "copy", "-f", "null", "-")
	if !reflect.DeepEqual(args, want) {
		t.Errorf("args\n got %q\nwant %q", args, want)
	}
	for _, opt := range []string{"-headers", "-rw_timeout", "-http_persistent", "-user_agent", "-re"} {
		if n := strings.Count(strings.Join(args, "\x00")+"\x00", "\x00"+opt+"\x00"); n != 2 {
			t.Errorf("%s given %d times; want once per input", opt, n)
		}
	}
	v.AudioURL = "file:///etc/passwd"
	if _, err := b.Args(v); err == nil || !strings.Contains(err.Error(), "Viewer.AudioURL") {
		t.Errorf("file AudioURL: err = %v; want Viewer.AudioURL named", err)
	}
}

func indexOf(a []string, s string) int {
	for i, x := range a {
		if x == s {
			return i
		}
	}
	return -1
}

func TestArgsRefuseMissingSafetyFlags(t *testing.T) {
	t.Parallel()
	noTimeout := withFeatures(features51, func(f *Features) { f.RWTimeout = false })
	noWhitelist := withFeatures(features51, func(f *Features) { f.ProtocolWhitelist = false })
	noPersistent := withFeatures(features51, func(f *Features) { f.HTTPPersistent = false })
	tests := []struct {
		name string
		f    Features
		v    Viewer
		want []string // in the error; none: no error
		note bool
	}{
		{"no rw_timeout", noTimeout, Viewer{URL: "http://h/a"},
			[]string{"ffmpeg too old", "lacks -rw_timeout", "found: -rw_timeout no, -protocol_whitelist yes, -http_persistent yes", "HLSSWARM_FFMPEG"}, false},
		{"no protocol_whitelist", noWhitelist, Viewer{URL: "http://h/a"},
			[]string{"lacks -protocol_whitelist", "found: -rw_timeout yes, -protocol_whitelist no"}, false},
		{"neither", Features{}, Viewer{URL: "http://h/a", KeepAlive: KeepAliveOn},
			[]string{"lacks -rw_timeout (bounds every network read: without it a stalled origin holds a viewer forever) and -protocol_whitelist"}, false},
		{"keep-alive off asked for, no http_persistent", noPersistent, Viewer{URL: "http://h/a", KeepAlive: KeepAliveOff},
			[]string{"KeepAlive is off (Config.KeepAlive = KeepAliveOff)", "no -http_persistent", "-http_persistent no", "use KeepAliveAuto or KeepAliveOn"}, false},
		{"keep-alive auto, no http_persistent: a note", noPersistent, Viewer{URL: "http://h/a"}, nil, true},
		{"keep-alive auto over https, no http_persistent: nothing to say", noPersistent, Viewer{URL: "https://h/a"}, nil, false},
		{"keep-alive on, no http_persistent", noPersistent, Viewer{URL: "http://h/a", KeepAlive: KeepAliveOn}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bin := fakeBinary("5.1.9", "59.27.100", tt.f)
			_, err := bin.Args(tt.v)
			if len(tt.want) == 0 && err != nil {
				t.Fatalf("Args error = %v; want none", err)
			}
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("Args error = %v; want it to contain %q", err, w)
				}
			}
			if got := len(bin.Notes(tt.v)) > 0; got != tt.note {
				t.Errorf("Notes = %q; want a note: %v", bin.Notes(tt.v), tt.note)
			}
			old := fakeBinary("4.1.11", "58.20.100", tt.f)
			if got, want := len(old.Notes(tt.v)) > 0, tt.note || (strings.HasPrefix(tt.v.URL, "https:") && tt.v.KeepAlive != KeepAliveOff); got != want {
				t.Errorf("4.1 Notes = %q; want a note: %v", old.Notes(tt.v), want)
			}
		})
	}
}

// TestArgsRunAndShard checks that a sharded viewer names its run and shard
// in headers and in the User-Agent, the client suffix last.
func TestArgsRunAndShard(t *testing.T) {
	t.Parallel()
	b := fakeBinary("5.1.9-0+deb12u1", "59.27.100", features51)
	args, err := b.Args(Viewer{URL: "http://h/a.m3u8", Client: 13, RunID: "r-7", Shard: 2, UserAgent: "swarm/1"})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(args, " | ")
	want := "-user_agent | swarm/1 run-r-7 shard-2 client-13 | -headers | X-Hlsswarm-Client: 13\r\nX-Hlsswarm-Run: r-7\r\nX-Hlsswarm-Shard: 2\r\n"
	if !strings.Contains(got, want) {
		t.Errorf("Args = %q; want it to hold %q", got, want)
	}
	if _, err := b.Args(Viewer{URL: "http://h/a.m3u8", RunID: "a b"}); err == nil {
		t.Error("Args with a run id holding a space = nil error; want one")
	}
	if err := ValidateHeader("x-hlsswarm-run", "r"); err == nil {
		t.Error("ValidateHeader(x-hlsswarm-run) = nil; want it refused (hlsswarm sets it)")
	}
}
