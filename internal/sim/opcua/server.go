package opcua

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/machina-go/machina/internal/opcuacert"

	"github.com/gopcua/opcua/id"
	"github.com/gopcua/opcua/server"
	"github.com/gopcua/opcua/server/attrs"
	"github.com/gopcua/opcua/ua"
	"github.com/hashicorp/go-hclog"
)

// Security is one secure endpoint the simulator offers.
type Security struct {
	// Policy: Basic256Sha256, Aes128_Sha256_RsaOaep or Aes256_Sha256_RsaPss.
	Policy string
	// Mode: Sign or SignAndEncrypt.
	Mode string
}

// Options configure the simulator.
type Options struct {
	// Addr is host:port to listen on (default 127.0.0.1:4840). Port 0 picks
	// a free port once; Restart reuses it.
	Addr string
	// Security lists secure endpoints in addition to the None endpoint.
	Security []Security
	// DisableNone removes the unsecured endpoint (None/None).
	DisableNone bool
	// CertFile and KeyFile are the server certificate and RSA key; when empty
	// and Security is set, a certificate is generated in memory (see
	// CertificatePEM).
	CertFile, KeyFile string
	// Hosts are the SANs of a generated certificate (default: Addr's host
	// and localhost).
	Hosts []string
	// TrustedClients, when not nil, is the server's trust list of client
	// certificates (PEM or DER each): a client opening a secure channel
	// with any other certificate is refused with Bad_CertificateUntrusted.
	// When nil, any client certificate is accepted (gopcua's behaviour).
	TrustedClients [][]byte
	// Users enables user name authentication with these user → password
	// pairs (see Users in the package documentation of limits).
	Users map[string]string
	// ExtraTags adds that many constant Double variables
	// "ns=2;s=Tag.000"… under the folder "ns=2;s=Tags" (for load tests and
	// benchmarks); their value is their index.
	ExtraTags int
	// Seed makes the simulation deterministic (default 1).
	Seed uint64
	// Tick is the simulation period (default 1s); negative disables the
	// simulation loop so values change only through SetValue.
	Tick time.Duration
	// Logger receives the simulator's and gopcua's logs.
	Logger hclog.Logger
	// Sampling, when set, makes the server sample monitored values at the
	// interval it grants each monitored item (see Sampling).
	Sampling *Sampling
}

// Server is a running demo plant OPC-UA server.
type Server struct {
	opts    Options
	log     hclog.Logger
	host    string
	port    int
	certDER []byte
	key     *rsa.PrivateKey
	points  []Point
	index   map[string]int
	trusted map[[32]byte]bool // client certificate trust list; nil = trust all
	sampler *sampler          // nil: every SetValue is reported at the next publish

	mu       sync.Mutex
	values   []float64
	stamps   []time.Time
	srv      *server.Server
	proxy    *proxy
	stopSrv  context.CancelFunc
	closed   bool
	done     chan struct{}
	simStop  context.CancelFunc
	simDone  chan struct{}
	stopOnce sync.Once
}

// Start starts the simulator; it stops when ctx ends or Close is called.
func Start(ctx context.Context, o Options) (*Server, error) {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:4840"
	}
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Tick == 0 {
		o.Tick = time.Second
	}
	host, portS, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return nil, fmt.Errorf("sim opcua: listen address %q: %w", o.Addr, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	port, err := strconv.Atoi(portS)
	if err != nil || port < 0 || port > 65535 {
		return nil, fmt.Errorf("sim opcua: listen address %q: bad port", o.Addr)
	}
	if port == 0 {
		if port, err = freePort(host); err != nil {
			return nil, fmt.Errorf("sim opcua: pick a free port on %s: %w", host, err)
		}
	}
	s := &Server{opts: o, log: o.Logger.Named("sim-opcua"), host: host, port: port, index: map[string]int{}, done: make(chan struct{})}
	if o.Sampling != nil {
		s.sampler = newSampler(*o.Sampling)
	}
	if o.ExtraTags < 0 || o.ExtraTags > 100000 {
		return nil, errors.New("sim opcua: ExtraTags must be between 0 and 100000")
	}
	s.addPoints(o.ExtraTags)
	for _, sec := range o.Security {
		if _, err := policyURI(sec.Policy); err != nil {
			return nil, err
		}
		if _, err := mode(sec.Mode); err != nil {
			return nil, err
		}
	}
	if o.DisableNone && len(o.Security) == 0 {
		return nil, errors.New("sim opcua: DisableNone needs at least one Security endpoint")
	}
	if len(o.Users) > 0 && len(o.Security) == 0 {
		return nil, errors.New("sim opcua: Users need a secure endpoint (passwords are encrypted with the server certificate)")
	}
	if err := s.loadOrGenerateCert(); err != nil {
		return nil, err
	}
	if o.TrustedClients != nil {
		s.trusted = map[[32]byte]bool{}
		for i, c := range o.TrustedClients {
			der := c
			if b, _ := pem.Decode(c); b != nil {
				der = b.Bytes
			}
			if _, err := x509.ParseCertificate(der); err != nil {
				return nil, fmt.Errorf("sim opcua: trusted client certificate %d: %w", i, err)
			}
			s.trusted[sha256.Sum256(der)] = true
		}
	}
	s.mu.Lock()
	err = s.startLocked()
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if o.Tick > 0 {
		sctx, cancel := context.WithCancel(context.Background())
		s.simStop, s.simDone = cancel, make(chan struct{})
		go s.simulate(sctx)
	}
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.done:
		}
	}()
	return s, nil
}

