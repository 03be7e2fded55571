package opcua

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gopcua/opcua"
	"github.com/gopcua/opcua/id"
	"github.com/gopcua/opcua/ua"
	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/host/internal/sensor"
)

// alias is a resolved AliasConfig.
type alias struct {
	cfg    AliasConfig
	nodeID *ua.NodeID
	source string
	// point is the monitored point of an alias with a threshold; it is
	// touched only by the endpoint's session goroutine.
	point *sensor.Point
}

// Client is one supervised OPC-UA session to one endpoint. It reconnects
// with capped exponential backoff, re-creating its subscription and
// monitored items, and re-reads certificate, key and trust files on every
// connect. Use it through Manager; its methods are safe for concurrent use.
type Client struct {
	cfg     EndpointConfig
	policy  string
	mode    ua.MessageSecurityMode
	log     hclog.Logger
	secrets SecretSource
	store   *AlarmStore

	aliases   []*alias
	byName    map[string]*alias
	monitored []*alias

	reload chan struct{}

	mu         sync.Mutex
	conn       *opcua.Client
	state      string
	since      time.Time
	lastErr    error
	reconnects int
	connected  chan struct{} // closed while a session is up
	files      map[string]fileStamp
}

type fileStamp struct {
	mod  time.Time
	size int64
}

// newClient validates cfg and prepares a client; it does not connect.
func newClient(cfg EndpointConfig, log hclog.Logger, secrets SecretSource, store *AlarmStore) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("opcua endpoint %q: %w", cfg.Name, err)
	}
	if cfg.Username != "" && secrets == nil {
		return nil, fmt.Errorf("opcua endpoint %q: username is set but no secret source was provided for password_secret %q", cfg.Name, cfg.PasswordSecret)
	}
	policy, _ := cfg.policyURI()
	mode, _ := cfg.mode()
	c := &Client{
		cfg: cfg, policy: policy, mode: mode,
		log:     log.Named(cfg.Name),
		secrets: secrets, store: store,
		byName:    map[string]*alias{},
		reload:    make(chan struct{}, 1),
		state:     StateConnecting,
		since:     time.Now().UTC(),
		connected: make(chan struct{}),
	}
	for _, ac := range cfg.Aliases {
		nid, err := ua.ParseNodeID(ac.NodeID)
		if err != nil {
			return nil, fmt.Errorf("opcua endpoint %q alias %q: %w", cfg.Name, ac.Name, err)
		}
		a := &alias{cfg: ac, nodeID: nid, source: "opcua://" + cfg.hostPort() + "/" + nid.String()}
		if a.cfg.Parameter == "" {
			a.cfg.Parameter = ac.Name
		}
		if ac.Threshold != nil {
			a.point = sensor.NewPoint(sensor.Point{Source: a.source, AssetID: a.cfg.AssetID, Parameter: a.cfg.Parameter,
				Unit: a.cfg.Unit, Alias: a.cfg.Name, Endpoint: cfg.Name}, *ac.Threshold)
			c.monitored = append(c.monitored, a)
		}
		c.aliases = append(c.aliases, a)
		c.byName[strings.ToLower(ac.Name)] = a
	}
	return c, nil
}

// Name is the configured endpoint name.
func (c *Client) Name() string { return c.cfg.Name }

// Run supervises the session until ctx ends (sensor.Session).
func (c *Client) Run(ctx context.Context) {
	if c.policy == ua.SecurityPolicyURINone {
		sensor.LogInsecure(c.log, "OPC-UA security policy None: traffic to this endpoint is neither signed nor encrypted and the server is not authenticated", c.cfg.URL)
	}
	minB, maxB := ms(c.cfg.ReconnectMinMS, defaultReconnectMinMS), ms(c.cfg.ReconnectMaxMS, defaultReconnectMaxMS)
	backoff := minB
	for {
		up, err := c.session(ctx)
		if ctx.Err() != nil {
			c.setState(StateClosed, nil)
			return
		}
		if up {
			backoff = minB
		}
		reloading := errors.Is(err, errReload)
		c.mu.Lock()
		c.reconnects++
		c.mu.Unlock()
		c.setState(StateReconnecting, err)
		wait := backoff
		if reloading {
			wait = 0
		} else {
			c.log.Warn("OPC-UA session unavailable; reconnecting", "error", err, "retry_in", wait.String())
			// jitter of up to 20 % keeps a fleet of clients from reconnecting in lockstep
			wait += time.Duration(rand.Int64N(int64(wait)/5 + 1))
			backoff = min(backoff*2, maxB)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			c.setState(StateClosed, nil)
			return
		case <-c.reload:
			t.Stop()
		case <-t.C:
		}
	}
}

