package testkit

import (
	"net"
	"net/http"
	"net/http/httptest"
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

// Refused returns a URL, with path, on a loopback port that was just
// closed: connections to it are refused (unless the port is taken again).
func Refused(path string) string {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL + path
	srv.Close()
	return u
}
