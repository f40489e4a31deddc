package server

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"atelier/crdt"
	"atelier/server/auth"
	"atelier/server/wire"
	"atelier/store"
)

// maxEphemeralBytes bounds one ephemeral (presence) payload: it is copied to
// every peer of the document.
const maxEphemeralBytes = 64 << 10

// session is one websocket connection speaking the automerge-repo network
// protocol: a read loop that decodes messages and hands them to the hub, and
// a write loop that drains a bounded queue and keeps the connection alive.
// It implements crdt.Peer.
type session struct {
	srv       *Server
	conn      *websocket.Conn
	principal auth.Principal
	log       *slog.Logger

	// peer is set by join, before joined is stored: other goroutines read
	// peer (and plog) only after seeing joined.
	peer   wire.PeerID
	plog   *slog.Logger
	joined atomic.Bool

	out    chan []byte
	queued atomic.Int64 // bytes waiting in out

	failOnce sync.Once
	failed   chan struct{} // closed by Fail
	failErr  error
	done     chan struct{} // closed when the read loop ends
}

var _ crdt.Peer = (*session)(nil)

func newSession(srv *Server, conn *websocket.Conn, p auth.Principal) *session {
	return &session{
		srv: srv, conn: conn, principal: p,
		log:    srv.log.With("remote", conn.RemoteAddr().String(), "user", p.User),
		out:    make(chan []byte, srv.cfg.SendQueue),
		failed: make(chan struct{}),
		done:   make(chan struct{}),
	}
}

// ID implements crdt.Peer.
func (s *session) ID() crdt.PeerID { return crdt.PeerID(s.peer) }

// User implements crdt.Peer.
func (s *session) User() string { return s.principal.User }

// Access implements crdt.Peer: editors and owners write; reviewers and viewers read.
func (s *session) Access(w store.WorldID) crdt.Access {
	role := s.principal.Role(w)
	switch {
	case role == "":
		return crdt.AccessNone
	case role.CanEdit():
		return crdt.AccessWrite
	default:
		return crdt.AccessRead
	}
}

// Deliver implements crdt.Peer: it encodes the message and queues it without blocking.
func (s *session) Deliver(m crdt.Outbound) bool {
	select {
	case <-s.failed:
		return true // closing anyway; nothing more to say
	default:
	}
	b, err := wire.AppendDocMessage(nil, s.toWire(m))
	if err != nil {
		s.log.Error("encode outbound message", "err", err)
		return true
	}
	return s.enqueue(b)
}

// enqueue queues a frame without blocking; false when the queue is full.
func (s *session) enqueue(b []byte) bool {
	if s.queued.Add(int64(len(b))) > s.srv.cfg.SendQueueBytes {
		s.queued.Add(-int64(len(b)))
		return false
	}
	select {
	case s.out <- b:
		return true
	default:
		s.queued.Add(-int64(len(b)))
		return false
	}
}

func (s *session) toWire(m crdt.Outbound) *wire.Message {
	w := &wire.Message{SenderID: s.srv.peerID, TargetID: s.peer, DocumentID: m.Doc}
	switch m.Kind {
	case crdt.OutSync:
		w.Type, w.Data = wire.TypeSync, m.Data
	case crdt.OutUnavailable:
		w.Type = wire.TypeDocUnavailable
	case crdt.OutEphemeral:
		w.Type, w.Data, w.Count, w.SessionID = wire.TypeEphemeral, m.Data, m.Count, m.SessionID
		w.SenderID = wire.PeerID(m.From)
	}
	return w
}

// Fail implements crdt.Peer: the write loop sends an error message and
// closes the connection with the code that matches err.
func (s *session) Fail(err error) {
	s.failOnce.Do(func() {
		s.failErr = err
		close(s.failed)
	})
}

// run serves the connection until it closes.
func (s *session) run() {
	go s.writeLoop()
	err := s.readLoop()
	if err != nil {
		s.Fail(err)
	}
	if s.joined.Load() {
		s.srv.unregister(s)
		s.srv.hub.Detach(s)
	}
	close(s.done)
}