var errReload = errors.New("certificate reload requested")

func (c *Client) setState(s string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != s {
		c.since = time.Now().UTC()
	}
	c.state = s
	if err != nil {
		c.lastErr = err
	}
	if s == StateConnected {
		c.lastErr = nil
		select {
		case <-c.connected:
		default:
			close(c.connected)
		}
	} else {
		select {
		case <-c.connected:
			c.connected = make(chan struct{})
		default:
		}
	}
}

// WaitConnected blocks until a session is up or ctx ends; on ctx end it
// returns the last connection error, if any.
func (c *Client) WaitConnected(ctx context.Context) error {
	c.mu.Lock()
	ch := c.connected
	c.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		last := c.lastErr
		c.mu.Unlock()
		if last != nil {
			return fmt.Errorf("opcua endpoint %q: %w (last error: %w)", c.cfg.Name, ctx.Err(), last)
		}
		return fmt.Errorf("opcua endpoint %q: %w", c.cfg.Name, ctx.Err())
	}
}

// connect dials the endpoint: loads the certificate, key and trust list
// fresh, checks the server certificate against the trust list, fetches the
// password and opens a session.
func (c *Client) connect(ctx context.Context, stateCh chan opcua.ConnState) (*opcua.Client, error) {
	reqTimeout := ms(c.cfg.RequestTimeoutMS, defaultRequestTimeoutMS)
	dctx, cancel := context.WithTimeout(ctx, reqTimeout)
	defer cancel()

	opts := []opcua.Option{
		opcua.AutoReconnect(false),
		opcua.SecurityPolicy(c.policy),
		opcua.SecurityMode(c.mode),
		opcua.SessionTimeout(ms(c.cfg.SessionTimeoutMS, defaultSessionTimeoutMS)),
		opcua.RequestTimeout(reqTimeout),
		opcua.DialTimeout(reqTimeout),
		opcua.ApplicationName("Machina"),
		opcua.StateChangedCh(stateCh),
	}
	stamps := map[string]fileStamp{}
	var trust *trustList
	var kp *keyPair
	if c.policy != ua.SecurityPolicyURINone {
		var err error
		kp, err = loadKeyPair(c.cfg.CertFile, c.cfg.KeyFile)
		if err != nil {
			return nil, err
		}
		trust, err = loadTrustList(c.cfg.TrustDir, c.cfg.TrustFiles)
		if err != nil {
			return nil, err
		}
		opts = append(opts, opcua.Certificate(kp.certDER), opcua.PrivateKey(kp.key))
		for _, p := range append([]string{c.cfg.CertFile, c.cfg.KeyFile, c.cfg.TrustDir}, c.cfg.TrustFiles...) {
			if p == "" {
				continue
			}
			if fi, err := os.Stat(p); err == nil {
				stamps[p] = fileStamp{mod: fi.ModTime(), size: fi.Size()}
			}
		}
	} else {
		opts = append(opts, opcua.ApplicationURI("urn:machina:opcua:client"))
	}

	eps, err := opcua.GetEndpoints(dctx, c.cfg.URL, opcua.AutoReconnect(false), opcua.DialTimeout(reqTimeout), opcua.RequestTimeout(reqTimeout))
	if err != nil {
		return nil, fmt.Errorf("get endpoints from %s: %w", c.cfg.URL, err)
	}
	var ep *ua.EndpointDescription
	var offered []string
	for _, e := range eps {
		offered = append(offered, strings.TrimPrefix(e.SecurityPolicyURI, ua.SecurityPolicyURIPrefix)+"/"+modeName(e.SecurityMode))
		if e.SecurityPolicyURI == c.policy && e.SecurityMode == c.mode && ep == nil {
			ep = e
		}
	}
	if ep == nil {
		return nil, fmt.Errorf("server %s offers no endpoint with security policy %s and mode %s (it offers: %s)",
			c.cfg.URL, strings.TrimPrefix(c.policy, ua.SecurityPolicyURIPrefix), modeName(c.mode), strings.Join(offered, ", "))
	}
	if trust != nil {
		if err := trust.check(ep.ServerCertificate); err != nil {
			return nil, err
		}
		opts = append(opts, opcua.RemoteCertificate(ep.ServerCertificate))
	}
	if c.cfg.Username != "" {
		pw, err := c.secrets.Secret(dctx, c.cfg.PasswordSecret)
		if err != nil {
			// the error of a secret source may not quote the value, but be safe: only name it
			return nil, fmt.Errorf("password secret %q unavailable: %w", c.cfg.PasswordSecret, sensor.SecretErr(err))
		}
		opts = append(opts, opcua.AuthUsername(c.cfg.Username, pw), opcua.SecurityFromEndpoint(ep, ua.UserTokenTypeUserName))
	} else {
		opts = append(opts, opcua.AuthAnonymous(), opcua.SecurityFromEndpoint(ep, ua.UserTokenTypeAnonymous))
	}
	// SecurityFromEndpoint copies policy and mode from ep, which match ours.
	cl, err := opcua.NewClient(c.cfg.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("configure OPC-UA client: %w", err)
	}
	if err := cl.Connect(dctx); err != nil {
		_ = cl.Close(context.Background())
		where := fmt.Sprintf("connect to %s (%s/%s)", c.cfg.URL, strings.TrimPrefix(c.policy, ua.SecurityPolicyURIPrefix), modeName(c.mode))
		if kp != nil && (errors.Is(err, io.EOF) || errors.Is(err, ua.StatusBadCertificateUntrusted) ||
			errors.Is(err, ua.StatusBadSecurityChecksFailed) || errors.Is(err, ua.StatusBadCertificateInvalid)) {
			// gopcua reports a server's ERR during OpenSecureChannel as EOF
			return nil, fmt.Errorf("%s: %w: the server refused or closed the secure channel; if it keeps a trust list, "+
				"add this client's certificate %s (subject %q, sha256 %s) to its trusted clients", where, err,
				c.cfg.CertFile, kp.cert.Subject.String(), thumbprint(kp.certDER))
		}
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	c.mu.Lock()
	c.files = stamps
	c.mu.Unlock()
	return cl, nil
}

// session runs one connection: connect, subscribe, then process
// notifications until the connection fails, a reload is requested or ctx
// ends. up reports whether a session was established.
func (c *Client) session(ctx context.Context) (up bool, err error) {
	stateCh := make(chan opcua.ConnState, 32)
	cl, err := c.connect(ctx, stateCh)
	if err != nil {
		return false, err
	}
	sctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		c.mu.Lock()
		c.conn = nil
		c.mu.Unlock()
		closeCtx, ccancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = cl.Close(closeCtx)
		ccancel()
	}()

	notify := make(chan *opcua.PublishNotificationData, 256)
	if len(c.monitored) > 0 {
		sub, err := c.subscribe(sctx, cl, notify)
		if err != nil {
			return false, err
		}
		defer func() {
			// best effort: delete it on the server before the session goes
			cctx, ccancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			_ = sub.Cancel(cctx)
			ccancel()
		}()
	}
	c.mu.Lock()
	c.conn = cl
	c.mu.Unlock()
	c.setState(StateConnected, nil)
	c.log.Info("OPC-UA session established", "url", c.cfg.URL, "policy", strings.TrimPrefix(c.policy, ua.SecurityPolicyURIPrefix), "mode", modeName(c.mode), "monitored_items", len(c.monitored))

	watchdog := make(chan error, 1)
	go c.watchdog(sctx, cl, watchdog)
	for {
		select {
		case <-ctx.Done():
			return true, nil
		case <-c.reload:
			return true, errReload
		case err := <-watchdog:
			return true, err
		case s := <-stateCh:
			if s == opcua.Disconnected || s == opcua.Closed {
				return true, fmt.Errorf("connection to %s lost (%s)", c.cfg.URL, s)
			}
		case n := <-notify:
			if n.Error != nil {
				return true, fmt.Errorf("subscription: %w", n.Error)
			}
			c.handleNotification(n.Value)
		}
	}
}

