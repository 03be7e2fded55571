package mqtt

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/host/internal/sensor"
)

// maxTopicsPerFilter caps the concrete topics one wildcard filter tracks.
const maxTopicsPerFilter = 1000

// subscription is a resolved TopicConfig and the topics it matched.
type subscription struct {
	cfg  TopicConfig
	path []step
	// topics maps each concrete topic received to its state; guarded by
	// Broker.mu.
	topics map[string]*topicState
	capped bool
}

// topicState is the last value of one concrete topic and its alarm state.
type topicState struct {
	value    float64
	have     bool
	at       time.Time
	lastErr  string
	point    *sensor.Point // nil without a threshold
	received int
}

// Broker is one supervised MQTT session to one broker. It reconnects with
// capped exponential backoff, re-subscribing every topic filter, and
// re-reads TLS files and the password at every connect. Use it through
// Manager; its methods are safe for concurrent use.
type Broker struct {
	cfg      BrokerConfig
	log      hclog.Logger
	secrets  sensor.SecretSource
	store    *sensor.AlarmStore
	clientID string
	subs     []*subscription
	byName   map[string]*subscription

	mu         sync.Mutex
	state      string
	since      time.Time
	lastErr    error
	reconnects int
	messages   int
	rejected   int
	connected  chan struct{} // closed while a session is up
}

func newBroker(cfg BrokerConfig, log hclog.Logger, secrets sensor.SecretSource, store *sensor.AlarmStore) (*Broker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("mqtt broker %q: %w", cfg.Name, err)
	}
	if cfg.Username != "" && secrets == nil {
		return nil, fmt.Errorf("mqtt broker %q: username is set but no secret source was provided for password_secret %q", cfg.Name, cfg.PasswordSecret)
	}
	b := &Broker{cfg: cfg, log: log.Named(cfg.Name), secrets: secrets, store: store, clientID: cfg.ClientID,
		byName: map[string]*subscription{}, state: sensor.StateConnecting, since: time.Now().UTC(), connected: make(chan struct{})}
	if b.clientID == "" {
		var r [4]byte
		_, _ = rand.Read(r[:])
		b.clientID = "machina-" + hex.EncodeToString(r[:])
	}
	for _, tc := range cfg.Topics {
		path, _ := parsePath(tc.ValuePath) // validated
		if tc.Parameter == "" {
			tc.Parameter = tc.alias()
		}
		s := &subscription{cfg: tc, path: path, topics: map[string]*topicState{}}
		b.subs = append(b.subs, s)
		b.byName[strings.ToLower(tc.alias())] = s
	}
	return b, nil
}

// Name is the configured broker name.
func (b *Broker) Name() string { return b.cfg.Name }

// Run supervises the session until ctx ends (sensor.Session).
func (b *Broker) Run(ctx context.Context) {
	if _, tlsOn, _ := b.cfg.endpoint(); !tlsOn {
		sensor.LogInsecure(b.log, "MQTT over plain TCP: traffic to this broker is neither encrypted nor is the broker authenticated", b.cfg.URL)
	}
	minB, maxB := ms(b.cfg.ReconnectMinMS, defaultReconnectMinMS), ms(b.cfg.ReconnectMaxMS, defaultReconnectMaxMS)
	backoff := minB
	for {
		up, err := b.session(ctx)
		if ctx.Err() != nil {
			b.setState(sensor.StateClosed, nil)
			return
		}
		if up {
			backoff = minB
		}
		b.mu.Lock()
		b.reconnects++
		b.mu.Unlock()
		b.setState(sensor.StateReconnecting, err)
		// full jitter on the upper half keeps a fleet of clients from
		// reconnecting in step after a broker restart
		wait := backoff/2 + time.Duration(mrand.Int64N(int64(backoff/2)+1))
		b.log.Warn("MQTT session unavailable; reconnecting", "error", err, "retry_in", wait.String())
		select {
		case <-ctx.Done():
			b.setState(sensor.StateClosed, nil)
			return
		case <-time.After(wait):
		}
		backoff = min(backoff*2, maxB)
	}
}