// readLoop reads and dispatches messages until the connection ends or a
// message is bad; the returned error is what the peer is told.
func (s *session) readLoop() error {
	cfg := s.srv.cfg
	// The size limit is enforced in readMessage on the decompressed bytes,
	// so that the peer gets our 4413 rather than gorilla's 1009.
	s.conn.SetReadLimit(0)
	_ = s.conn.SetReadDeadline(time.Now().Add(cfg.HandshakeTimeout))
	s.conn.SetPongHandler(func(string) error {
		if !s.joined.Load() { // a pong does not excuse a missing join
			return nil
		}
		return s.conn.SetReadDeadline(time.Now().Add(cfg.pongWait()))
	})
	for {
		data, err := s.readMessage()
		if err != nil {
			return err
		}
		if s.joined.Load() {
			_ = s.conn.SetReadDeadline(time.Now().Add(cfg.pongWait()))
		}
		msg, err := wire.Decode(data)
		if err != nil {
			return err
		}
		if err := s.handle(msg); err != nil {
			return err
		}
	}
}

// readMessage reads one binary message, enforcing the size limit on the
// decompressed bytes. A clean close or a gone peer returns a nil-wrapped
// io.EOF-like error that is not reported to the peer.
func (s *session) readMessage() ([]byte, error) {
	typ, r, err := s.conn.NextReader()
	switch {
	case errors.Is(err, websocket.ErrReadLimit):
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, s.srv.cfg.MaxMessageBytes)
	case isTimeout(err) && !s.joined.Load():
		return nil, ErrHandshakeTimeout
	case isTimeout(err):
		return nil, fmt.Errorf("%w: nothing for %s", ErrPeerTimeout, s.srv.cfg.pongWait())
	case err != nil:
		return nil, errGone{err}
	}
	data, err := io.ReadAll(io.LimitReader(r, s.srv.cfg.MaxMessageBytes+1))
	switch {
	case errors.Is(err, websocket.ErrReadLimit) || int64(len(data)) > s.srv.cfg.MaxMessageBytes:
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, s.srv.cfg.MaxMessageBytes)
	case err != nil:
		return nil, errGone{err}
	case typ != websocket.BinaryMessage:
		return nil, fmt.Errorf("%w: text frame; the protocol is binary CBOR", ErrBadRequest)
	}
	return data, nil
}

// errGone wraps the error of a connection that closed or broke: there is no
// one left to tell.
type errGone struct{ err error }

// Error implements error.
func (e errGone) Error() string { return "connection closed: " + e.err.Error() }

// Unwrap returns the connection's error.
func (e errGone) Unwrap() error { return e.err }

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// handle dispatches one decoded message.
func (s *session) handle(m *wire.Message) error {
	if m.Type == wire.TypeJoin {
		return s.join(m)
	}
	if !s.joined.Load() {
		return fmt.Errorf("%w: %q", ErrNotJoined, m.Type)
	}
	if m.Type == wire.TypeEphemeral && len(m.Data) > maxEphemeralBytes {
		return fmt.Errorf("%w: ephemeral message of %d bytes (limit %d)", ErrTooLarge, len(m.Data), maxEphemeralBytes)
	}
	if m.SenderID != s.peer {
		s.plog.Debug("dropping message from another sender id", "sender", m.SenderID)
		return nil // what the reference server does
	}
	switch m.Type {
	case wire.TypeSync:
		s.srv.hub.Receive(s, m.DocumentID, crdt.InSync, m.Data)
	case wire.TypeRequest:
		s.srv.hub.Receive(s, m.DocumentID, crdt.InRequest, m.Data)
	case wire.TypeEphemeral:
		s.srv.hub.Ephemeral(s, m.DocumentID, crdt.Ephemeral{Data: m.Data, Count: m.Count, SessionID: m.SessionID})
	default:
		// doc-unavailable, heads gossip and unknown types: nothing to act on.
	}
	return nil
}