// subscribe creates the subscription and one monitored item per
// threshold alias, each with an explicit sampling interval (see
// EndpointConfig.SamplingIntervalMS), and logs what the server granted.
func (c *Client) subscribe(ctx context.Context, cl *opcua.Client, notify chan *opcua.PublishNotificationData) (*opcua.Subscription, error) {
	interval := ms(c.cfg.PublishingIntervalMS, defaultPublishingIntervalMS)
	// keep-alive about every 10 s, lifetime three keep-alives (Part 4
	// 5.13.2: lifetime ≥ 3 × keep-alive), so a server drops an orphaned
	// subscription of ours after ~30 s
	keepAlive := uint32(max(1, int64(10*time.Second/interval)))
	sub, err := cl.Subscribe(ctx, &opcua.SubscriptionParameters{Interval: interval, MaxKeepAliveCount: keepAlive, LifetimeCount: 3 * keepAlive}, notify)
	if err != nil {
		return nil, fmt.Errorf("create subscription: %w", err)
	}
	reqs := make([]*ua.MonitoredItemCreateRequest, len(c.monitored))
	for i, a := range c.monitored {
		reqs[i] = opcua.NewMonitoredItemCreateRequestWithDefaults(a.nodeID, ua.AttributeIDValue, uint32(i))
		reqs[i].RequestedParameters.SamplingInterval = float64(c.cfg.samplingInterval(a.cfg).Milliseconds())
	}
	res, err := sub.Monitor(ctx, ua.TimestampsToReturnBoth, reqs...)
	if err != nil {
		cctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		_ = sub.Cancel(cctx)
		cancel()
		return nil, fmt.Errorf("create monitored items: %w", err)
	}
	c.logGranted(interval, sub.RevisedPublishingInterval, reqs, res.Results)
	return sub, nil
}

