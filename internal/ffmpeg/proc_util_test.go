//go:build linux

package ffmpeg

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// procState returns the state letter of pid from /proc ("R", "S", "Z", ...)
// or "" when there is no such process.
func procState(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+3 > len(b) {
		return ""
	}
	return string(b[i+2 : i+3])
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	s := procState(pid)
	return s != "" && s != "Z"
}

// groupMembers lists the live processes whose process group is pgid.
func groupMembers(t testing.TB, pgid int) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		// after ") ": state ppid pgrp ...
		f := strings.Fields(string(b[i+1:]))
		if len(f) >= 3 && f[2] == strconv.Itoa(pgid) && f[0] != "Z" {
			out = append(out, pid)
		}
	}
	return out
}

// requireGone fails unless pid and its process group are gone within wait.
func requireGone(t testing.TB, pid int, wait time.Duration) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		members := groupMembers(t, pid)
		if !alive(pid) && len(members) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d state %q, process group members %v: still there %v after it should be gone", pid, procState(pid), members, wait)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// collector drains a Process's pipes like a parser would.
type collector struct {
	wg               sync.WaitGroup
	stderr, progress bytes.Buffer
}

func collect(p *Process) *collector {
	c := &collector{}
	c.wg.Add(2)
	go func() { defer c.wg.Done(); _, _ = io.Copy(&c.stderr, p.Stderr()); _ = p.Stderr().Close() }()
	go func() { defer c.wg.Done(); _, _ = io.Copy(&c.progress, p.Progress()); _ = p.Progress().Close() }()
	return c
}
