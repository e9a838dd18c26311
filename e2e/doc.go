// Package e2e runs real ffmpeg fleets against in-process fixture origins
// and checks, end to end, that hlsswarm's numbers are true and its gates
// catch real faults. It has no API; its tests are the proof:
//
//   - TestOriginUnderLoad is the canonical example a user copies: a
//     healthy live origin, 20 viewers, 20 s, thresholds that all pass
//     (make load runs it with -v and prints the summary).
//   - The truth tests compare what the parsers counted from ffmpeg's output
//     with the origin's own request log, for VOD and live, MPEG-TS and
//     fMP4, http and https.
//   - The fault tests inject each fault kind and show that the matching
//     threshold fails and the counts match the origin's ground truth.
//   - The lifecycle tests show that no ffmpeg process and no goroutine
//     outlives a run: passing, failing, panicking, aborted by a live
//     threshold, or with the test binary killed.
//   - TestScale (skipped with -short) runs 300 live viewers and logs what
//     they cost.
//
// Every test needs ffmpeg (4.1 or newer) and uses loopback only.
package e2e