// logGranted logs the publishing and sampling intervals the server granted
// (OPC-UA servers revise what a client asks for) and the resulting bound
// on alarm latency: one sampling plus one publishing interval after a
// crossing. A grant slower than the request is a warning.
func (c *Client) logGranted(asked, granted time.Duration, reqs []*ua.MonitoredItemCreateRequest, results []*ua.MonitoredItemCreateResult) {
	if granted > asked {
		c.log.Warn("server granted a slower publishing interval than requested", "requested_ms", asked.Milliseconds(), "revised_ms", granted.Milliseconds())
	}
	for i, r := range results {
		if i >= len(c.monitored) || i >= len(reqs) {
			break
		}
		a := c.monitored[i]
		if r.StatusCode != ua.StatusOK {
			c.log.Error("monitored item refused by server", "alias", a.cfg.Name, "node_id", a.nodeID.String(), "status", r.StatusCode.Error())
			continue
		}
		want := reqs[i].RequestedParameters.SamplingInterval
		fields := []any{"alias", a.cfg.Name, "node_id", a.nodeID.String(),
			"requested_sampling_ms", want, "revised_sampling_ms", r.RevisedSamplingInterval, "revised_queue_size", r.RevisedQueueSize,
			"revised_publishing_ms", granted.Milliseconds(), "alarm_latency_bound_ms", r.RevisedSamplingInterval + float64(granted.Milliseconds())}
		if r.RevisedSamplingInterval > want {
			c.log.Warn("server samples a monitored item slower than requested; alarms on it may lag by up to the revised sampling plus publishing interval", fields...)
			continue
		}
		c.log.Info("monitored item granted", fields...)
	}
}

// watchdog reads ServerStatus.State every health interval and notices
// changed certificate files.
func (c *Client) watchdog(ctx context.Context, cl *opcua.Client, out chan<- error) {
	t := time.NewTicker(ms(c.cfg.HealthIntervalMS, defaultHealthIntervalMS))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := c.readServerState(ctx, cl); err != nil {
			if ctx.Err() == nil {
				out <- fmt.Errorf("health check: %w", err)
			}
			return
		}
		if c.filesChanged() {
			c.log.Info("certificate, key or trust files changed; reconnecting to reload them")
			out <- errReload
			return
		}
	}
}