// join answers the handshake with our peer message. A repeated join with
// the same id is answered again; the id cannot change on a connection.
func (s *session) join(m *wire.Message) error {
	if m.SupportedProtocolVersions != nil && !contains(m.SupportedProtocolVersions, wire.ProtocolV1) {
		return fmt.Errorf("%w: offered %v", ErrUnsupportedProtocol, m.SupportedProtocolVersions)
	}
	if s.joined.Load() && m.SenderID != s.peer {
		return fmt.Errorf("%w: join as %q after joining as %q", ErrBadRequest, m.SenderID, s.peer)
	}
	if !s.joined.Load() {
		s.peer, s.plog = m.SenderID, s.log.With("peer", string(m.SenderID))
		if err := s.srv.register(s); err != nil {
			return err
		}
		s.joined.Store(true)
		_ = s.conn.SetReadDeadline(time.Now().Add(s.srv.cfg.pongWait()))
	}
	reply := &wire.Message{
		Type: wire.TypePeer, SenderID: s.srv.peerID, TargetID: s.peer,
		PeerMetadata:            &wire.PeerMetadata{StorageID: s.srv.storageID, IsEphemeral: false},
		SelectedProtocolVersion: wire.ProtocolV1,
	}
	b, err := wire.Encode(reply)
	if err != nil {
		return err
	}
	if !s.enqueue(b) {
		return crdt.ErrSlowPeer
	}
	return nil
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// writeLoop sends queued messages and pings; on Fail it sends an error
// message and a close frame, then closes the connection.
func (s *session) writeLoop() {
	cfg := s.srv.cfg
	ping := time.NewTicker(cfg.PingInterval)
	defer ping.Stop()
	defer s.conn.Close()
	for {
		select {
		case b := <-s.out:
			s.queued.Add(-int64(len(b)))
			_ = s.conn.SetWriteDeadline(time.Now().Add(cfg.WriteTimeout))
			if err := s.conn.WriteMessage(websocket.BinaryMessage, b); err != nil {
				s.Fail(errGone{err})
				return
			}
		case <-ping.C:
			if err := s.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(cfg.WriteTimeout)); err != nil {
				s.Fail(errGone{err})
				return
			}
		case <-s.failed:
			s.sayGoodbye()
			return
		case <-s.done:
			select {
			case <-s.failed:
				s.sayGoodbye()
			default:
			}
			return
		}
	}
}

// sayGoodbye tells the peer why it is being disconnected.
func (s *session) sayGoodbye() {
	err := s.failErr
	var gone errGone
	if errors.As(err, &gone) {
		return
	}
	joined, log := s.joined.Load(), s.log
	if joined {
		log = s.plog
	}
	log.Info("closing connection", "err", err)
	deadline := time.Now().Add(time.Second)
	_ = s.conn.SetWriteDeadline(deadline)
	if joined {
		msg := &wire.Message{Type: wire.TypeError, SenderID: s.srv.peerID, TargetID: s.peer, ErrorMessage: err.Error()}
		if b, encErr := wire.Encode(msg); encErr == nil {
			_ = s.conn.WriteMessage(websocket.BinaryMessage, b)
		}
	}
	reason := err.Error()
	if len(reason) > 120 { // a close frame's reason must fit in 123 bytes
		reason = reason[:120]
	}
	_ = s.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(closeCodeOf(err), reason), deadline)
	s.linger()
}

// linger waits (up to a second) for the peer to read our close frame
// before the connection is closed: closing a socket with unread input sends
// a TCP reset, which can destroy the close frame before the peer reads it.
func (s *session) linger() {
	select {
	case <-s.done: // the read loop is gone: drain what the peer still sends
		nc := s.conn.UnderlyingConn()
		_ = nc.SetReadDeadline(time.Now().Add(time.Second))
		_, _ = io.Copy(io.Discard, nc)
	case <-time.After(time.Second): // the read loop ends when the peer answers our close
	}
}
