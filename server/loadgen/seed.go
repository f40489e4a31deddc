package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/automerge/automerge-go"
	"github.com/google/uuid"

	"atelier/crdt/format"
	"atelier/scene"
	"atelier/server/syncclient"
	"atelier/server/wire"
	"atelier/store"
)

// seeded is a layer ready for the load: its document, heads, highest op
// counter and the objects of its nodes.
type seeded struct {
	doc   store.DocID
	heads []format.ChangeHash
	maxOp uint64
	nodes []format.ActorOp
}

// createWorld creates a world through the HTTP API and returns its layer.
func createWorld(ctx context.Context, cfg Config) (store.DocID, error) {
	body := strings.NewReader(fmt.Sprintf(`{"name": "loadgen %s"}`, time.Now().UTC().Format(time.RFC3339)))
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, cfg.BaseURL+"/api/worlds"+cfg.query(), body)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("create world: %w", err)
	}
	defer resp.Body.Close()
	var w struct {
		Error  string `json:"error"`
		Layers []struct {
			URL string `json:"url"`
		} `json:"layers"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&w); err != nil || resp.StatusCode != http.StatusCreated || len(w.Layers) == 0 {
		return "", fmt.Errorf("create world: HTTP %s: %s %v", resp.Status, w.Error, err)
	}
	return wire.ParseDocURL(w.Layers[0].URL)
}

// seed fills a new world's layer with cfg.Nodes nodes and enough edits to
// reach cfg.History changes, written with automerge-go and pushed through
// the sync protocol like any client's.
func seed(ctx context.Context, cfg Config) (*seeded, error) {
	id, err := createWorld(ctx, cfg)
	if err != nil {
		return nil, err
	}
	conn, err := syncclient.Dial(ctx, cfg.syncURL(), "loadgen-seeder-"+wire.PeerID(uuid.NewString()[:8]), nil)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	doc, initial, err := fetchDoc(conn, id)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	moves := cfg.History - len(initial) - (cfg.Nodes+9)/10
	if _, err := scene.Populate(doc, cfg.Nodes, moves, rand.New(rand.NewPCG(1, 2))); err != nil {
		return nil, err
	}
	fmt.Fprintf(cfg.Out, "seed: built %d nodes, %d changes in %s\n", cfg.Nodes, cfg.History, time.Since(start).Round(time.Millisecond))
	all, err := doc.Changes()
	if err != nil {
		return nil, err
	}
	s := &seeded{doc: id, heads: hashes(doc.Heads())}
	parsed, err := parseAll(all)
	if err != nil {
		return nil, err
	}
	s.maxOp, s.nodes = inspect(parsed)
	if err := push(conn, id, parsed[len(initial):], s.heads, cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// fetchDoc requests the layer and loads what the server sends into automerge-go.
func fetchDoc(conn *syncclient.Conn, id store.DocID) (*automerge.Doc, []*format.Change, error) {
	r := syncclient.NewReplica(id)
	if err := conn.Send(&wire.Message{Type: wire.TypeRequest, SenderID: conn.Self, TargetID: conn.Server, DocumentID: id, Data: r.RequestMessage()}); err != nil {
		return nil, nil, err
	}
	m, err := conn.Recv()
	if err != nil {
		return nil, nil, err
	}
	if m.Type != wire.TypeSync {
		return nil, nil, fmt.Errorf("seed: request answered with %q", m.Type)
	}
	chs, _, err := r.Receive(m.Data)
	if err != nil {
		return nil, nil, err
	}
	doc := automerge.New()
	for _, c := range chs {
		if err := doc.LoadIncremental(c.Raw); err != nil {
			return nil, nil, err
		}
	}
	return doc, chs, nil
}

func parseAll(all []*automerge.Change) ([]*format.Change, error) {
	out := make([]*format.Change, len(all))
	for i, ch := range all {
		c, _, err := format.ParseChange(ch.Save())
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// inspect returns the highest op counter and the object of every node map.
func inspect(chs []*format.Change) (uint64, []format.ActorOp) {
	var maxOp uint64
	var nodesObj format.ActorOp
	var nodes []format.ActorOp
	for _, c := range chs {
		maxOp = max(maxOp, c.MaxOp)
		ops, err := c.Ops()
		if err != nil {
			continue
		}
		for _, op := range ops {
			if op.Action != format.MakeMap || !op.Key.IsMap {
				continue
			}
			id := format.ActorOp{Counter: op.ID.Counter, Actor: c.ActorAt(op.ID.Actor)}
			switch {
			case op.Obj.IsRoot() && op.Key.MapKey == "nodes":
				nodesObj = id
			case op.Obj.Counter == nodesObj.Counter && bytes.Equal(c.ActorAt(op.Obj.Actor), nodesObj.Actor):
				nodes = append(nodes, id)
			}
		}
	}
	return maxOp, nodes
}

// push sends the changes in messages of at most 4 MiB and waits until the
// server's heads are ours.
func push(conn *syncclient.Conn, id store.DocID, chs []*format.Change, heads []format.ChangeHash, cfg Config) error {
	start := time.Now()
	for len(chs) > 0 {
		n, size := 0, 0
		for n < len(chs) && size+len(chs[n].Raw) < 4<<20 {
			size += len(chs[n].Raw)
			n++
		}
		m := format.SyncMessage{Version: 0x42, Heads: heads, Have: []format.Have{{}}}
		for _, c := range chs[:n] {
			m.Changes = append(m.Changes, c.Raw)
		}
		if err := conn.Send(&wire.Message{Type: wire.TypeSync, SenderID: conn.Self, TargetID: conn.Server, DocumentID: id, Data: m.Encode()}); err != nil {
			return err
		}
		chs = chs[n:]
	}
	for {
		m, err := conn.Recv()
		if err != nil {
			return fmt.Errorf("seed: waiting for the server: %w", err)
		}
		if m.Type == wire.TypeError {
			return fmt.Errorf("seed: server error: %s", m.ErrorMessage)
		}
		if sm, err := format.DecodeSyncMessage(m.Data); err == nil && slices.Equal(sm.Heads, heads) {
			fmt.Fprintf(cfg.Out, "seed: server stored the layer in %s\n", time.Since(start).Round(time.Millisecond))
			return nil
		}
	}
}

func hashes(hs []automerge.ChangeHash) []format.ChangeHash {
	out := make([]format.ChangeHash, len(hs))
	for i, h := range hs {
		out[i] = format.ChangeHash(h)
	}
	format.SortHashes(out)
	return out
}
