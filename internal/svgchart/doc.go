// Package svgchart draws small line charts as inline SVG, for reports that
// must open offline: no script, no font file, no image, only elements a
// browser lays out itself, with text that stays selectable.
//
// A [Chart] has a title, two labelled axes (linear, or logarithmic for a
// percentile-distribution plot), any number of [Series] drawn as paths
// (a NaN value breaks a line), shaded [Span]s (a ramp, a warm-up, a failing
// window), horizontal limit [Line]s and vertical [Marker]s (a threshold's
// "fail at"), and a legend. [Chart.WriteSVG] writes one <svg> element.
//
// The output is deterministic (same chart, same bytes) and compact:
// coordinates are rounded to a tenth of a pixel and colours are attributes,
// so a chart reads the same in any page.
package svgchart
