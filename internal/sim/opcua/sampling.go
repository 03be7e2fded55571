package opcua

import (
	"sync"
	"time"

	"github.com/gopcua/opcua/id"
	"github.com/gopcua/opcua/server"
	"github.com/gopcua/opcua/ua"
	"github.com/gopcua/opcua/uasc"
)

// Sampling makes the server sample monitored values as a real server does,
// instead of reporting every SetValue at the next publish (gopcua's
// server ignores the requested sampling interval and grants the publishing
// interval). Each monitored item is granted a sampling interval: the one
// the client requested (at least MinMS), or DefaultMS when the client asked
// for 0 or less ("fastest practical" — a server's own default, which is
// where a client that does not ask explicitly loses time). A value set on
// a monitored node becomes visible at the node's next sampling tick.
type Sampling struct {
	// DefaultMS is granted to items that request 0 or less (default 1000).
	DefaultMS int
	// MinMS is the fastest sampling the server grants.
	MinMS int
}

// MonitoredItem is what the server granted one monitored item.
type MonitoredItem struct {
	NodeID      string
	RequestedMS float64
	RevisedMS   float64
}

// sampler is the sampling state of a server with Options.Sampling.
type sampler struct {
	opts Sampling

	mu      sync.Mutex
	items   []MonitoredItem
	nodes   map[string]nodeClock // by node id string
	pending map[int]float64      // point index → the latest value not yet sampled
}

// nodeClock is the sampling clock of one monitored node.
type nodeClock struct {
	epoch    time.Time
	interval time.Duration
}

func newSampler(o Sampling) *sampler {
	if o.DefaultMS <= 0 {
		o.DefaultMS = 1000
	}
	return &sampler{opts: o, nodes: map[string]nodeClock{}, pending: map[int]float64{}}
}

// revise is the sampling interval granted for a request.
func (p *sampler) revise(requested float64) float64 {
	if requested <= 0 {
		return float64(p.opts.DefaultMS)
	}
	return max(requested, float64(p.opts.MinMS))
}

// handler wraps gopcua's CreateMonitoredItems: it records and grants the
// sampling interval of each item (the fastest item of a node sets the
// node's clock).
func (p *sampler) handler(srv *server.Server) server.Handler {
	return func(sc *uasc.SecureChannel, r ua.Request, reqID uint32) (ua.Response, error) {
		resp, err := srv.MonitoredItemService.CreateMonitoredItems(sc, r, reqID)
		req, ok := r.(*ua.CreateMonitoredItemsRequest)
		res, ok2 := resp.(*ua.CreateMonitoredItemsResponse)
		if err != nil || !ok || !ok2 {
			return resp, err
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		for i, it := range req.ItemsToCreate {
			if i >= len(res.Results) || it.RequestedParameters == nil || it.ItemToMonitor == nil {
				continue
			}
			asked := it.RequestedParameters.SamplingInterval
			granted := p.revise(asked)
			res.Results[i].RevisedSamplingInterval = granted
			node := it.ItemToMonitor.NodeID.String()
			p.items = append(p.items, MonitoredItem{NodeID: node, RequestedMS: asked, RevisedMS: granted})
			d := time.Duration(granted * float64(time.Millisecond))
			if c, ok := p.nodes[node]; !ok || d < c.interval {
				p.nodes[node] = nodeClock{epoch: time.Now(), interval: d}
			}
		}
		return res, nil
	}
}

// delay is how long until node's next sampling tick (0 when no item
// monitors it).
func (p *sampler) delay(node string, now time.Time) time.Duration {
	p.mu.Lock()
	c, ok := p.nodes[node]
	p.mu.Unlock()
	if !ok || c.interval <= 0 {
		return 0
	}
	return c.interval - now.Sub(c.epoch)%c.interval
}

// hold holds v for point i until its sampling tick in d, then applies the
// latest value held for i (a later SetValue in the same period wins).
func (p *sampler) hold(i int, v float64, d time.Duration, apply func(int, float64)) {
	p.mu.Lock()
	_, scheduled := p.pending[i]
	p.pending[i] = v
	p.mu.Unlock()
	if scheduled {
		return
	}
	time.AfterFunc(d, func() {
		p.mu.Lock()
		v := p.pending[i]
		delete(p.pending, i)
		p.mu.Unlock()
		apply(i, v)
	})
}

// register installs the handler before the server starts.
func (p *sampler) register(srv *server.Server) {
	srv.RegisterHandler(id.CreateMonitoredItemsRequest_Encoding_DefaultBinary, p.handler(srv))
}

// MonitoredItems lists what the server granted each monitored item created
// so far (only with Options.Sampling; nil otherwise).
func (s *Server) MonitoredItems() []MonitoredItem {
	if s.sampler == nil {
		return nil
	}
	s.sampler.mu.Lock()
	defer s.sampler.mu.Unlock()
	return append([]MonitoredItem(nil), s.sampler.items...)
}
