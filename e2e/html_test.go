package e2e

import (
	"context"
	"encoding/json"
	"flag"
	"image/png"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/internal/testkit"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// attrTB records the test attributes a fleet attaches (t.Attr), and
// passes them on to the real test.
type attrTB struct {
	testing.TB

	mu    sync.Mutex
	attrs map[string]string
}

func (a *attrTB) Attr(key, value string) {
	a.mu.Lock()
	if a.attrs == nil {
		a.attrs = map[string]string{}
	}
	a.attrs[key] = value
	a.mu.Unlock()
	a.TB.Attr(key, value)
}

func (a *attrTB) attr(key string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.attrs[key]
}

// chromium returns the headless browser, skipping the test without one
// unless in CI (CI=true), where a missing browser fails it.
func chromium(t *testing.T) string {
	t.Helper()
	return testkit.Tool(t, "make deps installs it: it is the browser of this test", "chromium", "chromium-browser")
}

// artifactDir is where the test keeps its screenshot: t.ArtifactDir with
// -artifacts, else a temporary directory.
func artifactDir(t *testing.T) string {
	if fl := flag.Lookup("test.artifacts"); fl != nil && fl.Value.String() == "true" {
		return testing.TB(t).(interface{ ArtifactDir() string }).ArtifactDir() // Go 1.26; go.mod allows 1.25
	}
	return t.TempDir()
}

// refusingProxy is the only way out the browser is given: every request
// that would leave the page reaches it, is counted, and is refused.
type refusingProxy struct {
	mu   sync.Mutex
	seen []string
}

func (p *refusingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.seen = append(p.seen, r.Method+" "+r.Host+r.URL.Path)
	p.mu.Unlock()
	http.Error(w, "hlsswarm e2e: this page must load nothing", http.StatusForbidden)
}

func (p *refusingProxy) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

// TestHTMLReportInChromium runs a short real fleet with a burst of 503s
// and a threshold that fails, and opens the HTML report the run wrote in
// headless Chromium: the page loads with no request leaving the file
// (the browser's only way out is a proxy that counts and refuses), every
// chart is drawn, the failed threshold has its marker, and a screenshot
// is kept as an artifact.
func TestHTMLReportInChromium(t *testing.T) {
	t.Parallel()
	browser := chromium(t)
	origin := fixtures.NewOrigin(t, fixtures.Live{})
	rec := &attrTB{TB: t}
	cfg := loadtest.Config{
		URL: origin.URL(), Clients: 3, Ramp: time.Second, Duration: 15 * time.Second, ProgressInterval: -1, Origin: origin,
		WarmUp: 2 * time.Second,
		// Judged when the report is rendered, not live: the delay outlasts
		// the run, so the 503s fail the first threshold without stopping it.
		Thresholds:     []string{"http_errors{code=503} == 0", "p95(segment_latency) < 2s"},
		ThresholdDelay: time.Minute,
	}
	if fl := flag.Lookup("test.artifacts"); fl == nil || fl.Value.String() != "true" {
		if os.Getenv(loadtest.ReportDirEnv) == "" {
			cfg.ReportDir = t.TempDir()
		}
	}
	f := loadtest.Start(rec, cfg)
	time.Sleep(6 * time.Second)
	if err := origin.SetFaults(fixtures.Fault{Type: fixtures.FaultStatus, Status: 503, Kinds: []fixtures.Kind{fixtures.KindSegment}, Every: 2}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(4 * time.Second)
	if err := origin.SetFaults(); err != nil {
		t.Fatal(err)
	}
	res := f.Wait()
	if n := res.Totals.HTTPErrorsFor(503); n == 0 {
		t.Fatalf("no 503 counted during the burst: the threshold cannot fail; totals %+v", res.Totals)
	}
	page := rec.attr("hlsswarm.report.html")
	if page == "" || rec.attr("hlsswarm.report.json") == "" {
		t.Fatalf("report attributes %v; want hlsswarm.report.html and .json", rec.attrs)
	}
	if st, err := os.Stat(page); err != nil || st.Size() > 1<<20 {
		t.Fatalf("HTML report %s: %v (want at most 1 MiB)", page, err)
	}

	proxy := &refusingProxy{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: proxy}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	shot := filepath.Join(artifactDir(t), "report.png")
	view := openInChromium(t, browser, ln.Addr().String(), page, shot)
	checkDOM(t, view.DOM, res)
	checkLayout(t, view)
	checkScreenshot(t, shot)
	if view.Local == 0 {
		t.Errorf("the browser reported no request, not even the page's own: its network log cannot be trusted")
	}
	if len(view.Outside) > 0 {
		t.Errorf("the page made %d requests outside its file: %q", len(view.Outside), view.Outside)
	}
	if seen := proxy.requests(); len(seen) > 0 {
		t.Logf("the browser's own background requests, refused by the proxy: %q", seen)
	}
	t.Logf("report %s, screenshot %s", page, shot)
}

// pageView is what the browser made of the report.
type pageView struct {
	DOM     string      // the document as the browser built it
	Outside []string    // the page's requests other than file: and data: URLs
	Local   int         // the page's file: and data: requests (the document itself at least)
	Charts  []chartView // every svg.chart as laid out
	Select  string      // the computed user-select of chart text
}

// chartView is one chart as laid out: its box, the total length of its
// drawn series and its markers.
type chartView struct {
	ID      string  `json:"id"`
	Width   float64 `json:"w"`
	Height  float64 `json:"h"`
	Length  float64 `json:"len"`
	Markers int     `json:"markers"`
}

// chartsJS measures every chart as the browser laid it out.
const chartsJS = `JSON.stringify(Array.from(document.querySelectorAll('svg.chart')).map(s => ({
  id: s.id, w: s.getBoundingClientRect().width, h: s.getBoundingClientRect().height,
  len: Array.from(s.querySelectorAll('path.series')).reduce((a, p) => a + p.getTotalLength(), 0),
  markers: s.querySelectorAll('g.marker').length})))`

// openInChromium loads file in a fresh headless Chromium whose only
// network route is the proxy at proxyAddr (loopback included), records
// every request the page makes (DevTools Network events of its session),
// reads the DOM and the charts' layout, and writes a screenshot to shot.
func openInChromium(t *testing.T, browser, proxyAddr, file, shot string) pageView {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	b := startCDP(t, ctx, browser,
		"--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--hide-scrollbars",
		"--user-data-dir="+t.TempDir(),
		"--proxy-server=http://"+proxyAddr, "--proxy-bypass-list=<-loopback>",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-default-apps", "--disable-domain-reliability", "--no-pings", "about:blank")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("chromium: %v", err)
		}
	}
	var target struct {
		TargetID string `json:"targetId"`
	}
	must(b.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target))
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	must(b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached))
	s := attached.SessionID
	must(b.call(ctx, s, "Network.enable", map[string]any{}, nil))
	must(b.call(ctx, s, "Page.enable", map[string]any{}, nil))
	must(b.call(ctx, s, "Emulation.setDeviceMetricsOverride", map[string]any{"width": 1200, "height": 1500, "deviceScaleFactor": 1, "mobile": false}, nil))
	must(b.call(ctx, s, "Page.navigate", map[string]any{"url": "file://" + file}, nil))
	must(b.waitEvent(ctx, s, "Page.loadEventFired"))

	eval := func(expr string) string {
		t.Helper()
		var out struct {
			Result struct {
				Value string `json:"value"`
			} `json:"result"`
		}
		must(b.call(ctx, s, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &out))
		return out.Result.Value
	}
	var v pageView
	v.DOM = eval("document.documentElement.outerHTML")
	if err := json.Unmarshal([]byte(eval(chartsJS)), &v.Charts); err != nil {
		t.Fatalf("chart layout: %v", err)
	}
	v.Select = eval("getComputedStyle(document.querySelector('svg.chart text')).userSelect")
	var png struct {
		Data []byte `json:"data"` // base64 in JSON
	}
	must(b.call(ctx, s, "Page.captureScreenshot", map[string]any{"format": "png"}, &png))
	if err := os.WriteFile(shot, png.Data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, e := range b.eventsOf(s, "Network.requestWillBeSent") {
		var p struct {
			Request struct {
				URL string `json:"url"`
			} `json:"request"`
		}
		switch {
		case json.Unmarshal(e.Params, &p) != nil:
			t.Errorf("Network.requestWillBeSent: %s", e.Params)
		case strings.HasPrefix(p.Request.URL, "file:"), strings.HasPrefix(p.Request.URL, "data:"):
			v.Local++
		default:
			v.Outside = append(v.Outside, p.Request.URL)
		}
	}
	return v
}

