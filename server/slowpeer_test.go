package server_test

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"atelier/server"
	"atelier/server/syncclient"
	"atelier/server/wire"
)

// A peer that stops reading is disconnected with 4429 once its bounded queue
// fills, and the others keep receiving every edit.
func TestSlowPeerDisconnected(t *testing.T) {
	ts := startServer(t, "", server.Config{SendQueue: 8, SendQueueBytes: 256 << 10})
	w := ts.createWorld(t, "", "Harbor")
	doc, _ := wire.ParseDocURL(w.Layers[0].URL)
	slow := dial(t, ts.wsURL("?user=slow"), "slow")
	requestDoc(t, slow, doc) // joined and synced; from now on it reads nothing
	writer, fast := dial(t, ts.wsURL("?user=w"), "writer"), dial(t, ts.wsURL("?user=f"), "fast")
	rw, rf := requestDoc(t, writer, doc), requestDoc(t, fast, doc)
	fastDone := make(chan error, 1)
	var fastLen atomic.Int64
	go func() { // the fast peer reads and acknowledges everything
		for {
			m, err := fast.Recv()
			if err != nil {
				fastDone <- err
				return
			}
			if m.Type == wire.TypeSync {
				if _, _, err := rf.Receive(m.Data); err != nil {
					fastDone <- err
					return
				}
				fastLen.Store(int64(rf.Len()))
				_ = fast.Send(&wire.Message{Type: wire.TypeSync, SenderID: fast.Self, TargetID: fast.Server, DocumentID: doc, Data: rf.SyncMessage()})
			}
		}
	}()
	const edits = 200
	big := strings.Repeat("x", 64<<10)
	for i := range edits { // one edit at a time: the next once the server has it
		c, err := rw.Edit("big", putRoot("blob", big+string(rune('a'+i%26))))
		if err != nil {
			t.Fatal(err)
		}
		send(t, writer, doc, wire.TypeSync, rw.SyncMessage(c))
		for acked := false; !acked; {
			m := recvType(t, writer, wire.TypeSync)
			_, heads, _ := rw.Receive(m.Data)
			acked = slices.Contains(heads, c.Hash)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for fastLen.Load() < int64(rw.Len()) && time.Now().Before(deadline) {
		select {
		case err := <-fastDone:
			t.Fatalf("fast peer: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if fastLen.Load() != int64(rw.Len()) {
		t.Fatalf("fast peer has %d changes, writer %d", fastLen.Load(), rw.Len())
	}
	if _, code := expectClose(t, slow); code != server.CloseSlowDown {
		t.Fatalf("slow peer closed with %d, want %d", code, server.CloseSlowDown)
	}
}

// A joined peer that answers no ping is dropped with 4408.
func TestSilentPeerTimesOut(t *testing.T) {
	ts := startServer(t, "", server.Config{PingInterval: 50 * time.Millisecond})
	ws, _, err := websocket.DefaultDialer.DialContext(context.Background(), ts.wsURL(""), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	b, _ := wire.Encode(&wire.Message{Type: wire.TypeJoin, SenderID: "mute"})
	_ = ws.WriteMessage(websocket.BinaryMessage, b)
	// gorilla answers pings only while reading: stay silent for a while.
	time.Sleep(400 * time.Millisecond)
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			if code := syncclient.CloseCode(err); code != server.CloseTimeout {
				t.Fatalf("closed with %d (%v), want %d", code, err, server.CloseTimeout)
			}
			return
		}
	}
}

// A peer id belongs to its user: another user cannot take it over (and
// disconnect the first), while the same user reconnecting replaces the old
// connection.
func TestPeerIDTakeover(t *testing.T) {
	ts := startServer(t, "", server.Config{})
	w := ts.createWorld(t, "", "Harbor")
	doc, _ := wire.ParseDocURL(w.Layers[0].URL)
	alice := dial(t, ts.wsURL("?user=alice"), "shared-id")
	_, err := syncclient.Dial(context.Background(), ts.wsURL("?user=bob"), "shared-id", nil)
	if code := syncclient.CloseCode(err); code != server.CloseConflict {
		t.Fatalf("bob taking alice's peer id: %v (close %d), want close %d", err, code, server.CloseConflict)
	}
	requestDoc(t, alice, doc) // alice is unaffected
	again := dial(t, ts.wsURL("?user=alice"), "shared-id")
	if _, code := expectClose(t, alice); code != server.CloseConflict {
		t.Fatalf("old connection closed with %d, want %d", code, server.CloseConflict)
	}
	requestDoc(t, again, doc)
}
