//go:build !linux

package genhealth

import "io/fs"

// procFS returns nil: there is no /proc to read, so pressure, load and
// memory stay unknown.
func procFS() fs.FS { return nil }

// openFDs reports the descriptor count as unknown off Linux.
func openFDs() (n int, limit uint64, ok bool) { return 0, 0, false }
