package ffmpeg

import (
	"strings"
	"testing"
)

func TestViewerEnv(t *testing.T) {
	t.Parallel()
	got := viewerEnv([]string{"PATH=/bin", "http_proxy=http://proxy:3128", "HTTP_PROXY=x", "FFREPORT=file=r.log", "AV_LOG_FORCE_COLOR=1", "HOME=/root"}, []string{"TZ=UTC"})
	want := "PATH=/bin HOME=/root AV_LOG_FORCE_NOCOLOR=1 TZ=UTC"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("env = %q; want %q", g, want)
	}
}
