package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// cdpBrowser is a headless Chromium driven over the DevTools protocol on a
// pipe (--remote-debugging-pipe: commands on its fd 3, replies and events
// on its fd 4, each message ended by a NUL byte). It is just enough of
// the protocol to open a page, see every request the page makes, read the
// DOM the browser built and take a screenshot.
type cdpBrowser struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	stderr string        // the browser's log file
	done   chan struct{} // closed when the reader ends

	mu      sync.Mutex
	nextID  int
	waiting map[int]chan cdpMessage
	events  []cdpMessage
	notify  chan struct{} // signalled on every event
}

type cdpMessage struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// startCDP starts the browser with args; it is killed when ctx ends and
// closed at the end of the test.
func startCDP(t *testing.T, ctx context.Context, browser string, args ...string) *cdpBrowser {
	t.Helper()
	cmdR, cmdW, err := os.Pipe() // ours → the browser's fd 3
	if err != nil {
		t.Fatal(err)
	}
	evR, evW, err := os.Pipe() // the browser's fd 4 → ours
	if err != nil {
		t.Fatal(err)
	}
	b := &cdpBrowser{in: cmdW, done: make(chan struct{}), waiting: map[int]chan cdpMessage{}, notify: make(chan struct{}, 1)}
	b.cmd = exec.CommandContext(ctx, browser, append([]string{"--remote-debugging-pipe"}, args...)...)
	b.cmd.ExtraFiles = []*os.File{cmdR, evW}
	b.stderr = filepath.Join(t.TempDir(), "chromium.log")
	logf, err := os.Create(b.stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	b.cmd.Stderr = logf
	// Chromium's helper processes inherit its descriptors: do not wait on
	// them for ever once the browser itself has exited.
	b.cmd.WaitDelay = 5 * time.Second
	if err := b.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", browser, err)
	}
	cmdR.Close()
	evW.Close()
	go b.read(evR)
	t.Cleanup(b.close)
	return b
}

func (b *cdpBrowser) read(r *os.File) {
	defer close(b.done)
	defer r.Close()
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			return
		}
		var m cdpMessage
		if json.Unmarshal(raw[:len(raw)-1], &m) != nil {
			continue
		}
		b.mu.Lock()
		if m.ID != 0 {
			if ch := b.waiting[m.ID]; ch != nil {
				ch <- m
				delete(b.waiting, m.ID)
			}
		} else {
			b.events = append(b.events, m)
			select {
			case b.notify <- struct{}{}:
			default:
			}
		}
		b.mu.Unlock()
	}
}

// call sends a command (to the page's session when session is not empty)
// and decodes its result into out.
func (b *cdpBrowser) call(ctx context.Context, session, method string, params, out any) error {
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	ch := make(chan cdpMessage, 1)
	b.waiting[id] = ch
	b.mu.Unlock()
	msg, err := json.Marshal(map[string]any{"id": id, "sessionId": session, "method": method, "params": params})
	if err != nil {
		return err
	}
	if session == "" {
		msg = bytes.Replace(msg, []byte(`"sessionId":"",`), nil, 1)
	}
	if _, err := b.in.Write(append(msg, 0)); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return fmt.Errorf("%s: %s", method, m.Error.Message)
		}
		if out != nil {
			return json.Unmarshal(m.Result, out)
		}
		return nil
	case <-b.done:
		return fmt.Errorf("%s: the browser went away (its log: %s)", method, b.stderr)
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// waitEvent waits for an event of method in session.
func (b *cdpBrowser) waitEvent(ctx context.Context, session, method string) error {
	for {
		b.mu.Lock()
		for _, e := range b.events {
			if e.Method == method && e.SessionID == session {
				b.mu.Unlock()
				return nil
			}
		}
		b.mu.Unlock()
		select {
		case <-b.notify:
		case <-b.done:
			return fmt.Errorf("waiting for %s: the browser went away", method)
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", method, ctx.Err())
		}
	}
}

// eventsOf returns the events of method in session so far.
func (b *cdpBrowser) eventsOf(session, method string) []cdpMessage {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []cdpMessage
	for _, e := range b.events {
		if e.Method == method && e.SessionID == session {
			out = append(out, e)
		}
	}
	return out
}

// close asks the browser to close, kills it if it does not within 10 s,
// and waits for it and for the reader.
func (b *cdpBrowser) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = b.call(ctx, "", "Browser.close", map[string]any{}, nil)
	b.in.Close()
	exited := make(chan struct{})
	go func() { _ = b.cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-ctx.Done():
		_ = b.cmd.Process.Kill()
		<-exited
	}
	<-b.done
}