// addPoints registers the plant's points and extra constant tags.
func (s *Server) addPoints(extraTags int) {
	add := func(p Point) {
		s.index[p.NodeID] = len(s.points)
		s.index[p.Name] = len(s.points)
		s.points = append(s.points, p)
		s.values = append(s.values, p.Nominal)
		s.stamps = append(s.stamps, time.Now().UTC())
	}
	for _, a := range PlantAssets() {
		for _, p := range a.Points {
			add(p)
		}
	}
	for i := range extraTags {
		name := fmt.Sprintf("Tag.%03d", i)
		add(Point{NodeID: "ns=2;s=" + name, Name: name, AssetID: "TAGS", Parameter: name, Nominal: float64(i)})
	}
}

func freePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) loadOrGenerateCert() error {
	switch {
	case s.opts.CertFile != "" || s.opts.KeyFile != "":
		if s.opts.CertFile == "" || s.opts.KeyFile == "" {
			return errors.New("sim opcua: CertFile and KeyFile go together")
		}
		cb, err := os.ReadFile(s.opts.CertFile)
		if err != nil {
			return fmt.Errorf("sim opcua: %w", err)
		}
		kb, err := os.ReadFile(s.opts.KeyFile)
		if err != nil {
			return fmt.Errorf("sim opcua: %w", err)
		}
		return s.setKeyPair(cb, kb)
	case len(s.opts.Security) > 0:
		hosts := s.opts.Hosts
		if len(hosts) == 0 {
			hosts = []string{s.host, "localhost"}
		}
		cb, kb, err := opcuacert.GenerateCertificate(opcuacert.CertOptions{
			Hosts: hosts, CommonName: "Machina demo plant", Server: true,
			ApplicationURI: "urn:machina:sim:opcua:" + hosts[0],
		})
		if err != nil {
			return fmt.Errorf("sim opcua: %w", err)
		}
		return s.setKeyPair(cb, kb)
	}
	return nil
}

func (s *Server) setKeyPair(certPEM, keyPEM []byte) error {
	der := certPEM
	if b, _ := pem.Decode(certPEM); b != nil {
		der = b.Bytes
	}
	if _, err := x509.ParseCertificate(der); err != nil {
		return fmt.Errorf("sim opcua: server certificate: %w", err)
	}
	kder := keyPEM
	if b, _ := pem.Decode(keyPEM); b != nil {
		kder = b.Bytes
	}
	key, err := x509.ParsePKCS1PrivateKey(kder)
	if err != nil {
		k8, err8 := x509.ParsePKCS8PrivateKey(kder)
		rk, ok := k8.(*rsa.PrivateKey)
		if err8 != nil || !ok {
			return errors.New("sim opcua: server key is not an RSA private key")
		}
		key = rk
	}
	s.certDER, s.key = der, key
	return nil
}

