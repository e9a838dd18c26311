package pump

import (
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hlsswarm/hlsswarm/internal/parse"
)

// lineSink records every line the parsers passed on as unknown, plus the
// line counts.
type lineSink struct {
	parse.NopSink
	lines   []string
	read    [2]uint64
	dropped [2]uint64
	gate    chan struct{} // when set, the first Unknown waits for it
	entered chan struct{}
	parsed  atomic.Uint64
}

func (s *lineSink) Unknown(line []byte, _ time.Time) {
	if s.gate != nil {
		close(s.entered)
		<-s.gate
		s.gate = nil
	}
	s.lines = append(s.lines, string(line))
	s.parsed.Add(1)
}

func (s *lineSink) Lines(st parse.Stream, read, dropped uint64) {
	s.read[st] += read
	s.dropped[st] += dropped
}

func TestSplitterTerminators(t *testing.T) {
	in := "a\rb\r\nc\n\rd\r\r\ne"
	want := []string{"a", "b", "c", "", "d", "", "e"}
	// Every way of cutting the input into two reads gives the same lines.
	for cut := 0; cut <= len(in); cut++ {
		s := &lineSink{}
		r := io.MultiReader(strings.NewReader(in[:cut]), strings.NewReader(in[cut:]))
		c, err := Start(r, nil, s, Options{}).Wait()
		require.NoError(t, err)
		// Empty lines are not unknown lines; count them separately.
		assert.Equal(t, uint64(len(want)), c.StderrRead, "cut at %d", cut)
		assert.Equal(t, []string{"a", "b", "c", "d", "e"}, s.lines, "cut at %d", cut)
	}
	// One byte per read.
	s := &lineSink{}
	c, err := Start(iotest.OneByteReader(strings.NewReader(in)), nil, s, Options{}).Wait()
	require.NoError(t, err)
	assert.Equal(t, uint64(len(want)), c.StderrRead)
	assert.Equal(t, []string{"a", "b", "c", "d", "e"}, s.lines)
}

func TestPipelineMultiLineRequestRecord(t *testing.T) {
	log := "[http @ 0x55f9c36bd980] [debug] request: GET /live/v0/index.m3u8 HTTP/1.1\r\n" +
		"User-Agent: Lavf/59.27.100\r\nAccept: */*\r\nX-Hlsswarm-Client: 7\r\nConnection: close\r\nHost: 127.0.0.1:18081\r\nIcy-MetaData: 1\r\n\r\n\n" +
		"[hls @ 0x55f9c36bd180] [info] Skip ('#EXT-X-VERSION:3')\n" +
		"[hls @ 0x55f9c36bd180] [debug] something new\n"
	var tl parse.Tally
	c, err := Start(strings.NewReader(log), nil, &tl, Options{}).Wait()
	require.NoError(t, err)
	assert.Equal(t, [4]int{1, 0, 0, 0}, tl.Requests)
	assert.Equal(t, 1, tl.UnknownLines, "only the last line is unknown; header lines are part of the record")
	assert.Equal(t, uint64(11), c.StderrRead, "request, 6 headers, 2 blank lines, 2 lines")
}

// TestPipelineDropsWhenParserFallsBehind blocks the parser and checks that
// the writer (ffmpeg) never waits, that every line is either parsed or
// counted as dropped, and that lines written after the parser caught up are
// kept.
func TestPipelineDropsWhenParserFallsBehind(t *testing.T) {
	const n, more = 5000, 10
	pr, pw := io.Pipe()
	s := &lineSink{gate: make(chan struct{}), entered: make(chan struct{})}
	p := Start(pr, nil, s, Options{QueueLines: 16, QueueBytes: 1 << 10, ReadSize: 256})

	wrote := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			if _, err := fmt.Fprintf(pw, "[x] line %d\n", i); err != nil {
				wrote <- err
				return
			}
		}
		wrote <- nil
	}()
	<-s.entered // the parser is stuck in the sink
	select {
	case err := <-wrote:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the writer blocked while the parser was stuck")
	}
	// The last write returns when the reader has the bytes; it counts them
	// right after.
	deadline := time.Now().Add(10 * time.Second)
	for p.Counts().StderrRead != n {
		require.True(t, time.Now().Before(deadline), "reader did not count the lines")
		time.Sleep(time.Millisecond)
	}
	mid := p.Counts()
	assert.Positive(t, mid.StderrDropped)
	close(s.gate)
	// Wait until the parser has caught up, then write a few more lines.
	for s.parsed.Load() != mid.StderrRead-mid.StderrDropped {
		require.True(t, time.Now().Before(deadline), "parser did not catch up")
		time.Sleep(time.Millisecond)
	}
	for i := n; i < n+more; i++ {
		_, err := fmt.Fprintf(pw, "[x] line %d\n", i)
		require.NoError(t, err)
	}
	require.NoError(t, pw.Close())
	c, err := p.Wait()
	require.NoError(t, err)

	assert.Equal(t, uint64(n+more), c.StderrRead)
	assert.Equal(t, mid.StderrDropped, c.StderrDropped, "nothing dropped once caught up")
	assert.Equal(t, c.StderrRead-c.StderrDropped, uint64(len(s.lines)), "parsed = read - dropped")
	assert.Equal(t, uint64(n+more), s.read[parse.StreamStderr])
	assert.Equal(t, c.StderrDropped, s.dropped[parse.StreamStderr])
	assert.Zero(t, s.read[parse.StreamProgress]+s.dropped[parse.StreamProgress])
	// Whole lines only, in order.
	last := -1
	for _, l := range s.lines {
		i, err := strconv.Atoi(strings.TrimPrefix(l, "[x] line "))
		require.NoError(t, err, "a line was cut: %q", l)
		assert.Greater(t, i, last)
		last = i
	}
	assert.Equal(t, n+more-1, last)
}