func (c *Client) filesChanged() bool {
	c.mu.Lock()
	stamps := c.files
	c.mu.Unlock()
	for p, s := range stamps {
		fi, err := os.Stat(p)
		if err != nil || !fi.ModTime().Equal(s.mod) || fi.Size() != s.size {
			return true
		}
	}
	return false
}

func (c *Client) readServerState(ctx context.Context, cl *opcua.Client) (ua.ServerState, error) {
	rctx, cancel := context.WithTimeout(ctx, ms(c.cfg.RequestTimeoutMS, defaultRequestTimeoutMS))
	defer cancel()
	res, err := cl.Read(rctx, &ua.ReadRequest{NodesToRead: []*ua.ReadValueID{{
		NodeID: ua.NewNumericNodeID(0, id.Server_ServerStatus_State), AttributeID: ua.AttributeIDValue,
	}}})
	if err != nil {
		return 0, err
	}
	if len(res.Results) != 1 || res.Results[0].Status != ua.StatusOK || res.Results[0].Value == nil {
		st := ua.StatusBad
		if len(res.Results) == 1 {
			st = res.Results[0].Status
		}
		return 0, fmt.Errorf("read ServerStatus.State: %w", st)
	}
	switch v := res.Results[0].Value.Value().(type) {
	case int32:
		return ua.ServerState(v), nil
	case uint32:
		return ua.ServerState(v), nil
	case ua.ServerState:
		return v, nil
	}
	return 0, fmt.Errorf("read ServerStatus.State: unexpected type %T", res.Results[0].Value.Value())
}

func (c *Client) handleNotification(v any) {
	dcn, ok := v.(*ua.DataChangeNotification)
	if !ok {
		return
	}
	for _, item := range dcn.MonitoredItems {
		if item == nil || int(item.ClientHandle) >= len(c.monitored) {
			continue
		}
		a := c.monitored[item.ClientHandle]
		dv := item.Value
		if dv == nil || dv.Status != ua.StatusOK || dv.Value == nil {
			continue
		}
		f, ok := toFloat(dv.Value.Value())
		if !ok {
			c.log.Debug("non-numeric value ignored", "alias", a.cfg.Name)
			continue
		}
		at := dv.SourceTimestamp
		if at.IsZero() {
			at = time.Now()
		}
		c.evaluate(a, f, at.UTC())
	}
}

// evaluate runs the threshold state machine of a and records transitions.
func (c *Client) evaluate(a *alias, v float64, at time.Time) {
	a.point.Observe(c.store, c.log, v, at)
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	}
	return 0, false
}

// current returns the live session or ErrNotConnected.
func (c *Client) current() (*opcua.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		if c.lastErr != nil {
			return nil, fmt.Errorf("%w: endpoint %q is %s (last error: %v)", ErrNotConnected, c.cfg.Name, c.state, c.lastErr)
		}
		return nil, fmt.Errorf("%w: endpoint %q is %s", ErrNotConnected, c.cfg.Name, c.state)
	}
	return c.conn, nil
}

// ReloadCertificates re-reads the certificate, key and trust files; when
// they are valid the session is re-established with them at once. Invalid
// files are reported and the current session is left intact.
func (c *Client) ReloadCertificates() error {
	if c.policy != ua.SecurityPolicyURINone {
		if _, err := loadKeyPair(c.cfg.CertFile, c.cfg.KeyFile); err != nil {
			return fmt.Errorf("opcua endpoint %q: reload refused, keeping the current session: %w", c.cfg.Name, err)
		}
		if _, err := loadTrustList(c.cfg.TrustDir, c.cfg.TrustFiles); err != nil {
			return fmt.Errorf("opcua endpoint %q: reload refused, keeping the current session: %w", c.cfg.Name, err)
		}
	}
	select {
	case c.reload <- struct{}{}:
	default:
	}
	return nil
}

func modeName(m ua.MessageSecurityMode) string {
	return strings.TrimPrefix(m.String(), "MessageSecurityMode")
}
