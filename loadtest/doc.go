// Package loadtest runs a fleet of real ffmpeg HLS viewers from a Go test.
package loadtest
