// Package e2e runs real ffmpeg fleets against in-process fixture origins
// and checks, end to end, that hlsswarm's numbers are true and its gates
// catch real faults. It has no API; its tests are the proof:
//
//   - TestOriginUnderLoad is the canonical example a user copies: a
//     healthy live origin, 20 viewers, 20 s, thresholds that all pass
//     (make load runs it with -v and prints the summary).
//   - TestTruth compares what the parsers counted from ffmpeg's output,
//     viewer by viewer, with the origin's own request log: requests by
//     kind, error statuses and bytes, for VOD and live, MPEG-TS and fMP4,
//     http and https, one rendition per viewer and all of them.
//     TestSingleFileByteRanges does the same for a VOD packaged as one
//     file per rendition (EXT-X-BYTERANGE, EXT-X-MAP with BYTERANGE), whose
//     origin counts init and segment requests by the range asked for, and
//     TestSingleFileInitError for a failed init range there.
//   - TestFaults injects each fault kind (error statuses, stalls, resets,
//     truncation, a bandwidth cap), with and without keep-alive, and shows
//     that the matching threshold fails and the counts match the origin's
//     ground truth; where ffmpeg 5.1 logs nothing, it says so and shows
//     what does see the fault. TestRecovery heals the origin mid-run;
//     TestBodyStallWithinTimeout shows a fault only QoE sees, and
//     TestStalledViewers that the stalled-viewers gauge counts exactly the
//     viewers the origin held past the stall timeout.
//   - The TestNoFFmpegAfter tests show that no ffmpeg process outlives a
//     run, however it ends: passing, failing viewers, a live-threshold
//     abort, and a child test binary that fails, panics or is SIGKILLed.
//     TestMain checks that no goroutine leaks (goleak).
//   - TestScale (skipped with -short) runs 300 live viewers against an
//     origin in a child process and logs what they cost.
//
// The tests need ffmpeg (4.1 or newer; they were written against 5.1) and
// use loopback only. They count only the ffmpeg processes whose command
// line holds their own origin's port, so other packages may run ffmpeg at
// the same time. Unless -test.parallel is given, six tests run at once
// (about 25 small viewers): they mostly wait on the live clock. The
// package takes about 3 minutes with -race on two cores, TestScale
// included.
package e2e
