package parse

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parseBlocks(t *testing.T, text string) []Progress {
	t.Helper()
	var got []Progress
	s := &progressCollector{got: &got}
	p := NewProgressParser(s)
	for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
		p.Line([]byte(strings.TrimLeft(l, "\t")), t0)
	}
	return got
}

type progressCollector struct {
	NopSink
	got *[]Progress
}

func (c *progressCollector) Progress(p *Progress) { *c.got = append(*c.got, *p) }

func TestProgressFFmpeg51Block(t *testing.T) {
	got := parseBlocks(t, `
		frame=718
		fps=35.76
		stream_0_0_q=-1.0
		stream_0_2_q=-1.0
		bitrate=N/A
		total_size=N/A
		out_time_us=24000000
		out_time_ms=24000000
		out_time=00:00:24.000000
		dup_frames=0
		drop_frames=0
		speed= 1.2x
		progress=continue`)
	require.Len(t, got, 1)
	want := Progress{At: t0, Frame: 718, FPS: 35.76, Q: -1, BitrateKbps: -1, TotalSize: -1,
		OutTime: 24 * time.Second, HasOutTime: true, DupFrames: 0, DropFrames: 0, Speed: 1.2, Keys: 13}
	assert.Equal(t, want, got[0])
}

func TestProgressValueForms(t *testing.T) {
	tests := []struct {
		name, block string
		check       func(t *testing.T, p Progress)
	}{
		{"speed exponent", "speed=1.98e+03x\nprogress=continue", func(t *testing.T, p Progress) {
			assert.InDelta(t, 1980, p.Speed, 1e-9)
		}},
		{"speed zero", "speed=0x\nprogress=continue", func(t *testing.T, p Progress) { assert.Equal(t, 0.0, p.Speed) }},
		{"speed N/A", "speed=N/A\nprogress=continue", func(t *testing.T, p Progress) { assert.Equal(t, -1.0, p.Speed) }},
		{"speed empty", "speed=\nprogress=continue", func(t *testing.T, p Progress) { assert.Equal(t, -1.0, p.Speed) }},
		{"speed padded", "speed=   3.01x\nprogress=continue", func(t *testing.T, p Progress) { assert.Equal(t, 3.01, p.Speed) }},
		{"bitrate", "bitrate= 696.5kbits/s\ntotal_size=1048576\nprogress=continue", func(t *testing.T, p Progress) {
			assert.Equal(t, 696.5, p.BitrateKbps)
			assert.Equal(t, int64(1048576), p.TotalSize)
		}},
		{"out_time_ms is microseconds", "out_time_ms=1500000\nprogress=continue", func(t *testing.T, p Progress) {
			assert.Equal(t, 1500*time.Millisecond, p.OutTime)
		}},
		{"out_time_us wins whatever the order", "out_time=00:00:09.000000\nout_time_ms=5000000\nout_time_us=7000001\nprogress=continue", func(t *testing.T, p Progress) {
			assert.Equal(t, 7000001*time.Microsecond, p.OutTime)
		}},
		{"out_time only", "out_time=01:02:03.500000\nprogress=continue", func(t *testing.T, p Progress) {
			assert.Equal(t, time.Hour+2*time.Minute+3500*time.Millisecond, p.OutTime)
		}},
		{"out_time N/A (ffmpeg 6+)", "out_time_us=N/A\nout_time_ms=N/A\nout_time=N/A\nprogress=continue", func(t *testing.T, p Progress) {
			assert.False(t, p.HasOutTime)
		}},
		{"negative out_time", "out_time=-00:00:00.033333\nprogress=continue", func(t *testing.T, p Progress) {
			assert.Equal(t, -33333*time.Microsecond, p.OutTime)
		}},
		{"fps N/A and unknown key", "fps=N/A\nnew_key_from_ffmpeg8=1\nnot a key value\nprogress=continue", func(t *testing.T, p Progress) {
			assert.Equal(t, -1.0, p.FPS)
			assert.Equal(t, 2, p.Unknown)
		}},
		{"end", "frame=3\nprogress=end", func(t *testing.T, p Progress) { assert.True(t, p.End) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := parseBlocks(t, tc.block)
			require.Len(t, got, 1)
			tc.check(t, got[0])
		})
	}
}

func TestProgressBlocksAreIndependent(t *testing.T) {
	got := parseBlocks(t, "frame=1\nspeed=2x\nprogress=continue\nframe=2\nprogress=continue")
	require.Len(t, got, 2)
	assert.Equal(t, -1.0, got[1].Speed, "values do not leak into the next block")
	assert.Equal(t, int64(2), got[1].Frame)
}

func TestParseFloat(t *testing.T) {
	for in, want := range map[string]float64{
		"0": 0, "1": 1, "-1.0": -1, "35.76": 35.76, "1.98e+03": 1980, "2E-3": 0.002, ".5": 0.5, "5.": 5,
		"123456789012345678901": 123456789012345678901, "inf": math.Inf(1), "-inf": math.Inf(-1),
	} {
		got, ok := parseFloat([]byte(in))
		require.True(t, ok, in)
		if math.IsInf(want, 0) {
			assert.Equal(t, want, got, in)
			continue
		}
		assert.InEpsilon(t, want+1e-300, got+1e-300, 1e-12, in)
	}
	for _, in := range []string{"", "-", ".", "e5", "1e", "1x", "1.2.3", "N/A"} {
		_, ok := parseFloat([]byte(in))
		assert.False(t, ok, in)
	}
}
