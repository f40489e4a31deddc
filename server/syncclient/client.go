// Package syncclient is a lightweight Go client of Atelier's sync endpoint:
// it speaks the automerge-repo websocket protocol (join, sync, request,
// ephemeral) and the automerge sync protocol's client side for one document
// without materializing it. It tracks heads and the highest op counter from
// the change chunks it receives, and writes map edits with format.EncodeChange.
//
// It exists for the load generator and for protocol tests; applications use
// a real automerge-repo.
package syncclient

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"atelier/crdt/format"
	"atelier/server/wire"
	"atelier/store"
)

// Conn is one websocket connection to the sync endpoint.
type Conn struct {
	ws     *websocket.Conn
	Self   wire.PeerID
	Server wire.PeerID
	wmu    sync.Mutex
}

// Dial connects to url (ws://host/sync?…) and completes the join handshake.
func Dial(ctx context.Context, url string, self wire.PeerID, header http.Header) (*Conn, error) {
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 64 << 10, WriteBufferSize: 64 << 10}
	ws, resp, err := d.DialContext(ctx, url, header)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial %s: %w (HTTP %s)", url, err, resp.Status)
		}
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	c := &Conn{ws: ws, Self: self}
	join := &wire.Message{Type: wire.TypeJoin, SenderID: self, PeerMetadata: &wire.PeerMetadata{IsEphemeral: true}, SupportedProtocolVersions: []string{wire.ProtocolV1}}
	if err := c.Send(join); err != nil {
		ws.Close()
		return nil, err
	}
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	m, err := c.Recv()
	if err != nil {
		ws.Close()
		return nil, fmt.Errorf("join: %w", err)
	}
	_ = ws.SetReadDeadline(time.Time{})
	if m.Type != wire.TypePeer {
		ws.Close()
		return nil, fmt.Errorf("join: got %q (%s), want peer", m.Type, m.ErrorMessage)
	}
	c.Server = m.SenderID
	return c, nil
}

// Send encodes and writes one message. It is safe for concurrent use.
func (c *Conn) Send(m *wire.Message) error {
	b, err := wire.Encode(m)
	if err != nil {
		return err
	}
	return c.SendRaw(b)
}

// SendRaw writes one binary frame as is.
func (c *Conn) SendRaw(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.ws.WriteMessage(websocket.BinaryMessage, b)
}

// Recv reads and decodes the next message. A close from the server is
// returned as a *websocket.CloseError.
func (c *Conn) Recv() (*wire.Message, error) {
	_, b, err := c.ws.ReadMessage()
	if err != nil {
		return nil, err
	}
	return wire.Decode(b)
}

// Close closes the connection.
func (c *Conn) Close() error { return c.ws.Close() }

// CloseCode returns the close code of err if it is a websocket close, else 0.
func CloseCode(err error) int {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return 0
}

// Replica is the client's view of one document: the changes it has seen
// (hashes only), its heads and the highest op counter, enough to sync and to
// write well-formed changes.
type Replica struct {
	Doc   store.DocID
	Actor []byte
	seq   uint64
	maxOp uint64
	heads map[format.ChangeHash]bool
	known map[format.ChangeHash]bool
}

// NewReplica returns an empty replica of doc with a random actor.
func NewReplica(doc store.DocID) *Replica {
	actor := make([]byte, 16)
	_, _ = rand.Read(actor)
	return &Replica{Doc: doc, Actor: actor, heads: map[format.ChangeHash]bool{}, known: map[format.ChangeHash]bool{}}
}

// Heads returns the replica's heads, sorted.
func (r *Replica) Heads() []format.ChangeHash {
	out := make([]format.ChangeHash, 0, len(r.heads))
	for h := range r.heads {
		out = append(out, h)
	}
	format.SortHashes(out)
	return out
}

// Len returns the number of changes the replica has seen.
func (r *Replica) Len() int { return len(r.known) }

// Observe records a change the replica now has.
func (r *Replica) Observe(c *format.Change) {
	if r.known[c.Hash] {
		return
	}
	r.known[c.Hash] = true
	for _, d := range c.Deps {
		delete(r.heads, d)
	}
	r.heads[c.Hash] = true
	r.maxOp = max(r.maxOp, c.MaxOp)
}

// Assume sets the replica's heads and op counter without the changes, for a
// peer that starts in sync with a document it already knows.
func (r *Replica) Assume(heads []format.ChangeHash, maxOp uint64) {
	clear(r.heads)
	for _, h := range heads {
		r.heads[h] = true
		r.known[h] = true
	}
	r.maxOp = max(r.maxOp, maxOp)
}

// MaxOp returns the highest op counter seen.
func (r *Replica) MaxOp() uint64 { return r.maxOp }

// Edit makes a change of map puts on top of the replica's heads and observes it.
func (r *Replica) Edit(message string, ops ...format.MapPut) (*format.Change, error) {
	r.seq++
	c, err := format.EncodeChange(format.ChangeSpec{
		Deps: r.Heads(), Actor: r.Actor, Seq: r.seq, StartOp: r.maxOp + 1,
		Time: time.Now().UnixMilli(), Message: message, Ops: ops,
	})
	if err != nil {
		r.seq--
		return nil, err
	}
	r.Observe(c)
	return c, nil
}

// SyncMessage returns the replica's sync message carrying changes: our
// heads, and a have saying we hold everything up to them.
func (r *Replica) SyncMessage(changes ...*format.Change) []byte {
	heads := r.Heads()
	m := format.SyncMessage{Version: 0x42, Heads: heads, Have: []format.Have{{LastSync: heads}}}
	for _, c := range changes {
		m.Changes = append(m.Changes, c.Raw)
	}
	return m.Encode()
}

// RequestMessage is the first message of a replica that has nothing.
func (r *Replica) RequestMessage() []byte {
	m := format.SyncMessage{Version: 0x42, Have: []format.Have{{}}}
	return m.Encode()
}

// Receive parses a sync message from the server and observes its changes,
// returning them.
func (r *Replica) Receive(data []byte) ([]*format.Change, []format.ChangeHash, error) {
	m, err := format.DecodeSyncMessage(data)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*format.Change, 0, len(m.Changes))
	for _, blob := range m.Changes {
		c, _, err := format.ParseChange(blob)
		if err != nil {
			return nil, nil, err
		}
		r.Observe(c)
		out = append(out, c)
	}
	return out, slices.Clone(m.Heads), nil
}

// Has reports whether the replica has seen the change with hash h.
func (r *Replica) Has(h format.ChangeHash) bool { return r.known[h] }
