package testkit

import (
	"net"
	"sync"
	"testing"
)

// Tarpit starts a loopback server that accepts connections and never
// answers, closed with the test, and returns the URL of a master playlist
// on it: what a hung origin looks like to a viewer or a preflight fetch.
func Tarpit(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String() + "/live/master.m3u8"
}