// TestPipelineDrainsTailAfterEOF writes a burst and closes at once; Wait must
// return only after every line, including an unterminated last one, was
// parsed.
func TestPipelineDrainsTailAfterEOF(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&b, "[x] %d\r\n", i)
	}
	b.WriteString("[x] tail without newline")
	pr, pw := io.Pipe()
	s := &lineSink{}
	p := Start(pr, strings.NewReader("frame=1\nprogress=end"), s, Options{QueueLines: 8192})
	go func() {
		_, _ = io.WriteString(pw, b.String())
		_ = pw.Close()
	}()
	c, err := p.Wait()
	require.NoError(t, err)
	assert.Equal(t, uint64(3001), c.StderrRead)
	assert.Zero(t, c.StderrDropped)
	require.Len(t, s.lines, 3001)
	assert.Equal(t, "[x] tail without newline", s.lines[3000])
	assert.Equal(t, uint64(2), c.ProgressRead)
}

func TestPipelineProgressEndIsDelivered(t *testing.T) {
	var tl parse.Tally
	_, err := Start(nil, strings.NewReader("frame=5\nout_time_us=2000000\nspeed=1.5x\nprogress=end\n"), &tl, Options{}).Wait()
	require.NoError(t, err)
	assert.Equal(t, 1, tl.ProgressBlocks)
	assert.True(t, tl.LastProgress.End)
	assert.Equal(t, 2*time.Second, tl.LastProgress.OutTime)
	assert.Equal(t, 1, tl.Ends[parse.EndProgress])
}

func TestPipelineLongLineIsCutAndCountedOnce(t *testing.T) {
	long := "[x] " + strings.Repeat("y", 300)
	s := &lineSink{}
	c, err := Start(strings.NewReader(long+"\n[x] next\n"), nil, s, Options{ReadSize: 64}).Wait()
	require.NoError(t, err)
	assert.Equal(t, uint64(2), c.StderrRead)
	require.Len(t, s.lines, 2)
	assert.Equal(t, long[:64], s.lines[0])
	assert.Equal(t, "[x] next", s.lines[1])
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestPipelineReportsReadError(t *testing.T) {
	boom := fmt.Errorf("boom")
	_, err := Start(io.MultiReader(strings.NewReader("[x] a\n"), errReader{boom}), nil, parse.NopSink{}, Options{}).Wait()
	require.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), "read stderr")
}

// TestPipelineQueueIntegrity pushes random lines through a tiny queue in
// random chunks, with a parser that stalls at random, and checks that every
// line that arrives is intact and in order, and the counts add up.
func TestPipelineQueueIntegrity(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	var want bytes.Buffer
	const n = 20000
	for i := 0; i < n; i++ {
		fmt.Fprintf(&want, "[x] %d %s\n", i, strings.Repeat(string(rune('a'+i%26)), rng.Intn(120)))
	}
	pr, pw := io.Pipe()
	s := &checkSink{t: t, rng: rand.New(rand.NewSource(2)), last: -1}
	p := Start(pr, nil, s, Options{QueueLines: 32, QueueBytes: 600, ReadSize: 300})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		data := want.Bytes()
		for len(data) > 0 {
			k := min(len(data), 1+rng.Intn(700))
			_, _ = pw.Write(data[:k])
			data = data[k:]
		}
		_ = pw.Close()
	}()
	c, err := p.Wait()
	wg.Wait()
	require.NoError(t, err)
	assert.Equal(t, uint64(n), c.StderrRead)
	assert.Equal(t, c.StderrRead-c.StderrDropped, uint64(s.got))
	t.Logf("read %d, dropped %d", c.StderrRead, c.StderrDropped)
}

type checkSink struct {
	parse.NopSink
	t    *testing.T
	rng  *rand.Rand
	last int
	got  int
}

func (s *checkSink) Unknown(line []byte, _ time.Time) {
	f := strings.Fields(string(line))
	require.Len(s.t, f, 3-boolInt(len(f) == 2), "line %q", line)
	i, err := strconv.Atoi(f[1])
	require.NoError(s.t, err)
	require.Greater(s.t, i, s.last)
	if len(f) == 3 {
		require.Equal(s.t, strings.Repeat(string(rune('a'+i%26)), len(f[2])), f[2], "line %d corrupted", i)
	}
	s.last = i
	s.got++
	if s.rng.Intn(50) == 0 {
		time.Sleep(time.Millisecond)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