// session runs one connection: connect, subscribe every filter, then serve
// messages until the connection is lost or ctx ends. up reports whether
// the session was established.
func (b *Broker) session(ctx context.Context) (up bool, err error) {
	opts, err := b.options(ctx)
	if err != nil {
		return false, err
	}
	lost := make(chan error, 1)
	opts.SetConnectionLostHandler(func(_ paho.Client, err error) {
		select {
		case lost <- err:
		default:
		}
	})
	cl := paho.NewClient(opts)
	timeout := ms(b.cfg.ConnectTimeoutMS, defaultConnectTimeoutMS)
	if err := wait(ctx, cl.Connect(), timeout); err != nil {
		return false, fmt.Errorf("connect: %w", err)
	}
	defer cl.Disconnect(250)
	for _, s := range b.subs {
		if err := wait(ctx, cl.Subscribe(s.cfg.Topic, s.cfg.qos(), b.handler(s)), timeout); err != nil {
			return false, fmt.Errorf("subscribe %q: %w", s.cfg.Topic, err)
		}
	}
	b.setState(sensor.StateConnected, nil)
	b.log.Info("MQTT session up", "url", b.cfg.URL, "subscriptions", len(b.subs))
	select {
	case <-ctx.Done():
		return true, ctx.Err()
	case err := <-lost:
		if err == nil {
			err = errors.New("connection lost")
		}
		return true, err
	}
}

// wait waits for a paho token, ctx or the timeout; a refused subscription
// (granted QoS 0x80) is an error.
func wait(ctx context.Context, t paho.Token, timeout time.Duration) error {
	tm := time.NewTimer(timeout)
	defer tm.Stop()
	select {
	case <-t.Done():
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return fmt.Errorf("no answer within %s", timeout)
	}
	if err := t.Error(); err != nil {
		return err
	}
	if st, ok := t.(*paho.SubscribeToken); ok {
		for topic, q := range st.Result() {
			if q == 0x80 {
				return fmt.Errorf("the broker refused the subscription to %q", topic)
			}
		}
	}
	return nil
}

// options builds the paho options of one connect: TLS files and the
// password are read now, so rotated files and secrets are picked up.
func (b *Broker) options(ctx context.Context) (*paho.ClientOptions, error) {
	o := paho.NewClientOptions().
		AddBroker(b.cfg.dialURL()).
		SetClientID(b.clientID).
		SetCleanSession(true).
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetOrderMatters(true).
		SetProtocolVersion(4).
		SetKeepAlive(time.Duration(max(b.cfg.KeepAliveS, 0)) * time.Second).
		SetConnectTimeout(ms(b.cfg.ConnectTimeoutMS, defaultConnectTimeoutMS))
	if b.cfg.KeepAliveS == 0 {
		o.SetKeepAlive(defaultKeepAliveS * time.Second)
	}
	if _, tlsOn, _ := b.cfg.endpoint(); tlsOn {
		tc, err := b.tlsConfig()
		if err != nil {
			return nil, err
		}
		o.SetTLSConfig(tc)
	}
	if b.cfg.Username != "" {
		pw, err := b.secrets.Secret(ctx, b.cfg.PasswordSecret)
		if err != nil {
			return nil, fmt.Errorf("password secret %q unavailable: %w", b.cfg.PasswordSecret, sensor.SecretErr(err))
		}
		o.SetUsername(b.cfg.Username).SetPassword(pw)
	}
	return o, nil
}

func (b *Broker) tlsConfig() (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: b.cfg.ServerName}
	if tc.ServerName == "" {
		u, _, _ := b.cfg.endpoint()
		tc.ServerName = u.Hostname()
	}
	if b.cfg.CAFile != "" {
		pem, err := os.ReadFile(b.cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errors.New("ca_file: no PEM certificate found")
		}
		tc.RootCAs = pool
	}
	if b.cfg.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(b.cfg.CertFile, b.cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// handler records the messages of one subscription. paho calls it in
// order from one goroutine (OrderMatters); the state is guarded by b.mu
// for the readers.
func (b *Broker) handler(s *subscription) paho.MessageHandler {
	return func(_ paho.Client, m paho.Message) {
		b.observe(s, m.Topic(), m.Payload(), time.Now().UTC())
	}
}

// observe decodes one message of s and feeds it to the topic's threshold.
func (b *Broker) observe(s *subscription, topic string, payload []byte, at time.Time) {
	v, derr := decodeValue(payload, s.path)
	b.mu.Lock()
	b.messages++
	ts, ok := s.topics[topic]
	if !ok {
		if len(s.topics) >= maxTopicsPerFilter {
			if !s.capped {
				s.capped = true
				b.log.Warn("topic filter matches too many topics; ignoring new ones", "filter", s.cfg.Topic, "max", maxTopicsPerFilter)
			}
			b.mu.Unlock()
			return
		}
		ts = &topicState{}
		if s.cfg.Threshold != nil {
			ts.point = sensor.NewPoint(sensor.Point{Source: b.source(topic), AssetID: s.cfg.AssetID, Parameter: s.cfg.Parameter,
				Unit: s.cfg.Unit, Alias: s.cfg.alias(), Endpoint: b.cfg.Name}, *s.cfg.Threshold)
		}
		s.topics[topic] = ts
	}
	ts.received++
	if derr != nil {
		b.rejected++
		ts.lastErr = derr.Error()
		b.mu.Unlock()
		b.log.Debug("message ignored", "topic", topic, "error", derr)
		return
	}
	ts.value, ts.have, ts.at, ts.lastErr = v, true, at, ""
	point := ts.point
	b.mu.Unlock()
	if point != nil {
		// Observe is not concurrent-safe per point; paho delivers in order
		// from one goroutine, and sessions never overlap.
		point.Observe(b.store, b.log, v, at)
	}
}

func (b *Broker) source(topic string) string { return "mqtt://" + b.cfg.hostPort() + "/" + topic }

func (b *Broker) setState(state string, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if state != b.state {
		b.since = time.Now().UTC()
	}
	wasUp := b.state == sensor.StateConnected
	b.state = state
	if err != nil {
		b.lastErr = err
	}
	switch {
	case state == sensor.StateConnected && !wasUp:
		close(b.connected)
	case state != sensor.StateConnected && wasUp:
		b.connected = make(chan struct{})
	}
}

// WaitConnected blocks until a session is up or ctx ends.
func (b *Broker) WaitConnected(ctx context.Context) error {
	b.mu.Lock()
	ch := b.connected
	b.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("mqtt broker %q: %w", b.cfg.Name, ctx.Err())
	}
}

