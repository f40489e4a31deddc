package loadgen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"atelier/crdt/format"
	"atelier/server/syncclient"
	"atelier/server/wire"
)

// peer is one editing client: a connection, a replica of the layer, and
// what it measured.
type peer struct {
	conn *syncclient.Conn
	node format.ActorOp
	doc  wire.Message // template for sync messages

	mu      sync.Mutex
	r       *syncclient.Replica
	lastPut format.ActorOp // our previous put, overwritten by the next
	waiting format.ChangeHash
	lat     []time.Duration

	nSent, nRecv atomic.Int64
	acked        chan format.ChangeHash // our change hashes the server's heads have reached
	done         chan struct{}
}

func connect(ctx context.Context, cfg Config, s *seeded, i int) (*peer, error) {
	conn, err := syncclient.Dial(ctx, cfg.syncURL(), wire.PeerID(fmt.Sprintf("loadgen-%d-%d", time.Now().UnixNano()%1e6, i)), nil)
	if err != nil {
		return nil, err
	}
	p := &peer{conn: conn, node: s.nodes[i%len(s.nodes)], r: syncclient.NewReplica(s.doc),
		acked: make(chan format.ChangeHash, 1), done: make(chan struct{})}
	p.doc = wire.Message{Type: wire.TypeSync, SenderID: conn.Self, TargetID: conn.Server, DocumentID: s.doc}
	p.r.Assume(s.heads, s.maxOp)
	if err := p.send(p.r.SyncMessage()); err != nil {
		return nil, err
	}
	go p.read()
	return p, nil
}

func (p *peer) send(data []byte) error {
	m := p.doc
	m.Data = data
	return p.conn.Send(&m)
}

// read handles the server's messages: it records the latency of every edit
// another peer made and acknowledges each message with our heads, as an
// automerge-repo client does.
func (p *peer) read() {
	defer close(p.done)
	for {
		m, err := p.conn.Recv()
		if err != nil {
			return
		}
		if m.Type != wire.TypeSync {
			continue
		}
		now := time.Now()
		p.mu.Lock()
		chs, heads, err := p.r.Receive(m.Data)
		if err != nil {
			p.mu.Unlock()
			return
		}
		for _, c := range chs {
			if sentAt, ok := editTime(c.Message); ok {
				p.lat = append(p.lat, now.Sub(sentAt))
				p.nRecv.Add(1)
			}
		}
		ack := p.r.SyncMessage()
		waiting := p.waiting
		p.mu.Unlock()
		if slices.Contains(heads, waiting) {
			select {
			case p.acked <- waiting:
			default:
			}
		}
		if len(chs) > 0 {
			_ = p.send(ack)
		}
	}
}

func editTime(msg string) (time.Time, bool) {
	ns, ok := strings.CutPrefix(msg, "lg ")
	if !ok {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(ns, 10, 64)
	return time.Unix(0, n), err == nil
}

// edit makes edits until the deadline: at cfg.Rate per second, or one at a
// time waiting for the server to acknowledge each.
func (p *peer) edit(ctx context.Context, cfg Config, until time.Time) {
	var tick <-chan time.Time
	if cfg.Rate > 0 {
		// Start at a random phase: real editors are not synchronized, and
		// 50 tickers started together would edit in bursts.
		period := time.Duration(float64(time.Second) / cfg.Rate)
		select {
		case <-time.After(rand.N(period)):
		case <-ctx.Done():
			return
		}
		t := time.NewTicker(period)
		defer t.Stop()
		tick = t.C
	}
	for time.Now().Before(until) && ctx.Err() == nil {
		if tick != nil {
			select {
			case <-tick:
			case <-ctx.Done():
				return
			}
		}
		h, err := p.editOnce()
		if err != nil {
			return
		}
		if tick == nil && !p.waitAck(h, until) {
			return
		}
	}
}

func (p *peer) editOnce() (format.ChangeHash, error) {
	p.mu.Lock()
	put := format.MapPut{Obj: p.node, Key: "loadgen", Value: p.nSent.Load()}
	if p.lastPut.Counter != 0 {
		put.Pred = []format.ActorOp{p.lastPut}
	}
	c, err := p.r.Edit("lg "+strconv.FormatInt(time.Now().UnixNano(), 10), put)
	if err != nil {
		p.mu.Unlock()
		return format.ChangeHash{}, err
	}
	p.lastPut = format.ActorOp{Counter: c.StartOp, Actor: c.Actor}
	p.waiting = c.Hash
	data := p.r.SyncMessage(c)
	p.mu.Unlock()
	p.nSent.Add(1)
	return c.Hash, p.send(data)
}

// waitAck waits until the server's heads name h (or something after it).
func (p *peer) waitAck(h format.ChangeHash, until time.Time) bool {
	timeout := time.NewTimer(time.Until(until) + time.Second)
	defer timeout.Stop()
	for {
		select {
		case got := <-p.acked:
			if got == h {
				return true
			}
		case <-p.done:
			return false
		case <-timeout.C:
			return false
		}
	}
}

func (p *peer) sent() int64     { return p.nSent.Load() }
func (p *peer) received() int64 { return p.nRecv.Load() }

func (p *peer) latencies() []time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Duration(nil), p.lat...)
}

func (p *peer) close() { _ = p.conn.Close() }
