package opcua

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gopcua/opcua/id"
	"github.com/gopcua/opcua/ua"
)

// maxNodesPerRead bounds one Read service call; larger batches are split.
const maxNodesPerRead = 1000

// ReadNodes reads the Value attribute of node ids (e.g. "ns=2;s=P-101.Temperature")
// in one batched Read service call per maxNodesPerRead nodes. Results are
// in the order of ids; a node-level failure is reported in Reading.Quality,
// a session or request failure as the error.
func (c *Client) ReadNodes(ctx context.Context, ids ...string) ([]Reading, error) {
	nodes := make([]*ua.NodeID, len(ids))
	for i, s := range ids {
		n, err := ua.ParseNodeID(s)
		if err != nil {
			return nil, fmt.Errorf("node id %q: %w", s, err)
		}
		nodes[i] = n
	}
	out := make([]Reading, len(ids))
	for i, n := range nodes {
		out[i] = Reading{NodeID: n.String(), Endpoint: c.cfg.Name, Source: "opcua://" + c.cfg.hostPort() + "/" + n.String()}
	}
	return out, c.read(ctx, nodes, out)
}

// readAliases reads aliases in one batch and fills alias metadata.
func (c *Client) readAliases(ctx context.Context, as []*alias) ([]Reading, error) {
	nodes := make([]*ua.NodeID, len(as))
	out := make([]Reading, len(as))
	for i, a := range as {
		nodes[i] = a.nodeID
		out[i] = Reading{Alias: a.cfg.Name, AssetID: a.cfg.AssetID, Parameter: a.cfg.Parameter, Unit: a.cfg.Unit,
			NodeID: a.nodeID.String(), Endpoint: c.cfg.Name, Source: a.source}
	}
	return out, c.read(ctx, nodes, out)
}

func (c *Client) read(ctx context.Context, nodes []*ua.NodeID, out []Reading) error {
	cl, err := c.current()
	if err != nil {
		return err
	}
	rctx, cancel := context.WithTimeout(ctx, ms(c.cfg.RequestTimeoutMS, defaultRequestTimeoutMS))
	defer cancel()
	for start := 0; start < len(nodes); start += maxNodesPerRead {
		end := min(start+maxNodesPerRead, len(nodes))
		req := &ua.ReadRequest{TimestampsToReturn: ua.TimestampsToReturnBoth}
		for _, n := range nodes[start:end] {
			req.NodesToRead = append(req.NodesToRead, &ua.ReadValueID{NodeID: n, AttributeID: ua.AttributeIDValue})
		}
		res, err := cl.Read(rctx, req)
		if err != nil {
			return fmt.Errorf("opcua endpoint %q: read: %w", c.cfg.Name, err)
		}
		if len(res.Results) != end-start {
			return fmt.Errorf("opcua endpoint %q: read: server returned %d results for %d nodes", c.cfg.Name, len(res.Results), end-start)
		}
		now := time.Now().UTC()
		for i, dv := range res.Results {
			fillReading(&out[start+i], dv, now)
		}
	}
	return nil
}

func fillReading(r *Reading, dv *ua.DataValue, now time.Time) {
	r.Timestamp = now
	if dv == nil {
		r.Quality, r.Error = "StatusBad", "no value returned"
		return
	}
	switch {
	case !dv.SourceTimestamp.IsZero():
		r.Timestamp = dv.SourceTimestamp.UTC()
	case !dv.ServerTimestamp.IsZero():
		r.Timestamp = dv.ServerTimestamp.UTC()
	}
	if dv.Status != ua.StatusOK {
		r.Quality, r.Error = statusName(dv.Status), dv.Status.Error()
		return
	}
	if dv.Value == nil {
		r.Quality, r.Error = "StatusBad", "no value returned"
		return
	}
	r.Quality = "good"
	if f, ok := toFloat(dv.Value.Value()); ok {
		r.Value = f
		return
	}
	switch v := dv.Value.Value().(type) {
	case *ua.LocalizedText:
		r.Value = v.Text
	case *ua.NodeID:
		r.Value = v.String()
	case time.Time:
		r.Value = v.UTC()
	default:
		r.Value = v
	}
}

