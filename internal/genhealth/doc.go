// Package genhealth reads the health of the machine that runs a fleet's
// viewers (the generator): CPU and memory pressure (Linux PSI), load, the
// harness's own scheduling latency (Go runtime/metrics), memory available
// and open file descriptors against RLIMIT_NOFILE.
//
// A [Sampler] is read by the fleet's once-a-second control loop; it starts
// no goroutine and keeps no package-level state. What a platform does not
// offer is left unknown (see stats.GeneratorFields), never reported as 0.
package genhealth
