package stats

import "time"

// Playback measured by a buffer model (the native engine's player): media
// played, stalls and their time, rendition switches. The ffmpeg engine's
// log does not tell them, so its viewers leave these counters at 0, and a
// fleet whose PlaybackTime is 0 did not measure them at all (see
// [Counters.PlaybackMeasured]).

// AddPlayback counts d of playback time: wall time during which the
// viewer's buffer model played media or stalled. Played time and stall
// time both go here; stall time goes to AddStallTime as well. d <= 0 is
// ignored.
func (v *Viewer) AddPlayback(d time.Duration) {
	if d > 0 {
		v.addRare(cPlaybackTime, uint64(d))
	}
}

// AddStall counts one stall: the buffer ran dry during playback.
func (v *Viewer) AddStall() { v.addRare(cStalls, 1) }

// AddStallTime counts d of stall time (also playback time: call
// AddPlayback with it too). d <= 0 is ignored.
func (v *Viewer) AddStallTime(d time.Duration) {
	if d > 0 {
		v.addRare(cStallTime, uint64(d))
	}
}

// AddRenditionSwitch counts one switch of rendition (adaptive bitrate).
func (v *Viewer) AddRenditionSwitch() { v.addRare(cSwitches, 1) }

// PlaybackMeasured reports whether a buffer model measured the playback
// counted in c: stalls, stall time and rendition switches are then
// observations (0 included), not unknowns.
func (c *Counters) PlaybackMeasured() bool { return c.PlaybackTime > 0 }

// RebufferRatio is stall time / playback time: the share of playback
// spent stalled. No data when no playback was measured by a buffer
// model (the ffmpeg engine).
func RebufferRatio(c *Counters) Rate {
	return ratio(c.StallTime, c.PlaybackTime)
}

// PlaybackMetric reports whether the catalogue metric called name is one
// of a buffer model's (playback_time, stalls, stall_time,
// rendition_switches, rebuffer_ratio): measured by the native engine
// only, so without data, rather than 0, where no playback was measured.
func PlaybackMetric(name string) bool {
	switch name {
	case "playback_time", "stalls", "stall_time", "rendition_switches", "rebuffer_ratio":
		return true
	}
	return false
}
