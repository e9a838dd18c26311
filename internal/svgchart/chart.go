package svgchart

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"math"
	"strconv"
)

// Point is one value of a series. A NaN Y leaves a gap in the line.
type Point struct{ X, Y float64 }

// Series is one line of a chart.
type Series struct {
	Name   string  // shown in the legend
	Points []Point // in X order
	Dash   bool    // drawn dashed (a baseline, a target)
	Color  string  // CSS colour; empty picks the next of the palette
}

// Span shades the plot between two X values, such as a ramp or a warm-up.
type Span struct {
	From, To float64
	Label    string
	Color    string // CSS colour; empty: a light grey
}

// Line is a horizontal line at Y, such as a threshold's limit.
type Line struct {
	Y     float64
	Label string
}

// Marker is a vertical line at X with a label, such as the moment a
// threshold failed.
type Marker struct {
	X     float64
	Label string
}

// Tick is an axis tick at V with its label.
type Tick struct {
	V     float64
	Label string
}

// Axis describes one axis.
type Axis struct {
	// Label is the axis title, with its unit: "elapsed (s)".
	Label string
	// Log makes the axis logarithmic (base 10); values <= 0 are not drawn.
	Log bool
	// Min and Max bound the axis; both 0 means from the data (a linear Y
	// axis then starts at 0 unless the data is negative).
	Min, Max float64
	// Ticks replaces the computed ticks when set.
	Ticks []Tick
	// Format prints a computed tick's value; nil prints it plainly.
	Format func(float64) string
}

// Chart is one chart. Its zero size is 720×240 pixels.
type Chart struct {
	ID      string // the svg element's id; required to link its title
	Title   string
	X, Y    Axis
	Series  []Series
	Spans   []Span
	Lines   []Line
	Markers []Marker
	Width   int
	Height  int
}

// palette is the order of series colours: distinct for the common kinds of
// colour blindness (Okabe–Ito), dark enough on white.
var palette = [...]string{"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#999933"}

// Colors returns the default series colour at index i of the palette.
func Colors(i int) string { return palette[i%len(palette)] }

// margins of the plot area within the chart, in pixels.
const (
	marginLeft   = 64
	marginRight  = 16
	marginTop    = 28
	marginBottom = 58
)

// frame maps data coordinates to pixels.
type frame struct {
	x0, x1, y0, y1 float64 // the plot area, in pixels (y1 above y0)
	x, y           scale
}

func (f *frame) px(v float64) float64 { return f.x0 + f.x.at(v)*(f.x1-f.x0) }
func (f *frame) py(v float64) float64 { return f.y0 - f.y.at(v)*(f.y0-f.y1) }

// WriteSVG writes the chart as one <svg> element. A chart without any
// point says "no data" in its plot area rather than drawing empty axes.
func (c *Chart) WriteSVG(w io.Writer) error {
	b := bufio.NewWriter(w)
	c.write(b)
	return b.Flush()
}

func (c *Chart) write(b *bufio.Writer) {
	width, height := c.Width, c.Height
	if width <= 0 {
		width = 720
	}
	if height <= 0 {
		height = 240
	}
	// Legend rows below the first grow the chart, so that no entry falls
	// outside the viewBox.
	height += 13 * (c.legendRows(float64(width-marginLeft-marginRight)) - 1)
	id := html.EscapeString(c.ID)
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="%s" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="%s-title">`,
		id, width, height, width, height, id)
	fmt.Fprintf(b, `<title id="%s-title">%s</title>`, id, html.EscapeString(c.Title))
	fmt.Fprintf(b, `<text class="title" x="%d" y="16" font-size="14" font-weight="bold">%s</text>`, marginLeft, html.EscapeString(c.Title))
	f := frame{x0: marginLeft, x1: float64(width - marginRight), y0: float64(height - marginBottom), y1: marginTop}
	var ok bool
	f.x, f.y, ok = c.scales()
	if !ok {
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="%s" height="%s" fill="none" stroke="#ccc"/>`, marginLeft, marginTop, num(f.x1-f.x0), num(f.y0-f.y1))
		fmt.Fprintf(b, `<text class="nodata" x="%s" y="%s" text-anchor="middle" fill="#666">no data</text></svg>`, num((f.x0+f.x1)/2), num((f.y0+f.y1)/2))
		return
	}
	c.writeSpans(b, &f)
	c.writeAxes(b, &f)
	c.writeSeries(b, &f)
	c.writeLines(b, &f)
	c.writeMarkers(b, &f)
	c.writeLegend(b, &f)
	b.WriteString(`</svg>`)
}