// readings returns the readings of the subscriptions of assetID, in
// configuration order, each subscription's topics sorted.
func (b *Broker) readings(assetID string, now time.Time) []sensor.Reading {
	var out []sensor.Reading
	for _, s := range b.subs {
		if strings.EqualFold(s.cfg.AssetID, assetID) {
			out = append(out, b.subReadings(s, now)...)
		}
	}
	return out
}

// subReadings describes one subscription: a reading per concrete topic
// received, or one "no_data" reading.
func (b *Broker) subReadings(s *subscription, now time.Time) []sensor.Reading {
	b.mu.Lock()
	defer b.mu.Unlock()
	stale := ms(b.cfg.StaleAfterMS, 0)
	base := sensor.Reading{Alias: s.cfg.alias(), AssetID: s.cfg.AssetID, Parameter: s.cfg.Parameter, Unit: s.cfg.Unit, Broker: b.cfg.Name}
	if len(s.topics) == 0 {
		r := base
		r.Topic, r.Source, r.Quality, r.Timestamp = s.cfg.Topic, b.source(s.cfg.Topic), sensor.QualityNoData, now
		r.Error = "no message received on this topic yet"
		return []sensor.Reading{r}
	}
	topics := make([]string, 0, len(s.topics))
	for t := range s.topics {
		topics = append(topics, t)
	}
	sort.Strings(topics)
	out := make([]sensor.Reading, 0, len(topics))
	for _, t := range topics {
		out = append(out, b.reading(base, t, s.topics[t], now, stale))
	}
	return out
}

// reading describes one topic's state; b.mu is held.
func (b *Broker) reading(r sensor.Reading, topic string, ts *topicState, now time.Time, stale time.Duration) sensor.Reading {
	r.Topic, r.Source, r.Timestamp = topic, b.source(topic), ts.at
	switch {
	case !ts.have:
		r.Quality, r.Timestamp, r.Error = sensor.QualityNoData, now, "no numeric value received: "+ts.lastErr
	case b.state != sensor.StateConnected:
		r.Quality, r.Error = sensor.QualityUnavailable, "broker "+b.cfg.Name+" is not connected; the last value is from "+ts.at.Format(time.RFC3339)
	case stale > 0 && now.Sub(ts.at) > stale:
		r.Quality, r.Error = QualityStale, fmt.Sprintf("no message for %s (stale_after_ms %d)", now.Sub(ts.at).Round(time.Millisecond), b.cfg.StaleAfterMS)
	default:
		r.Quality, r.Value = sensor.QualityGood, ts.value
	}
	return r
}

// knows reports whether a subscription of the broker is for assetID.
func (b *Broker) knows(assetID string) bool {
	for _, s := range b.subs {
		if strings.EqualFold(s.cfg.AssetID, assetID) {
			return true
		}
	}
	return false
}

// Health reports the session.
func (b *Broker) Health() BrokerHealth {
	b.mu.Lock()
	defer b.mu.Unlock()
	h := BrokerHealth{Name: b.cfg.Name, URL: b.cfg.URL, State: b.state, Since: b.since, Reconnects: b.reconnects,
		Subscriptions: len(b.subs), Messages: b.messages, Rejected: b.rejected, Status: sensor.HealthDegraded}
	if b.state == sensor.StateConnected {
		h.Status = sensor.HealthOK
	}
	if b.lastErr != nil {
		h.LastError = b.lastErr.Error()
	}
	return h
}
