package loadtest

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hlsswarm/hlsswarm/internal/ffmpeg"
)

func TestExplainingLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		tail []string
		want []string
	}{
		{
			// ffmpeg 5.1, repeat+debug (no level prefix), a playlist whose
			// segment is a file: URL.
			name: "whitelist, no level prefix",
			tail: []string{
				"Successfully parsed a group of options.",
				"Opening an input file: http://h/index.m3u8.",
				"[NULL @ 0x564ee690b900] Opening 'http://h/index.m3u8' for reading",
				"[http @ 0x564ee690c100] request: GET /index.m3u8 HTTP/1.1",
				"User-Agent: Lavf/59.27.100 client-3",
				"X-Hlsswarm-Client: 3",
				"[hls @ 0x564ee690b900] Opening 'file:///etc/passwd' for reading",
				"[file @ 0x564ee690c100] Protocol 'file' not on whitelist 'http,https,tcp,tls,crypto'!",
				"[file @ 0x564ee690c900] Protocol 'file' not on whitelist 'http,https,tcp,tls,crypto'!",
				"http://h/index.m3u8: Invalid argument",
			},
			want: []string{"[file] Protocol 'file' not on whitelist 'http,https,tcp,tls,crypto'!", "http://h/index.m3u8: Invalid argument"},
		},
		{
			name: "level prefix",
			tail: []string{"[tcp @ 0x1] [debug] Starting connection attempt to 127.0.0.1 port 1", "[tcp @ 0x1] [error] Connection to tcp://127.0.0.1:1 failed: Connection refused",
				"[error] http://127.0.0.1:1/a.m3u8: Connection refused"},
			want: []string{"[tcp] [error] Connection to tcp://127.0.0.1:1 failed: Connection refused", "[error] http://127.0.0.1:1/a.m3u8: Connection refused"},
		},
		{
			name: "only noise: the last line",
			tail: []string{"[AVIOContext @ 0x2] Statistics: 208 bytes read, 0 seeks", "Host: 127.0.0.1:8080"},
			want: []string{"Host: 127.0.0.1:8080"},
		},
		{name: "empty", tail: nil, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := explainingLines(tt.tail); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("explainingLines =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// TestExitTextShowsTheCause: the failure message of a viewer names the
// line that explains it, not only the last one, and not the header dump
// (which names the client).
func TestExitTextShowsTheCause(t *testing.T) {
	t.Parallel()
	e := ffmpeg.Exit{Kind: ffmpeg.ExitError, Code: 1, Tail: []string{
		"[http @ 0x1] request: GET /index.m3u8 HTTP/1.1", "X-Hlsswarm-Client: 3",
		"[file @ 0x2] Protocol 'file' not on whitelist 'http,https,tcp,tls,crypto'!",
		"http://h/index.m3u8: Invalid argument",
	}}
	got := exitText(e)
	for _, want := range []string{"exit status 1", "Protocol 'file' not on whitelist", "Invalid argument"} {
		if !strings.Contains(got, want) {
			t.Errorf("exitText = %q; want it to contain %q", got, want)
		}
	}
	if strings.Contains(got, "client") || strings.Contains(got, "Client") || strings.Contains(got, "0x") {
		t.Errorf("exitText = %q; want no header dump and no pointers", got)
	}
}