// scales returns the axes' scales over the data, lines and markers, and
// false when there is no point to draw.
func (c *Chart) scales() (x, y scale, ok bool) {
	xs, ys := newExtent(), newExtent()
	for _, s := range c.Series {
		for _, p := range s.Points {
			if math.IsNaN(p.Y) || math.IsInf(p.Y, 0) || math.IsNaN(p.X) || (c.X.Log && p.X <= 0) || (c.Y.Log && p.Y <= 0) {
				continue
			}
			xs.add(p.X)
			ys.add(p.Y)
		}
	}
	if xs.empty() {
		return scale{}, scale{}, false
	}
	for _, l := range c.Lines {
		if !c.Y.Log || l.Y > 0 {
			ys.add(l.Y)
		}
	}
	for _, m := range c.Markers {
		xs.add(m.X)
	}
	if !c.Y.Log {
		ys.add(0) // a linear Y axis starts at 0: a flat line reads as flat, not as noise
	}
	return newScale(c.X, xs), newScale(c.Y, ys), true
}

// writeSpans draws every span's rectangle, half transparent so that spans
// over each other both show, then every label on top.
func (c *Chart) writeSpans(b *bufio.Writer, f *frame) {
	type box struct {
		lo, hi float64
		span   Span
	}
	var boxes []box
	for _, s := range c.Spans {
		lo, hi := max(f.px(s.From), f.x0), min(f.px(s.To), f.x1)
		if hi > lo {
			boxes = append(boxes, box{lo, hi, s})
		}
	}
	if len(boxes) == 0 {
		return
	}
	b.WriteString(`<g class="spans">`)
	for _, x := range boxes {
		color := x.span.Color
		if color == "" {
			color = "#e8e8e8"
		}
		fmt.Fprintf(b, `<rect class="span" x="%s" y="%s" width="%s" height="%s" fill="%s" fill-opacity="0.6"/>`,
			num(x.lo), num(f.y1), num(x.hi-x.lo), num(f.y0-f.y1), html.EscapeString(color))
	}
	// Labels step down per span, so that spans starting together (a ramp
	// inside a warm-up) keep their labels apart.
	for i, x := range boxes {
		fmt.Fprintf(b, `<text x="%s" y="%s" font-size="10" fill="#555">%s</text>`, num(x.lo+3), num(f.y1+11+float64(i%4)*11), html.EscapeString(x.span.Label))
	}
	b.WriteString(`</g>`)
}

func (c *Chart) writeAxes(b *bufio.Writer, f *frame) {
	b.WriteString(`<g class="axes" font-size="11" fill="#333">`)
	for _, t := range f.x.ticks(c.X) {
		x := f.px(t.V)
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#ddd"/>`, num(x), num(f.y1), num(x), num(f.y0))
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle">%s</text>`, num(x), num(f.y0+14), html.EscapeString(t.Label))
	}
	for _, t := range f.y.ticks(c.Y) {
		y := f.py(t.V)
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#ddd"/>`, num(f.x0), num(y), num(f.x1), num(y))
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="end">%s</text>`, num(f.x0-4), num(y+4), html.EscapeString(t.Label))
	}
	fmt.Fprintf(b, `<rect x="%s" y="%s" width="%s" height="%s" fill="none" stroke="#999"/>`, num(f.x0), num(f.y1), num(f.x1-f.x0), num(f.y0-f.y1))
	fmt.Fprintf(b, `<text class="axis-title" x="%s" y="%s" text-anchor="middle">%s</text>`, num((f.x0+f.x1)/2), num(f.y0+30), html.EscapeString(c.X.Label))
	cy := (f.y0 + f.y1) / 2
	fmt.Fprintf(b, `<text class="axis-title" x="14" y="%s" text-anchor="middle" transform="rotate(-90 14 %s)">%s</text>`, num(cy), num(cy), html.EscapeString(c.Y.Label))
	b.WriteString(`</g>`)
}

func (c *Chart) color(i int) string {
	if s := c.Series[i].Color; s != "" {
		return s
	}
	return Colors(i)
}

func (c *Chart) writeSeries(b *bufio.Writer, f *frame) {
	for i, s := range c.Series {
		fmt.Fprintf(b, `<path class="series" data-series="%s" fill="none" stroke="%s" stroke-width="1.5"`, html.EscapeString(s.Name), html.EscapeString(c.color(i)))
		if s.Dash {
			b.WriteString(` stroke-dasharray="5 3"`)
		}
		b.WriteString(` d="`)
		pen := false
		single := 0
		for _, p := range s.Points {
			if math.IsNaN(p.Y) || math.IsInf(p.Y, 0) || (c.X.Log && p.X <= 0) || (c.Y.Log && p.Y <= 0) {
				pen = false
				continue
			}
			cmd := "L"
			if !pen {
				cmd = "M"
			}
			fmt.Fprintf(b, "%s%s %s", cmd, num(f.px(p.X)), num(f.py(p.Y)))
			pen = true
			single++
		}
		if single == 1 {
			b.WriteString("h1") // a lone point is a dot, not nothing
		}
		b.WriteString(`"><title>`)
		b.WriteString(html.EscapeString(s.Name))
		b.WriteString(`</title></path>`)
	}
}