// startLocked builds a fresh gopcua server with the plant address space and
// starts listening. s.mu must be held.
func (s *Server) startLocked() error {
	inner, err := freePort("127.0.0.1")
	if err != nil {
		return fmt.Errorf("sim opcua: pick an internal port: %w", err)
	}
	opts := []server.Option{
		// gopcua listens on its first endpoint: an internal loopback port
		// behind the proxy; the public address is advertised too so
		// CreateSession finds the endpoint the client dialled.
		server.EndPoint("127.0.0.1", inner),
		server.EndPoint(s.host, s.port),
		server.ServerName("Machina demo plant"),
		server.ManufacturerName("Machina"),
		server.ProductName("Machina OPC-UA plant simulator"),
		server.SoftwareVersion("1"),
		server.SetLogger(gopcuaLogger{s.log}),
		server.EnableAuthMode(ua.UserTokenTypeAnonymous),
	}
	if !s.opts.DisableNone {
		opts = append(opts, server.EnableSecurity("None", ua.MessageSecurityModeNone))
	}
	for _, sec := range s.opts.Security {
		p, _ := policyURI(sec.Policy)
		m, _ := mode(sec.Mode)
		opts = append(opts, server.EnableSecurity(p, m))
	}
	if len(s.opts.Users) > 0 {
		opts = append(opts, server.EnableAuthMode(ua.UserTokenTypeUserName))
	}
	if s.key != nil {
		opts = append(opts, server.PrivateKey(s.key), server.Certificate(s.certDER))
	}
	srv := server.New(opts...)
	if len(s.opts.Users) > 0 {
		// must be registered before Start to take the place of the default
		srv.RegisterHandler(id.ActivateSessionRequest_Encoding_DefaultBinary, s.activateSession(srv))
	}
	if s.sampler != nil {
		s.sampler.register(srv)
	}
	server.NewNodeNameSpace(srv, "urn:machina:sim:opcua") // ns=1
	plant := server.NewNodeNameSpace(srv, "urn:machina:sim:plant")
	if plant.ID() != 2 {
		return fmt.Errorf("sim opcua: plant namespace got index %d, want 2", plant.ID())
	}
	ns0, _ := srv.Namespace(0)
	objects := ns0.Objects()
	plantFolder := objectNode(ua.NewStringNodeID(2, "Plant"), "Plant")
	plant.AddNode(plantFolder)
	objects.AddRef(plantFolder, id.Organizes, true)
	for _, a := range PlantAssets() {
		folder := objectNode(ua.NewStringNodeID(2, a.ID), a.ID)
		folder.SetDescription(a.Name, "en")
		plant.AddNode(folder)
		plantFolder.AddRef(folder, id.Organizes, true)
		for _, p := range a.Points {
			folder.AddRef(s.variable(plant, p), id.HasComponent, true)
		}
	}
	if s.opts.ExtraTags > 0 {
		tags := objectNode(ua.NewStringNodeID(2, "Tags"), "Tags")
		plant.AddNode(tags)
		plantFolder.AddRef(tags, id.Organizes, true)
		for _, p := range s.points {
			if p.AssetID == "TAGS" {
				tags.AddRef(s.variable(plant, p), id.HasComponent, true)
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := srv.Start(ctx); err != nil {
		cancel()
		return fmt.Errorf("sim opcua: start internal server: %w", err)
	}
	var check func(string, []byte) error
	if s.trusted != nil {
		check = s.checkClient
	}
	px, err := startProxy(net.JoinHostPort(s.host, strconv.Itoa(s.port)), net.JoinHostPort("127.0.0.1", strconv.Itoa(inner)), check)
	if err != nil {
		_ = srv.Close()
		cancel()
		return fmt.Errorf("sim opcua: listen on %s: %w", net.JoinHostPort(s.host, strconv.Itoa(s.port)), err)
	}
	s.srv, s.proxy, s.stopSrv = srv, px, cancel
	s.log.Info("OPC-UA plant simulator listening", "url", s.urlLocked(), "secure_endpoints", len(s.opts.Security), "none_endpoint", !s.opts.DisableNone)
	return nil
}

// variable creates the Double variable node of p in ns.
func (s *Server) variable(ns *server.NodeNameSpace, p Point) *server.Node {
	i := s.index[p.NodeID]
	n := server.NewNode(
		ua.NewStringNodeID(2, p.Name),
		map[ua.AttributeID]*ua.DataValue{
			ua.AttributeIDNodeClass:       server.DataValueFromValue(uint32(ua.NodeClassVariable)),
			ua.AttributeIDBrowseName:      server.DataValueFromValue(attrs.BrowseName(p.Parameter)),
			ua.AttributeIDDisplayName:     server.DataValueFromValue(attrs.DisplayName(p.Name, "en")),
			ua.AttributeIDDescription:     server.DataValueFromValue(&ua.LocalizedText{EncodingMask: ua.LocalizedTextText, Text: p.Parameter + " [" + p.Unit + "]"}),
			ua.AttributeIDDataType:        server.DataValueFromValue(ua.NewNumericExpandedNodeID(0, id.Double)),
			ua.AttributeIDAccessLevel:     server.DataValueFromValue(byte(ua.AccessLevelTypeCurrentRead)),
			ua.AttributeIDUserAccessLevel: server.DataValueFromValue(byte(ua.AccessLevelTypeCurrentRead)),
		},
		nil,
		func() *ua.DataValue { return s.dataValue(i) },
	)
	ns.AddNode(n)
	return n
}

func objectNode(nid *ua.NodeID, name string) *server.Node {
	return server.NewNode(nid, map[ua.AttributeID]*ua.DataValue{
		ua.AttributeIDNodeClass:   server.DataValueFromValue(uint32(ua.NodeClassObject)),
		ua.AttributeIDBrowseName:  server.DataValueFromValue(attrs.BrowseName(name)),
		ua.AttributeIDDisplayName: server.DataValueFromValue(attrs.DisplayName(name, "en")),
		ua.AttributeIDDataType:    server.DataValueFromValue(ua.NewNumericExpandedNodeID(0, id.FolderType)),
	}, nil, nil)
}

func (s *Server) dataValue(i int) *ua.DataValue {
	s.mu.Lock()
	v, at := s.values[i], s.stamps[i]
	s.mu.Unlock()
	return &ua.DataValue{
		EncodingMask:    ua.DataValueValue | ua.DataValueSourceTimestamp | ua.DataValueServerTimestamp,
		Value:           ua.MustVariant(v),
		SourceTimestamp: at,
		ServerTimestamp: time.Now().UTC(),
	}
}

// checkClient enforces TrustedClients on a secure channel's certificate.
func (s *Server) checkClient(policyURI string, sender []byte) error {
	if policyURI == ua.SecurityPolicyURINone {
		return nil
	}
	certs, err := x509.ParseCertificates(sender) // may be a chain; the first is the client's
	if err != nil || len(certs) == 0 {
		return errors.New("client certificate missing or unparsable")
	}
	if !s.trusted[sha256.Sum256(certs[0].Raw)] {
		s.log.Warn("refused untrusted client certificate", "subject", certs[0].Subject.String())
		return fmt.Errorf("client certificate %q is not trusted by this server", certs[0].Subject.String())
	}
	return nil
}

// URL is opc.tcp://host:port.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.urlLocked()
}

func (s *Server) urlLocked() string {
	return "opc.tcp://" + net.JoinHostPort(s.host, strconv.Itoa(s.port))
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.host, strconv.Itoa(s.port)) }

// CertificatePEM is the server certificate (nil without security), for a
// client's trust directory.
func (s *Server) CertificatePEM() []byte {
	if s.certDER == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.certDER})
}

