//go:build linux

package pump

import (
	"encoding/binary"
	"fmt"
	"syscall"
	"time"
	"unsafe"
)

// A stream may be a SOCK_SEQPACKET Unix socket rather than a pipe
// (internal/ffmpeg gives ffmpeg such sockets for stderr and -progress on
// Linux). Each write of ffmpeg is then one message, and the kernel stamps
// it when it is written (SO_TIMESTAMPNS): a line's time is when ffmpeg
// wrote it, however long it waited for the next round. So rounds can be
// far apart without making latencies coarse.

// A message slot holds 2 KiB: ffmpeg's log writes are about 1 KiB at most
// (a request's header dump, say), and longer ones are cut and counted.
// Small slots keep the whole batch (128 KiB) in cache, which larger ones
// would not.
const (
	msgSlots    = 64      // messages per recvmmsg
	msgSlotSize = 2 << 10 // bytes per message
	msgOOBSize  = 64      // control bytes per message (one timestamp)
)

// mmsghdr is struct mmsghdr of recvmmsg(2).
type mmsghdr struct {
	hdr syscall.Msghdr
	n   uint32
}

// msgBuf is the poller's recvmmsg buffers, shared by all socket streams.
type msgBuf struct {
	data []byte
	oob  []byte
	iov  []syscall.Iovec
	hdrs []mmsghdr
	seen [][]byte // one recvmmsg's messages, for a BatchObserver
}

func newMsgBuf() *msgBuf {
	b := &msgBuf{
		data: make([]byte, msgSlots*msgSlotSize),
		oob:  make([]byte, msgSlots*msgOOBSize),
		iov:  make([]syscall.Iovec, msgSlots),
		hdrs: make([]mmsghdr, msgSlots),
		seen: make([][]byte, 0, msgSlots),
	}
	for i := range b.hdrs {
		b.iov[i].Base = &b.data[i*msgSlotSize]
		b.iov[i].SetLen(msgSlotSize)
		h := &b.hdrs[i].hdr
		h.Iov = &b.iov[i]
		h.Iovlen = 1
		h.Control = &b.oob[i*msgOOBSize]
	}
	return b
}

// isSeqPacket reports whether fd is a SOCK_SEQPACKET socket, and turns on
// its receive timestamps.
func isSeqPacket(fd int) bool {
	typ, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_TYPE)
	if err != nil || typ != syscall.SOCK_SEQPACKET {
		return false
	}
	_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
	return true
}

// recvmmsg receives up to len(b.hdrs) messages without waiting.
func (b *msgBuf) recvmmsg(fd int) (int, error) {
	for i := range b.hdrs {
		b.hdrs[i].hdr.SetControllen(msgOOBSize)
		b.hdrs[i].hdr.Flags = 0
		b.hdrs[i].n = 0
	}
	n, _, errno := syscall.Syscall6(syscall.SYS_RECVMMSG, uintptr(fd),
		uintptr(unsafe.Pointer(&b.hdrs[0])), uintptr(len(b.hdrs)), syscall.MSG_DONTWAIT, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// stamp returns the kernel's timestamp of message i, if it has one.
func (b *msgBuf) stamp(i int) (time.Time, bool) {
	h := &b.hdrs[i].hdr
	oob := b.oob[i*msgOOBSize : i*msgOOBSize+int(h.Controllen)]
	hdrLen := syscall.CmsgLen(0)
	for len(oob) >= hdrLen {
		var c syscall.Cmsghdr
		c.Level = int32(binary.NativeEndian.Uint32(oob[unsafe.Offsetof(c.Level):]))
		c.Type = int32(binary.NativeEndian.Uint32(oob[unsafe.Offsetof(c.Type):]))
		var clen int
		if unsafe.Sizeof(c.Len) == 8 {
			clen = int(binary.NativeEndian.Uint64(oob))
		} else {
			clen = int(binary.NativeEndian.Uint32(oob))
		}
		if clen < hdrLen || clen > len(oob) {
			return time.Time{}, false
		}
		if c.Level == syscall.SOL_SOCKET && c.Type == syscall.SCM_TIMESTAMPNS {
			d := oob[hdrLen:clen]
			var ts syscall.Timespec
			switch unsafe.Sizeof(ts.Sec) {
			case 8:
				if len(d) < 16 {
					return time.Time{}, false
				}
				return time.Unix(int64(binary.NativeEndian.Uint64(d)), int64(binary.NativeEndian.Uint64(d[8:]))), true
			default:
				if len(d) < 8 {
					return time.Time{}, false
				}
				return time.Unix(int64(int32(binary.NativeEndian.Uint32(d))), int64(int32(binary.NativeEndian.Uint32(d[4:])))), true
			}
		}
		next := syscall.CmsgSpace(clen - hdrLen)
		if next > len(oob) {
			break
		}
		oob = oob[next:]
	}
	return time.Time{}, false
}

// readSocket receives what socket stream s holds, message by message,
// each stamped with its kernel timestamp; it reports whether the stream
// ended (the peer closed: a zero-length message after a hang-up, as the
// end of file of a SOCK_SEQPACKET socket reads; ffmpeg writes no empty
// messages).
func (p *Poller) readSocket(s *pollStream, hup bool, budget *int) bool {
	b := p.msgs
	for round := 0; round < maxReadsPerRound || hup; round++ {
		n, err := b.recvmmsg(s.fd)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return false
		case err != nil:
			s.err = fmt.Errorf("read %s: %w", s.which, err)
			s.eof(p.opts.Clock())
			return true
		}
		b.seen = b.seen[:0]
		for i := 0; i < n; i++ {
			m := int(b.hdrs[i].n)
			if m == 0 {
				if hup {
					s.observe(b.seen)
					s.eof(p.opts.Clock())
					return true
				}
				continue
			}
			at, ok := b.stamp(i)
			if !ok {
				at = p.opts.Clock()
			}
			msg := b.data[i*msgSlotSize : i*msgSlotSize+min(m, msgSlotSize)]
			if s.batch != nil {
				b.seen = append(b.seen, msg)
			} else {
				s.pipe.Observe(msg)
			}
			s.feed(msg, p.opts.ReadSize, at, budget)
			if b.hdrs[i].hdr.Flags&syscall.MSG_TRUNC != 0 {
				s.cut(at, budget) // the kernel dropped the message's end
			}
		}
		s.observe(b.seen)
		if n < len(b.hdrs) && !hup {
			return false
		}
		if n == 0 {
			return false
		}
	}
	return false
}

// observe passes the messages of one recvmmsg to a BatchObserver pipe.
func (s *pollStream) observe(msgs [][]byte) {
	if s.batch != nil && len(msgs) > 0 {
		s.batch.ObserveBatch(msgs)
	}
}
