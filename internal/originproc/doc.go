// Package originproc serves a live fixtures origin from a child process
// (the test binary run again), so that a measurement of a fleet's CPU and
// memory leaves the origin's out, and reads a process's CPU time and
// memory from /proc. It is test support for the loadtest benchmarks and
// the e2e scale test.
//
// A test package serves the origin from its TestMain:
//
//	func TestMain(m *testing.M) {
//		if code, ok := originproc.ServeIfChild(); ok {
//			os.Exit(code)
//		}
//		os.Exit(m.Run())
//	}
//
// and a test starts it with [Start].
package originproc
