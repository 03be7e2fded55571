package mcp

import (
	"context"
	"net/url"
	"strings"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Live alarms as subscribable resources: machina://v1/alarms (every active
// alarm) and machina://v1/alarms/{asset_id}. When the sensor connector
// raises or clears an alarm, every client subscribed to one of the two URIs
// gets notifications/resources/updated (resources/subscribe before protocol
// 2026-07-28, a subscriptions/listen filter from it on) and reads the
// resource again.

// Alarm resource URIs.
const (
	AlarmsURI      = "machina://v1/alarms"
	AlarmURIPrefix = "machina://v1/alarms/"
)

// addAlarmResources registers the alarm resources and starts forwarding
// alarm changes; it does nothing without a sensor connector that pushes
// alarm changes, and nothing the second time.
func (s *Server) addAlarmResources() {
	s.mu.Lock()
	if s.stopAlarms != nil {
		s.mu.Unlock()
		return
	}
	ch, stop, ok := s.router.WatchAlarms(256)
	if !ok {
		s.mu.Unlock()
		return
	}
	s.stopAlarms = stop
	s.mu.Unlock()
	read := func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		asset := ""
		if req.Params.URI != AlarmsURI {
			id, err := idFrom(req.Params.URI, AlarmURIPrefix)
			if err != nil {
				return nil, err
			}
			asset = id
		}
		as, err := s.router.Alarms(ctx, asset)
		if err != nil {
			return nil, err
		}
		return jsonContents(req.Params.URI, orEmpty(as))
	}
	s.mcp.AddResource(mcp.NewResource(AlarmsURI, "machina_alarms",
		mcp.WithResourceTitle("Active alarms"),
		mcp.WithResourceDescription("Every active alarm (live, from OPC-UA thresholds). Subscribe to be told when one is raised or cleared."),
		mcp.WithMIMEType(jsonMIME)), read)
	s.mcp.AddResourceTemplate(mcp.NewResourceTemplate(AlarmURIPrefix+"{asset_id}", "machina_asset_alarms",
		mcp.WithTemplateTitle("Active alarms of an asset"),
		mcp.WithTemplateDescription("The active alarms of one asset. Subscribe to be told when one is raised or cleared."),
		mcp.WithTemplateMIMEType(jsonMIME)), read)
	go func() {
		for a := range ch {
			s.subs.notify(s.mcp, AlarmsURI, AlarmURIPrefix+url.PathEscape(a.AssetID))
		}
	}()
}

// subscriptions tracks which session asked for updates of which resource
// URIs (mcp-go acknowledges subscriptions but leaves tracking to the
// server). A resources/subscribe is kept under the session id (the
// transport may serve each request of a session with its own session
// value); a subscriptions/listen stream is its own session for the life of
// the request, kept under that session value, and its notifications carry
// the stream's id.
type subscriptions struct {
	mu sync.Mutex
	m  map[any]*subscriber // session id (string) or listen session
}

type subscriber struct {
	uris     map[string]bool // lower-cased: asset ids are case-insensitive
	listenID any             // set for a listen stream
	session  server.ClientSession
}

func (s *subscriptions) add(sess server.ClientSession, listenID any, uris ...string) {
	if sess == nil {
		return
	}
	var key any = sess.SessionID()
	if listenID != nil {
		key = sess
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[any]*subscriber{}
	}
	sub := s.m[key]
	if sub == nil {
		sub = &subscriber{uris: map[string]bool{}, listenID: listenID, session: sess}
		s.m[key] = sub
	}
	for _, u := range uris {
		sub.uris[strings.ToLower(u)] = true
	}
}

func (s *subscriptions) remove(sess server.ClientSession, uri string) {
	if sess == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub := s.m[sess.SessionID()]; sub != nil {
		delete(sub.uris, strings.ToLower(uri))
	}
}

func (s *subscriptions) drop(key any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
}

// notify sends notifications/resources/updated for each URI to the
// sessions subscribed to it.
func (s *subscriptions) notify(srv *server.MCPServer, uris ...string) {
	type target struct {
		key any
		sub *subscriber
		uri string
	}
	var ts []target
	s.mu.Lock()
	for key, sub := range s.m {
		for _, u := range uris {
			if sub.uris[strings.ToLower(u)] {
				ts = append(ts, target{key, sub, u})
			}
		}
	}
	s.mu.Unlock()
	method := string(mcp.MethodNotificationResourceUpdated)
	for _, t := range ts {
		params := map[string]any{"uri": t.uri}
		// Best effort: a session that does not read loses the update.
		if id, ok := t.key.(string); ok {
			_ = srv.SendNotificationToSpecificClient(id, method, params)
			continue
		}
		params["_meta"] = map[string]any{mcp.MetaKeySubscriptionID: t.sub.listenID}
		_ = srv.SendNotificationToClient(srv.WithContext(context.Background(), t.sub.session), method, params)
	}
}

// hooks wires the subscription tracking into mcp-go.
func (s *subscriptions) hooks(h *server.Hooks) {
	h.AddAfterSubscribe(func(ctx context.Context, _ any, req *mcp.SubscribeRequest, _ *mcp.EmptyResult) {
		s.add(server.ClientSessionFromContext(ctx), nil, req.Params.URI)
	})
	h.AddAfterUnsubscribe(func(ctx context.Context, _ any, req *mcp.UnsubscribeRequest, _ *mcp.EmptyResult) {
		s.remove(server.ClientSessionFromContext(ctx), req.Params.URI)
	})
	h.AddOnUnregisterSession(func(_ context.Context, sess server.ClientSession) { s.drop(sess.SessionID()) })
	h.AddBeforeSubscriptionsListen(func(ctx context.Context, id any, req *mcp.SubscriptionsListenRequest) {
		s.add(server.ClientSessionFromContext(ctx), id, req.Params.Notifications.ResourceSubscriptions...)
	})
	h.AddAfterSubscriptionsListen(func(ctx context.Context, _ any, _ *mcp.SubscriptionsListenRequest, _ *mcp.SubscriptionsListenResult) {
		s.drop(server.ClientSessionFromContext(ctx))
	})
	h.AddOnError(func(ctx context.Context, _ any, method mcp.MCPMethod, _ any, _ error) {
		if method == mcp.MethodSubscriptionsListen {
			s.drop(server.ClientSessionFromContext(ctx))
		}
	})
}

// HasSubscribers reports whether some session is subscribed to updates of
// uri.
func (s *Server) HasSubscribers(uri string) bool {
	s.subs.mu.Lock()
	defer s.subs.mu.Unlock()
	for _, sub := range s.subs.m {
		if sub.uris[strings.ToLower(uri)] {
			return true
		}
	}
	return false
}