// checkLayout checks the charts as the browser laid them out: each has a
// size and drawn lines of some length, the failed threshold a marker, and
// their text can be selected.
func checkLayout(t *testing.T, v pageView) {
	t.Helper()
	if len(v.Charts) < 10 {
		t.Errorf("%d charts laid out; want at least 10", len(v.Charts))
	}
	for _, c := range v.Charts {
		if c.Width < 100 || c.Height < 100 || c.Length <= 0 {
			t.Errorf("chart %s laid out %.0fx%.0f with %.0f px of lines; want a visible chart with lines", c.ID, c.Width, c.Height, c.Length)
		}
		if c.ID == "threshold-0" && c.Markers != 1 {
			t.Errorf("failed threshold's chart has %d markers; want 1", c.Markers)
		}
	}
	if v.Select == "none" {
		t.Errorf("chart text has user-select: none; want it selectable")
	}
}

var (
	svgTagRe  = regexp.MustCompile(`(?s)<svg\b[^>]*>.*?</svg>`)
	svgIDRe   = regexp.MustCompile(`^<svg\b[^>]*\bid="([^"]+)"`)
	seriesDRe = regexp.MustCompile(`<path\b[^>]*class="series"[^>]*\bd="(M[^"]*L[^"]*)"`)
)

// checkDOM checks the page as the browser built it: every chart there
// with a drawn line, and the failed threshold's marker at "fail at".
func checkDOM(t *testing.T, dom string, res *loadtest.Result) {
	t.Helper()
	if !strings.Contains(dom, "</html>") {
		t.Fatalf("chromium dumped no page:\n%.500s", dom)
	}
	charts := map[string]string{}
	for _, svg := range svgTagRe.FindAllString(dom, -1) {
		if m := svgIDRe.FindStringSubmatch(svg); m != nil {
			charts[m[1]] = svg
		}
	}
	for _, id := range []string{"viewers", "requests", "errors", "segment-latency", "playlist-latency", "speed", "drift",
		"percentiles", "threshold-0", "threshold-1"} {
		svg, ok := charts[id]
		switch {
		case !ok:
			t.Errorf("chart %s missing from the page (charts: %d)", id, len(charts))
		case !seriesDRe.MatchString(svg):
			t.Errorf("chart %s has no drawn line: %.300s", id, svg)
		}
	}
	if svg := charts["threshold-0"]; !strings.Contains(svg, `class="marker"`) || !strings.Contains(svg, "fail at ") {
		t.Errorf("the failed threshold's chart has no 'fail at' marker: %.300s", svg)
	}
	if strings.Contains(charts["threshold-1"], `class="marker"`) {
		t.Errorf("the passing threshold's chart has a marker")
	}
	if !strings.Contains(dom, ">failed<") || !strings.Contains(dom, "Origin ground truth") {
		t.Errorf("the page lacks the failed verdict or the origin's ground truth")
	}
	if want := res.FFmpeg.Version; want != "" && !strings.Contains(dom, want) {
		t.Errorf("the page lacks the ffmpeg version %s", want)
	}
}

// checkScreenshot checks that the screenshot decodes and shows something:
// a page of charts has many pixels that are not white.
func checkScreenshot(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s: %v", path, err)
	}
	b := img.Bounds()
	inked := 0
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			if r, g, bl, _ := img.At(x, y).RGBA(); r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				inked++
			}
		}
	}
	if total := (b.Dx() / 2) * (b.Dy() / 2); inked*50 < total {
		t.Errorf("screenshot %s is almost blank: %d of %d sampled pixels inked", path, inked, total)
	}
}
