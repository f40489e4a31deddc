package server

// A review session's realtime channel: GET /api/reviews/{id}/channel
// upgrades to a websocket on which the server sends the session's JSON
// messages (package review's Hub: a snapshot first, then state, presence,
// annotation and task messages, and the build's context samples). The
// channel only listens; writes go over HTTP. Authentication is the same
// as /sync (?token= or, in local mode, ?user=).

import (
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"atelier/review"
)

// channelWriteTimeout bounds one message's write to a slow client.
const channelWriteTimeout = 10 * time.Second

// serveReviewChannel handles GET /api/reviews/{id}/channel.
func (s *Server) serveReviewChannel(w http.ResponseWriter, r *http.Request) {
	p, err := s.auth.Authenticate(r)
	var sess review.Session
	if err == nil {
		sess, _, err = s.member(r, p)
	}
	var sub *review.Subscription
	if err == nil {
		sub, err = s.cfg.Review.Subscribe(r.Context(), sess.ID, p.User)
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	defer sub.Close()
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader wrote the error
	}
	defer conn.Close()
	done := make(chan struct{})
	go func() { // reads only to notice the close (and answer pings)
		defer close(done)
		conn.SetReadLimit(4 << 10)
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	s.pumpChannel(conn, sub, done)
}

// pumpChannel writes the subscription's messages until either side ends.
func (s *Server) pumpChannel(conn *websocket.Conn, sub *review.Subscription, done <-chan struct{}) {
	ping := time.NewTicker(s.cfg.PingInterval)
	defer ping.Stop()
	for {
		select {
		case <-done:
			return
		case <-ping.C:
			if conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(channelWriteTimeout)) != nil {
				return
			}
		case m, ok := <-sub.C:
			if !ok {
				code, reason := websocket.CloseGoingAway, "session channel closed"
				if err := sub.Err(); errors.Is(err, review.ErrSlowSubscriber) {
					code, reason = CloseSlowDown, "too slow: reconnect to resume from a snapshot"
				}
				_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
				return
			}
			_ = conn.SetWriteDeadline(time.Now().Add(channelWriteTimeout))
			if conn.WriteMessage(websocket.TextMessage, m) != nil {
				return
			}
		}
	}
}
