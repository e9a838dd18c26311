package stats

import "time"

// Playback health from -progress reports.
//
// ffmpeg's out time does not advance smoothly: a live viewer's advances
// when a segment arrives, by one segment's media at a time, and stands
// still in between. Out time over wall time across a window of a second
// or two measures where the window's ends fall between those steps, not
// how well the viewer plays: with 1 s segments a healthy viewer read 0.67
// (one step over a 1.5 s window) as often as 1. So the gauges read the
// step function at its steps:
//
//   - Speed is out time advanced over wall time from one step (an anchor
//     at least speedWindow, and at least speedSteps of the largest step,
//     before) to now. Both ends are steps, so regular steps measure
//     exactly 1 whatever the step size; only the jitter of arrival times
//     remains, over a window several steps long.
//   - "Now" is the time of the last step, credited with that step's media:
//     a viewer that received 1 s of media at t has something to play until
//     t + 1 s, and only the wall time after that counts against it. A
//     viewer whose steps stop, or come slower than they play, still reads
//     slower at once.
//   - One step that came later than the others is forgiven what it came
//     later than the next latest, at most the media it brought, as far as
//     the viewer fell short: ffmpeg reloads a live playlist a target
//     duration after its last load, and a reload that comes just before a
//     segment is published finds nothing and is retried half a target
//     duration later, so that segment comes 0.5 s late (with 1 s
//     segments) once in a while: over a 5 s window that read 0.9. A player
//     holding segments back plays through it, so it reads 1 (never above).
//     Lateness in every step (a slow origin), in more than one step of a
//     window beyond the others, or beyond one step's media still reads,
//     and the open gap after the last step (a stall) is never forgiven.
//   - The first speedWarmUp after a (re)start anchors nothing: a live
//     viewer starts behind the edge and fetches several segments at once
//     (a speed well above 1 that says nothing of its playback).
//
// Drift uses the same credited time, so it too measures lost playback,
// not the distance to the next step. Speed and drift change only with a
// report: a viewer whose ffmpeg stops reporting altogether (blocked on a
// read) keeps its last values, and shows as stalled (Options.StallAfter)
// instead.
const (
	speedWindow = 5 * time.Second
	speedSteps  = 2
	speedWarmUp = 2 * time.Second
	// maxEdges bounds the steps kept per viewer; edges closer than
	// window/edgeSpacing to the previous one are not kept, so the ring
	// always spans at least two windows.
	maxEdges    = 16
	edgeSpacing = 8
)

// edge is one step of out time: when it arrived and the out time after it.
type edge struct{ wall, out int64 }

// edgeRing keeps the last steps of one run of a viewer, oldest first.
// Writer-only state of ObserveProgress.
type edgeRing struct {
	e       [maxEdges]edge
	first   int // index of the oldest
	n       int
	maxStep int64 // largest step after the warm-up, ns of media
}

func (r *edgeRing) reset() { r.first, r.n, r.maxStep = 0, 0, 0 }

// window is the least span of a speed measure.
func (r *edgeRing) window() int64 {
	return max(int64(speedWindow), speedSteps*r.maxStep)
}

// add records a step of size step that arrived at wall, out time out.
func (r *edgeRing) add(wall, out, step int64) {
	r.maxStep = max(r.maxStep, step)
	if r.n > 0 && wall-r.e[(r.first+r.n-1)%maxEdges].wall < r.window()/edgeSpacing {
		return
	}
	if r.n == maxEdges {
		r.first = (r.first + 1) % maxEdges
		r.n--
	}
	r.e[(r.first+r.n)%maxEdges] = edge{wall, out}
	r.n++
}

// speed returns out time advanced over wall time from the newest kept
// step at least a window before end to lastOut at end, forgiving the one
// step after it that came later than the others (by what it came later
// than the next latest), and false when no step is that old yet.
func (r *edgeRing) speed(end, lastOut int64) (float64, bool) {
	win := r.window()
	var late, next int64 // the largest lateness of a step after the anchor, and the next largest
	for i := r.n - 1; i >= 0; i-- {
		e := r.e[(r.first+i)%maxEdges]
		if end-e.wall >= win {
			return forgiveLate(max(lastOut-e.out, 0), end-e.wall, late-next), true
		}
		if i > 0 {
			if l := lateness(r.e[(r.first+i-1)%maxEdges], e); l > late {
				late, next = l, late
			} else {
				next = max(next, l)
			}
		}
	}
	return 0, false
}

// lateness is how much later than its media's worth of wall time after
// step p step e arrived, at most the media it brought: a segment one
// playlist reload late is late by up to one segment, and a longer wait
// before a step counts as that step's media late and the rest lost.
func lateness(p, e edge) int64 {
	got := e.out - p.out
	return min(max((e.wall-p.wall)-got, 0), got)
}

// forgiveLate returns got ns of out time over span ns of wall time, with
// late ns (one step's lateness beyond the others') taken off span as far
// as the viewer fell short: one late step reads 1, never above; lateness
// beyond one step, or the same in every step, reads as slow as it is.
func forgiveLate(got, span, late int64) float64 {
	span -= min(late, max(span-got, 0))
	if span <= 0 {
		return 0
	}
	return float64(got) / float64(span)
}

// playbackTime is the wall time that counts against a viewer at wall
// time w whose out time last advanced, by step, at lastWall: the time its
// last step ran out, or the step's arrival while that media lasts.
func playbackTime(w, lastWall, step int64) int64 {
	return max(lastWall, w-step)
}