// Points lists the simulated measurements.
func (s *Server) Points() []Point { return append([]Point(nil), s.points...) }

// SetValue sets a point by node id ("ns=2;s=P-101.Temperature") or name
// ("P-101.Temperature") and notifies subscribed clients. With
// Options.Sampling the value becomes visible at the node's next sampling
// tick.
func (s *Server) SetValue(nodeID string, v float64) error {
	i, ok := s.index[strings.TrimSpace(nodeID)]
	if !ok {
		return fmt.Errorf("sim opcua: unknown node %q", nodeID)
	}
	if s.sampler != nil {
		if d := s.sampler.delay(ua.NewStringNodeID(2, s.points[i].Name).String(), time.Now()); d > 0 {
			s.sampler.hold(i, v, d, func(i int, v float64) { s.set(map[int]float64{i: v}) })
			return nil
		}
	}
	s.set(map[int]float64{i: v})
	return nil
}

func (s *Server) set(vals map[int]float64) {
	now := time.Now().UTC()
	s.mu.Lock()
	for i, v := range vals {
		s.values[i], s.stamps[i] = v, now
	}
	srv := s.srv
	s.mu.Unlock()
	if srv == nil {
		return
	}
	for i := range vals {
		srv.ChangeNotification(ua.NewStringNodeID(2, s.points[i].Name))
	}
}

