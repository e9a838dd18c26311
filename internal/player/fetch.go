package player

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/hls"
	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// response is the outcome of one fetch.
type response struct {
	status int
	err    errorKind
	// final is the URL that answered, after redirects (nil without an
	// answer): a playlist's URIs resolve against it.
	final *url.URL
	body  []byte // the body, when it was asked for and complete
	bytes int64  // body bytes received
	ttfb  time.Duration
	total time.Duration // request start to body end
	// abandoned: the player gave the body up (a watch said so); err is
	// then errStopped, as it is not the origin's doing.
	abandoned bool
}

// A watch is called while a response body is read, after each read that
// returned bytes, with the body bytes read so far, the body's length (-1
// when unknown) and the time since the request started; true gives the
// body up.
type watch func(read, size int64, elapsed time.Duration) bool

// errAbandoned ends the read of a body that a watch gave up.
var errAbandoned = errors.New("body abandoned by the player")

func (r *response) ok() bool { return r.err == errNone }

// stopGrace is how long a request in flight may go on after its viewer
// was stopped (see fetch).
const stopGrace = 500 * time.Millisecond

func isRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

// fetch GETs u (the byte range rng of it, when not nil) for viewer pv and
// records the request into its stats: one request of kind k for every hop
// whose request reached the network (redirects included), the status of
// an HTTP error, the body bytes, the download time of a complete 2xx
// response, and a timeout, refused connection or cut connection. keep asks
// for the body (a playlist, at most maxPlaylist bytes); otherwise it is
// read to its end and dropped.
//
// A request in flight when ctx ends is given stopGrace to complete: one
// cut off at once would be lost by the origin as often as not (a
// connection closed with a response unread is reset, and the request
// bytes the origin had not read yet go with it), while the viewer has
// counted it. No request starts once ctx has ended.
func (c *Client) fetch(ctx context.Context, pv *viewerState, k stats.Kind, u string, rng *hls.ByteRange, keep bool) response {
	return c.fetchWatched(ctx, pv, k, u, rng, keep, nil)
}

// fetchWatched is fetch with w (when not nil) watching the read of a body
// that is not kept: a body it gives up ends the request, its bytes
// counted, without a failure or a latency.
func (c *Client) fetchWatched(ctx context.Context, pv *viewerState, k stats.Kind, u string, rng *hls.ByteRange, keep bool, w watch) response {
	var res response
	if ctx.Err() != nil {
		res.err = errStopped
		return res
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	defer context.AfterFunc(ctx, func() { time.AfterFunc(stopGrace, cancel) })()
	start := time.Now()
	// Set on the transport's goroutines. A connection taken that got no
	// answer before the next one was taken is net/http's silent retry of
	// a request whose reused connection the origin had closed or reset
	// (ffmpeg does the same): the origin saw both requests, and the retry
	// is a reconnect.
	var ttfb atomic.Int64
	var conns, answers atomic.Int32
	trace := &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { conns.Add(1) },
		WroteRequest: func(w httptrace.WroteRequestInfo) {
			if w.Err == nil {
				pv.requested(k)
			}
		},
		GotFirstResponseByte: func() {
			answers.Add(1)
			ttfb.CompareAndSwap(0, int64(time.Since(start)))
		},
	}
	defer func() {
		retries := conns.Load() - answers.Load()
		if res.status == 0 {
			retries-- // the last connection's failure is the request's own
		}
		for range retries {
			pv.stats.AddReconnect()
		}
	}()
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(rctx, trace), http.MethodGet, u, nil)
	if err != nil {
		res.err = errCut
		return res
	}
	req.Header = pv.headers.pick(c, req.URL)
	if rng != nil {
		req.Header = req.Header.Clone()
		req.Header.Set("Range", "bytes="+strconv.FormatInt(rng.Offset, 10)+"-"+strconv.FormatInt(rng.Offset+rng.Length-1, 10))
	}
	// The inactivity timer: armed while waiting for the body, re-armed
	// by every read that returns bytes (the transport bounds the connect
	// and the wait for headers).
	var timedOut atomic.Bool
	timer := time.AfterFunc(time.Hour, func() {
		timedOut.Store(true)
		cancel()
	})
	timer.Stop()
	defer timer.Stop()
	resp, err := pv.hc.Do(req)
	if err != nil {
		res.err = classify(ctx, err, false)
		pv.failed(k, res.err)
		return res
	}
	defer resp.Body.Close()
	res.status, res.final, res.ttfb = resp.StatusCode, resp.Request.URL, time.Duration(ttfb.Load())
	if resp.StatusCode >= 400 {
		pv.stats.AddHTTPError(k, resp.StatusCode)
		res.err = errStatus
	}
	timer.Reset(c.timeout)
	var rerr error
	if keep && res.err == errNone {
		var buf bytes.Buffer
		n, err := buf.ReadFrom(&inactivity{r: io.LimitReader(resp.Body, maxPlaylist+1), t: timer, d: c.timeout})
		res.bytes, rerr = n, err
		if n > maxPlaylist {
			res.err = errTooLarge
		}
		res.body = buf.Bytes()
	} else {
		// io.Discard reads through a pooled buffer of its own.
		in := &inactivity{r: io.LimitReader(resp.Body, maxBody), t: timer, d: c.timeout}
		if w != nil && res.err == errNone {
			in.watch, in.size, in.start = w, resp.ContentLength, start
		}
		res.bytes, rerr = io.Copy(io.Discard, in)
	}
	timer.Stop()
	res.total = time.Since(start)
	pv.stats.AddBytes(res.bytes)
	if rerr == errAbandoned {
		res.err, res.abandoned = errStopped, true
		return res
	}
	// A timer that fired cancelled the body's read, so a body read to its
	// end did not time out, whatever the timer did after.
	if rerr != nil {
		e := classify(ctx, rerr, timedOut.Load())
		if res.err == errNone || res.err == errStatus {
			pv.failed(k, e)
		}
		res.err, res.body = e, nil
		return res
	}
	if res.err == errNone {
		pv.stats.ObserveLatency(k, res.total)
		pv.stats.ObserveTTFB(k, res.ttfb)
		pv.observeTTFB(res.ttfb)
	}
	return res
}

// inactivity re-arms a timer after every read that returns bytes, and
// asks its watch, if any, whether to go on.
type inactivity struct {
	r io.Reader
	t *time.Timer
	d time.Duration

	watch watch
	size  int64 // the body's length, -1 when unknown
	start time.Time
	read  int64
}

func (a *inactivity) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.t.Reset(a.d)
		a.read += int64(n)
		if a.watch != nil && err == nil && a.watch(a.read, a.size, time.Since(a.start)) {
			return n, errAbandoned
		}
	}
	return n, err
}

// playlist fetches and parses the playlist at u.
func (c *Client) playlist(ctx context.Context, pv *viewerState, u string) (*hls.Playlist, response, error) {
	res := c.fetch(ctx, pv, stats.KindManifest, u, nil, true)
	switch res.err {
	case errNone:
	case errStatus:
		return nil, res, fmt.Errorf("GET %s: HTTP %d", u, res.status)
	case errTooLarge:
		return nil, res, fmt.Errorf("GET %s: playlist larger than %d bytes", u, maxPlaylist)
	default:
		return nil, res, fmt.Errorf("GET %s: failed (%d)", u, res.err)
	}
	pl, err := hls.Parse(res.final, bytes.NewReader(res.body))
	if err != nil {
		res.err = errPlaylist
		return nil, res, fmt.Errorf("GET %s: %w", u, err)
	}
	return pl, res, nil
}