func (c *Chart) writeLines(b *bufio.Writer, f *frame) {
	for _, l := range c.Lines {
		if c.Y.Log && l.Y <= 0 {
			continue
		}
		y := f.py(l.Y)
		fmt.Fprintf(b, `<g class="limit"><line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#c00" stroke-width="1.5" stroke-dasharray="6 3"/>`,
			num(f.x0), num(y), num(f.x1), num(y))
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="end" font-size="11" fill="#c00">%s</text></g>`, num(f.x1-4), num(y-4), html.EscapeString(l.Label))
	}
}

func (c *Chart) writeMarkers(b *bufio.Writer, f *frame) {
	for _, m := range c.Markers {
		x := f.px(m.X)
		fmt.Fprintf(b, `<g class="marker"><line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#c00" stroke-width="2"/>`,
			num(x), num(f.y1), num(x), num(f.y0))
		fmt.Fprintf(b, `<path d="M%s %sl-5 -8h10z" fill="#c00"/>`, num(x), num(f.y1))
		anchor := "start"
		tx := x + 4
		if x > (f.x0+f.x1)/2 {
			anchor, tx = "end", x-4
		}
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="%s" font-size="11" font-weight="bold" fill="#c00">%s</text></g>`,
			num(tx), num(f.y1+24), anchor, html.EscapeString(m.Label))
	}
}

// writeLegend writes one entry per series below the axis title, wrapping
// to the width of the plot.
func (c *Chart) writeLegend(b *bufio.Writer, f *frame) {
	if len(c.Series) == 0 {
		return
	}
	b.WriteString(`<g class="legend" font-size="11" fill="#333">`)
	x, y := f.x0, f.y0+48
	for i, s := range c.Series {
		wd := legendWidth(s.Name)
		if x+wd > f.x1 && x > f.x0 {
			x, y = f.x0, y+13
		}
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2"`, num(x), num(y-4), num(x+18), num(y-4), html.EscapeString(c.color(i)))
		if s.Dash {
			b.WriteString(` stroke-dasharray="5 3"`)
		}
		fmt.Fprintf(b, `/><text x="%s" y="%s">%s</text>`, num(x+22), num(y), html.EscapeString(s.Name))
		x += wd + 10
	}
	b.WriteString(`</g>`)
}

// legendWidth estimates the width of a legend entry: the swatch and the
// name at about 6.5 px per character of 11 px text.
func legendWidth(name string) float64 { return 26 + 6.5*float64(len([]rune(name))) }

// legendRows returns how many rows the legend takes within width (at
// least 1).
func (c *Chart) legendRows(width float64) int {
	rows, x := 1, 0.0
	for _, s := range c.Series {
		wd := legendWidth(s.Name)
		if x+wd > width && x > 0 {
			rows, x = rows+1, 0
		}
		x += wd + 10
	}
	return rows
}

// num prints a pixel coordinate to a tenth of a pixel, without a trailing
// ".0".
func num(v float64) string {
	s := strconv.FormatFloat(math.Round(v*10)/10, 'f', 1, 64)
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		s = s[:len(s)-2]
	}
	if s == "-0" {
		s = "0"
	}
	return s
}