func statusName(s ua.StatusCode) string {
	if d, ok := ua.StatusCodes[s]; ok {
		return "Status" + d.Name
	}
	return fmt.Sprintf("Status0x%08X", uint32(s))
}

// Browse lists the nodes referenced hierarchically from nodeID (default:
// the Objects folder, i=85).
func (c *Client) Browse(ctx context.Context, nodeID string) ([]BrowseEntry, error) {
	if strings.TrimSpace(nodeID) == "" {
		nodeID = "i=85"
	}
	nid, err := ua.ParseNodeID(nodeID)
	if err != nil {
		return nil, fmt.Errorf("node id %q: %w", nodeID, err)
	}
	cl, err := c.current()
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, ms(c.cfg.RequestTimeoutMS, defaultRequestTimeoutMS))
	defer cancel()
	res, err := cl.Browse(rctx, &ua.BrowseRequest{
		View:                          &ua.ViewDescription{ViewID: ua.NewTwoByteNodeID(0)},
		RequestedMaxReferencesPerNode: 0,
		NodesToBrowse: []*ua.BrowseDescription{{
			NodeID:          nid,
			BrowseDirection: ua.BrowseDirectionForward,
			ReferenceTypeID: ua.NewNumericNodeID(0, id.HierarchicalReferences),
			IncludeSubtypes: true,
			NodeClassMask:   uint32(ua.NodeClassAll),
			ResultMask:      uint32(ua.BrowseResultMaskAll),
		}},
	})
	if err != nil {
		return nil, fmt.Errorf("opcua endpoint %q: browse %s: %w", c.cfg.Name, nid, err)
	}
	if len(res.Results) != 1 {
		return nil, fmt.Errorf("opcua endpoint %q: browse %s: no result", c.cfg.Name, nid)
	}
	r := res.Results[0]
	if r.StatusCode != ua.StatusOK {
		return nil, fmt.Errorf("opcua endpoint %q: browse %s: %w", c.cfg.Name, nid, r.StatusCode)
	}
	out := []BrowseEntry{}
	refs := r.References
	cp := r.ContinuationPoint
	for {
		for _, ref := range refs {
			e := BrowseEntry{NodeClass: ref.NodeClass.String()}
			e.NodeClass = strings.TrimPrefix(e.NodeClass, "NodeClass")
			if ref.NodeID != nil && ref.NodeID.NodeID != nil {
				e.NodeID = ref.NodeID.NodeID.String()
			}
			if ref.BrowseName != nil {
				e.BrowseName = ref.BrowseName.Name
			}
			if ref.DisplayName != nil {
				e.DisplayName = ref.DisplayName.Text
			}
			out = append(out, e)
		}
		if len(cp) == 0 {
			return out, nil
		}
		next, err := cl.BrowseNext(rctx, &ua.BrowseNextRequest{ContinuationPoints: [][]byte{cp}})
		if err != nil {
			return out, fmt.Errorf("opcua endpoint %q: browse next: %w", c.cfg.Name, err)
		}
		if len(next.Results) != 1 {
			return out, nil
		}
		refs, cp = next.Results[0].References, next.Results[0].ContinuationPoint
	}
}

// Health reports the endpoint state; with a session up it reads
// ServerStatus.State (i=2259) live.
func (c *Client) Health(ctx context.Context) EndpointHealth {
	c.mu.Lock()
	h := EndpointHealth{
		Name: c.cfg.Name, URL: c.cfg.URL, State: c.state, Since: c.since, Reconnects: c.reconnects,
		SecurityPolicy: strings.TrimPrefix(c.policy, ua.SecurityPolicyURIPrefix), SecurityMode: modeName(c.mode),
		Monitored: len(c.monitored), Status: HealthDegraded,
	}
	if c.lastErr != nil {
		h.LastError = c.lastErr.Error()
	}
	cl := c.conn
	c.mu.Unlock()
	if cl == nil {
		return h
	}
	st, err := c.readServerState(ctx, cl)
	if err != nil {
		h.LastError = err.Error()
		return h
	}
	h.ServerState = strings.TrimPrefix(st.String(), "ServerState")
	if st == ua.ServerStateRunning {
		h.Status = HealthOK
	}
	return h
}