// Value returns the current value of a point.
func (s *Server) Value(nodeID string) (float64, bool) {
	i, ok := s.index[strings.TrimSpace(nodeID)]
	if !ok {
		return 0, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.values[i], true
}

// Stop closes the listener and every connection but keeps the values, so
// Restart can bring the same server back on the same address.
func (s *Server) Stop() error {
	s.mu.Lock()
	srv, px, cancel := s.srv, s.proxy, s.stopSrv
	s.srv, s.proxy, s.stopSrv = nil, nil, nil
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	px.Close() // drops client connections at once
	cancel()
	err := srv.Close()
	s.log.Info("OPC-UA plant simulator stopped", "addr", s.Addr())
	return err
}

// Restart starts a stopped server again on the same address with the same
// certificate and current values.
func (s *Server) Restart(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("sim opcua: server is closed")
	}
	if s.srv != nil {
		return errors.New("sim opcua: server is running")
	}
	var err error
	for {
		if err = s.startLocked(); err == nil {
			return nil
		}
		// the old listener's port can take a moment to become free again
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			s.mu.Lock()
			return fmt.Errorf("%w (last error: %w)", ctx.Err(), err)
		case <-time.After(20 * time.Millisecond):
		}
		s.mu.Lock()
		if s.closed || s.srv != nil {
			return errors.New("sim opcua: server closed or started concurrently")
		}
	}
}

// Close stops the server and the simulation for good.
func (s *Server) Close() error {
	var err error
	s.stopOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		stop, done := s.simStop, s.simDone
		s.mu.Unlock()
		if stop != nil {
			stop()
			<-done
		}
		err = s.Stop()
		close(s.done)
	})
	return err
}

// simulate advances all points every tick.
func (s *Server) simulate(ctx context.Context) {
	defer close(s.simDone)
	sim := newSimulator(s.opts.Seed, s.points)
	t := time.NewTicker(s.opts.Tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		cur := append([]float64(nil), s.values...)
		s.mu.Unlock()
		next := sim.step(cur)
		vals := make(map[int]float64, len(next))
		for i, v := range next {
			if v != cur[i] {
				vals[i] = v
			}
		}
		s.set(vals)
	}
}

func policyURI(p string) (string, error) {
	switch strings.ToLower(strings.TrimPrefix(p, ua.SecurityPolicyURIPrefix)) {
	case "basic256sha256":
		return ua.SecurityPolicyURIBasic256Sha256, nil
	case "aes128_sha256_rsaoaep":
		return ua.SecurityPolicyURIAes128Sha256RsaOaep, nil
	case "aes256_sha256_rsapss":
		return ua.SecurityPolicyURIAes256Sha256RsaPss, nil
	}
	return "", fmt.Errorf("sim opcua: security policy %q: want Basic256Sha256, Aes128_Sha256_RsaOaep or Aes256_Sha256_RsaPss", p)
}

func mode(m string) (ua.MessageSecurityMode, error) {
	switch strings.ToLower(m) {
	case "sign":
		return ua.MessageSecurityModeSign, nil
	case "signandencrypt", "":
		return ua.MessageSecurityModeSignAndEncrypt, nil
	}
	return ua.MessageSecurityModeInvalid, fmt.Errorf("sim opcua: security mode %q: want Sign or SignAndEncrypt", m)
}

// gopcuaLogger adapts hclog to gopcua's printf-style server.Logger.
type gopcuaLogger struct{ l hclog.Logger }

func (g gopcuaLogger) Debug(msg string, args ...any) { g.l.Debug(fmt.Sprintf(msg, args...)) }
func (g gopcuaLogger) Info(msg string, args ...any)  { g.l.Debug(fmt.Sprintf(msg, args...)) }
func (g gopcuaLogger) Warn(msg string, args ...any)  { g.l.Debug(fmt.Sprintf(msg, args...)) }
func (g gopcuaLogger) Error(msg string, args ...any) { g.l.Debug(fmt.Sprintf(msg, args...)) }

// ParseSecurity parses a "POLICY[:MODE]" endpoint description (mode Sign or
// SignAndEncrypt, default SignAndEncrypt), as "machina sim opcua --security"
// takes it.
func ParseSecurity(v string) (Security, error) {
	p, m, _ := strings.Cut(v, ":")
	if _, err := policyURI(p); err != nil {
		return Security{}, err
	}
	if _, err := mode(m); err != nil {
		return Security{}, err
	}
	return Security{Policy: p, Mode: m}, nil
}
