package router

import (
	"context"
	"errors"
	"strings"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/registry"
	"github.com/machina-go/machina/host/internal/sandbox"
	"github.com/machina-go/machina/host/internal/sensor"
	"github.com/machina-go/machina/host/internal/trace"
)

// ListAssets lists the assets of the primary CMMS.
func (r *Router) ListAssets(ctx context.Context) ([]abi.Asset, error) {
	c, err := r.resolve(abi.CapReadAssets, errNoCMMS())
	if err != nil {
		return nil, err
	}
	var resp abi.ListAssetsResponse
	if err := r.call(ctx, c, abi.OpListAssets, "", abi.ListAssetsRequest{}, &resp); err != nil {
		return nil, r.public(c, abi.OpListAssets, err, "")
	}
	return resp.Assets, nil
}

// GetAsset returns one asset; a missing one is not_found "Asset 'X' not
// found".
func (r *Router) GetAsset(ctx context.Context, assetID string) (abi.Asset, error) {
	assetID, c, err := r.resolveID(abi.CapReadAssets, errNoCMMS(), "asset_id", assetID)
	if err != nil {
		return abi.Asset{}, err
	}
	return oneByAsset(assetID, func(id string) (abi.Asset, error) {
		var resp abi.GetAssetResponse
		if err := r.call(ctx, c, abi.OpGetAsset, id, abi.GetAssetRequest{AssetID: id}, &resp); err != nil {
			return abi.Asset{}, r.public(c, abi.OpGetAsset, err, "Asset '"+id+"' not found")
		}
		return resp.Asset, nil
	})
}

// ListWorkOrders lists work orders; empty arguments do not filter.
func (r *Router) ListWorkOrders(ctx context.Context, assetID string, status abi.Status) ([]abi.WorkOrder, error) {
	if status != "" && !status.Valid() {
		_, err := abi.ParseStatus(string(status))
		return nil, err
	}
	c, err := r.resolve(abi.CapReadWorkOrders, errNoCMMS())
	if err != nil {
		return nil, err
	}
	return byAsset(strings.TrimSpace(assetID), func(id string) ([]abi.WorkOrder, error) {
		var resp abi.ListWorkOrdersResponse
		req := abi.ListWorkOrdersRequest{AssetID: id, Status: status}
		if err := r.call(ctx, c, abi.OpListWorkOrders, req.AssetID, req, &resp); err != nil {
			return nil, r.public(c, abi.OpListWorkOrders, err, "")
		}
		return resp.WorkOrders, nil
	})
}

// byAsset runs a listing filtered by asset id, and when a filter with
// lower-case letters matched nothing, once more with the id in upper case:
// Maximo (assetnum is an UPPER attribute) and SAP PM (EQUNR) keep asset
// ids in upper case, so "p-101" as a person types it means "P-101". A CMMS
// whose ids are case-sensitive still gets the exact id first.
func byAsset[T any](assetID string, list func(id string) ([]T, error)) ([]T, error) {
	out, err := list(assetID)
	upper := strings.ToUpper(assetID)
	if upper == assetID || (err == nil && len(out) > 0) || (err != nil && !isNotFound(err)) {
		return out, err
	}
	again, err2 := list(upper)
	if err2 != nil && err != nil {
		return out, err // the error names the id as given
	}
	return again, err2
}

// oneByAsset is byAsset for a single record: not_found with lower-case
// letters in the id is retried in upper case.
func oneByAsset[T any](assetID string, get func(id string) (T, error)) (T, error) {
	v, err := get(assetID)
	if upper := strings.ToUpper(assetID); err != nil && isNotFound(err) && upper != assetID {
		if v2, err2 := get(upper); err2 == nil {
			return v2, nil
		}
	}
	return v, err
}

func isNotFound(err error) bool {
	var ae *abi.Error
	return errors.As(err, &ae) && ae.Code == abi.CodeNotFound
}

// GetWorkOrder returns one work order; a missing one is not_found "Work
// order 'X' not found".
func (r *Router) GetWorkOrder(ctx context.Context, id string) (abi.WorkOrder, error) {
	id, c, err := r.resolveID(abi.CapGetWorkOrder, errNoCMMS(), "work_order_id", id)
	if err != nil {
		return abi.WorkOrder{}, err
	}
	var resp abi.WorkOrderResponse
	if err := r.call(ctx, c, abi.OpGetWorkOrder, "", abi.GetWorkOrderRequest{WorkOrderID: id}, &resp); err != nil {
		return abi.WorkOrder{}, r.public(c, abi.OpGetWorkOrder, err, "Work order '"+id+"' not found")
	}
	return resp.WorkOrder, nil
}

// CreateWorkOrder validates the request, checks that the asset exists (also
// in sandbox mode), computes abi.AutoWorkOrderID and creates the work order
// — or, in sandbox mode, returns the reference's synthesised response.
func (r *Router) CreateWorkOrder(ctx context.Context, in CreateRequest) (WriteResult, error) {
	in.AssetID = strings.TrimSpace(in.AssetID)
	if err := required("asset_id", in.AssetID); err != nil {
		return WriteResult{}, err
	}
	if err := required("description", strings.TrimSpace(in.Description)); err != nil {
		return WriteResult{}, err
	}
	if !in.Type.Valid() {
		_, err := abi.ParseWorkOrderType(string(in.Type))
		return WriteResult{}, err
	}
	if !in.Priority.Valid() {
		_, err := abi.ParsePriority(string(in.Priority))
		return WriteResult{}, err
	}
	c, err := r.resolve(abi.CapCreateWorkOrder, "No CMMS connector that creates work orders is configured")
	if err != nil {
		return WriteResult{}, err
	}
	if _, err := r.GetAsset(ctx, in.AssetID); err != nil {
		return WriteResult{}, err
	}
	req := abi.CreateWorkOrderRequest{
		ID:      abi.AutoWorkOrderID(in.AssetID, in.Type, in.Priority, in.Description, in.Session),
		AssetID: in.AssetID, Description: in.Description, Type: in.Type, Priority: in.Priority, FailureMode: in.FailureMode,
	}
	if r.gate.Blocks(abi.OpCreateWorkOrder) {
		r.blocked(ctx, c, abi.OpCreateWorkOrder, in.AssetID, req)
		return WriteResult{Sandboxed: sandbox.CreateResponse(in.Type, in.Priority, in.AssetID, in.Description)}, nil
	}
	if err := need(c, abi.OpCreateWorkOrder); err != nil {
		return WriteResult{}, err
	}
	var resp abi.WorkOrderResponse
	err = r.call(ctx, c, abi.OpCreateWorkOrder, in.AssetID, req, &resp)
	r.audit(ctx, c, abi.OpCreateWorkOrder, in.AssetID, req.ID, err)
	if err != nil {
		return WriteResult{}, r.public(c, abi.OpCreateWorkOrder, err, "Asset '"+in.AssetID+"' not found")
	}
	return WriteResult{WorkOrder: resp.WorkOrder}, nil
}

// UpdateWorkOrder changes status, assignee or description (at least one).
func (r *Router) UpdateWorkOrder(ctx context.Context, req abi.UpdateWorkOrderRequest) (WriteResult, error) {
	req.WorkOrderID = strings.TrimSpace(req.WorkOrderID)
	if err := required("work_order_id", req.WorkOrderID); err != nil {
		return WriteResult{}, err
	}
	if req.Status != "" && !req.Status.Valid() {
		return WriteResult{}, abi.InvalidArgument("Invalid status '%s'. Valid values: %s", req.Status, join(abi.Statuses()))
	}
	if req.Status == "" && req.AssignedTo == "" && req.Description == "" {
		return WriteResult{}, abi.InvalidArgument("nothing to update: set status, assigned_to or description")
	}
	c, err := r.resolve(abi.CapUpdateWorkOrder, "No CMMS connector that updates work orders is configured")
	if err != nil {
		return WriteResult{}, err
	}
	if r.gate.Blocks(abi.OpUpdateWorkOrder) {
		r.blocked(ctx, c, abi.OpUpdateWorkOrder, "", req)
		return WriteResult{Sandboxed: sandbox.UpdateResponse(req.WorkOrderID)}, nil
	}
	return r.writeWO(ctx, c, abi.OpUpdateWorkOrder, req.WorkOrderID, req)
}

// CloseWorkOrder closes a work order (close_work_order, or
// update_work_order with status closed when the connector has no close).
func (r *Router) CloseWorkOrder(ctx context.Context, id string) (WriteResult, error) {
	id, c, err := r.resolveID(abi.CapCloseWorkOrder, "No CMMS connector that closes work orders is configured", "work_order_id", id)
	if err != nil {
		return WriteResult{}, err
	}
	if r.gate.Blocks(abi.OpCloseWorkOrder) {
		r.blocked(ctx, c, abi.OpCloseWorkOrder, "", abi.CloseWorkOrderRequest{WorkOrderID: id})
		return WriteResult{Sandboxed: sandbox.CloseResponse(id)}, nil
	}
	if !c.Has(abi.OpCloseWorkOrder) && c.Has(abi.OpUpdateWorkOrder) {
		return r.writeWO(ctx, c, abi.OpUpdateWorkOrder, id, abi.UpdateWorkOrderRequest{WorkOrderID: id, Status: abi.StatusClosed})
	}
	return r.writeWO(ctx, c, abi.OpCloseWorkOrder, id, abi.CloseWorkOrderRequest{WorkOrderID: id})
}

// CancelWorkOrder cancels a work order; the reason goes to the connector
// and, in sandbox mode, into the synthesised text.
func (r *Router) CancelWorkOrder(ctx context.Context, id, reason string) (WriteResult, error) {
	id, c, err := r.resolveID(abi.CapCancelWorkOrder, "No CMMS connector that cancels work orders is configured", "work_order_id", id)
	if err != nil {
		return WriteResult{}, err
	}
	req := abi.CancelWorkOrderRequest{WorkOrderID: id, Reason: reason}
	if r.gate.Blocks(abi.OpCancelWorkOrder) {
		r.blocked(ctx, c, abi.OpCancelWorkOrder, "", req)
		return WriteResult{Sandboxed: sandbox.CancelResponse(id, reason)}, nil
	}
	return r.writeWO(ctx, c, abi.OpCancelWorkOrder, id, req)
}

func (r *Router) writeWO(ctx context.Context, c *registry.Connector, op abi.OpName, id string, req any) (WriteResult, error) {
	if err := need(c, op); err != nil {
		return WriteResult{}, err
	}
	var resp abi.WorkOrderResponse
	err := r.call(ctx, c, op, "", req, &resp)
	r.audit(ctx, c, op, resp.WorkOrder.AssetID, id, err)
	if err != nil {
		return WriteResult{}, r.public(c, op, err, "Work order '"+id+"' not found")
	}
	return WriteResult{WorkOrder: resp.WorkOrder}, nil
}

// MaintenanceHistory lists an asset's past work orders (maintenance_history,
// or list_work_orders of the asset when the connector has no history).
func (r *Router) MaintenanceHistory(ctx context.Context, assetID string) ([]abi.WorkOrder, error) {
	assetID, c, err := r.resolveID(abi.CapReadMaintenanceHistory, errNoCMMS(), "asset_id", assetID)
	if err != nil {
		return nil, err
	}
	return byAsset(assetID, func(id string) ([]abi.WorkOrder, error) {
		var resp abi.ListWorkOrdersResponse
		if c.Has(abi.OpMaintenanceHistory) {
			err = r.call(ctx, c, abi.OpMaintenanceHistory, id, abi.MaintenanceHistoryRequest{AssetID: id}, &resp)
		} else {
			err = r.call(ctx, c, abi.OpListWorkOrders, id, abi.ListWorkOrdersRequest{AssetID: id}, &resp)
		}
		if err != nil {
			return nil, r.public(c, abi.OpMaintenanceHistory, err, "Asset '"+id+"' not found")
		}
		return resp.WorkOrders, nil
	})
}

// ListSpareParts lists spare parts; assetID and sku filter when set.
func (r *Router) ListSpareParts(ctx context.Context, assetID, sku string) ([]abi.SparePart, error) {
	c, err := r.resolve(abi.CapReadSpareParts, errNoCMMS())
	if err != nil {
		return nil, err
	}
	req := abi.ListSparePartsRequest{AssetID: strings.TrimSpace(assetID), SKU: strings.TrimSpace(sku)}
	var resp abi.ListSparePartsResponse
	if err := r.call(ctx, c, abi.OpListSpareParts, req.AssetID, req, &resp); err != nil {
		return nil, r.public(c, abi.OpListSpareParts, err, "")
	}
	return resp.SpareParts, nil
}

// MaintenancePlans lists preventive plans ("" lists all).
func (r *Router) MaintenancePlans(ctx context.Context, assetID string) ([]abi.MaintenancePlan, error) {
	c, err := r.resolve(abi.CapReadMaintenancePlans, errNoCMMS())
	if err != nil {
		return nil, err
	}
	assetID = strings.TrimSpace(assetID)
	return byAsset(assetID, func(id string) ([]abi.MaintenancePlan, error) {
		req := abi.GetMaintenancePlanRequest{AssetID: id}
		var resp abi.GetMaintenancePlanResponse
		if err := r.call(ctx, c, abi.OpGetMaintenancePlan, req.AssetID, req, &resp); err != nil {
			return nil, r.public(c, abi.OpGetMaintenancePlan, err, "")
		}
		return resp.Plans, nil
	})
}

// native runs fn as a traced query on a native connector.
func (r *Router) native(ctx context.Context, c *registry.Connector, op, assetID, input string, fn func(context.Context) error) error {
	ctx, sp := r.tracer.Start(ctx, trace.Entry{Action: trace.ActionConnectorQuery, Connector: c.Name, Operation: op, AssetID: assetID, InputSummary: input})
	err := fn(ctx)
	sp.End(err)
	return err
}

// SearchManuals searches the document store.
func (r *Router) SearchManuals(ctx context.Context, query string, topK int, assetID string, filters map[string]string) (any, error) {
	if err := required("query", strings.TrimSpace(query)); err != nil {
		return nil, err
	}
	if topK <= 0 || topK > 100 {
		return nil, abi.InvalidArgument("top_k must be between 1 and 100")
	}
	c, err := r.resolve(abi.CapSearchDocuments, "No document store connector configured")
	if err != nil || c.Docs == nil {
		return nil, abi.Unavailable("No document store connector configured")
	}
	var out any
	err = r.native(ctx, c, "search_manuals", assetID, query, func(ctx context.Context) error {
		var e error
		out, e = c.Docs.SearchManuals(ctx, query, topK, assetID, filters)
		return e
	})
	if err != nil {
		return nil, r.publicNative(c, "search_manuals", err)
	}
	return out, nil
}

// SensorReading returns the latest readings of an asset from every sensor
// connector that has points for it (OPC-UA, MQTT), merged.
func (r *Router) SensorReading(ctx context.Context, assetID string) (any, error) {
	assetID = strings.TrimSpace(assetID)
	if err := required("asset_id", assetID); err != nil {
		return nil, err
	}
	var parts []*sensor.AssetReadings
	sources := 0
	for _, c := range r.reg.Find(abi.CapGetLatestReading) {
		if c.Sensors == nil {
			continue
		}
		sources++
		var out *sensor.AssetReadings
		err := r.native(ctx, c, "get_sensor_reading", assetID, assetID, func(ctx context.Context) error {
			var e error
			out, e = c.Sensors.LatestReadings(ctx, assetID)
			return e
		})
		if errors.Is(err, sensor.ErrUnknownAsset) {
			continue
		}
		if err != nil {
			return nil, r.publicNative(c, "get_sensor_reading", err)
		}
		parts = append(parts, out)
	}
	if sources == 0 {
		return nil, abi.Unavailable("No IoT connector configured")
	}
	if len(parts) == 0 {
		return nil, abi.NotFound("no sensor is configured for asset %q", assetID)
	}
	return sensor.Merge(parts...), nil
}

// MaxSensorNodes caps one machina_read_sensor_nodes call.
const MaxSensorNodes = 50

// ReadSensorNodes reads configured sensor points by alias (OPC-UA node
// aliases, MQTT topic aliases) — never a raw node id or topic: the names
// an operator configured are the only ones a client can read.
func (r *Router) ReadSensorNodes(ctx context.Context, names []string) ([]sensor.Reading, error) {
	if len(names) == 0 {
		return nil, abi.InvalidArgument("aliases is required")
	}
	if len(names) > MaxSensorNodes {
		return nil, abi.InvalidArgument("at most %d aliases per call", MaxSensorNodes)
	}
	var sources []*registry.Connector
	for _, c := range r.reg.Find(abi.CapReadNodeValues) {
		if _, ok := c.Sensors.(registry.AliasReader); ok {
			sources = append(sources, c)
		}
	}
	if len(sources) == 0 {
		return nil, abi.Unavailable("No IoT connector configured")
	}
	var out []sensor.Reading
	for _, n := range names {
		n = strings.TrimSpace(n)
		var src *registry.Connector
		for _, c := range sources {
			if c.Sensors.(registry.AliasReader).HasAlias(n) {
				src = c
				break
			}
		}
		if src == nil {
			return nil, abi.NotFound("no sensor point is configured with the alias %q (configured: %s)", n, strings.Join(r.aliasNames(sources), ", "))
		}
		var rs []sensor.Reading
		err := r.native(ctx, src, "read_sensor_nodes", "", n, func(ctx context.Context) error {
			var e error
			rs, e = src.Sensors.(registry.AliasReader).ReadAliases(ctx, n)
			return e
		})
		if err != nil {
			return nil, r.publicNative(src, "read_sensor_nodes", err)
		}
		out = append(out, rs...)
	}
	return out, nil
}

// aliasNames lists the configured aliases of sources, at most 20.
func (r *Router) aliasNames(sources []*registry.Connector) []string {
	var out []string
	for _, c := range sources {
		out = append(out, c.Sensors.(registry.AliasReader).AliasNames()...)
	}
	if len(out) > 20 {
		out = append(out[:20], "…")
	}
	return out
}

// Alarms lists active alarms ("" means every asset).
func (r *Router) Alarms(ctx context.Context, assetID string) ([]abi.Alarm, error) {
	c, err := r.resolve(abi.CapGetLatestReading, "No IoT connector configured")
	if err != nil || c.Sensors == nil {
		return nil, abi.Unavailable("No IoT connector configured")
	}
	var out []abi.Alarm
	_ = r.native(ctx, c, "get_alarms", assetID, assetID, func(context.Context) error {
		out = c.Sensors.Alarms(strings.TrimSpace(assetID))
		return nil
	})
	return out, nil
}

// WatchAlarms streams alarm changes (raised, or cleared with Cleared set)
// from the sensor connector; ok is false when none is configured or it
// cannot push changes. cancel stops the stream.
func (r *Router) WatchAlarms(buffer int) (alarms <-chan abi.Alarm, cancel func(), ok bool) {
	c, err := r.resolve(abi.CapGetLatestReading, "")
	if err != nil || c.Sensors == nil {
		return nil, nil, false
	}
	w, can := c.Sensors.(registry.AlarmWatcher)
	if !can {
		return nil, nil, false
	}
	alarms, cancel = w.WatchAlarms(buffer)
	return alarms, cancel, true
}

// SendMessage sends text to a channel (chat id or address) through the
// Messenger when one is configured, else through the first messaging
// connector, or returns the sandbox's blocked response.
func (r *Router) SendMessage(ctx context.Context, channel, text string) (SendResult, error) {
	channel = strings.TrimSpace(channel)
	if err := required("channel", channel); err != nil {
		return SendResult{}, err
	}
	if err := required("text", strings.TrimSpace(text)); err != nil {
		return SendResult{}, err
	}
	if r.messenger != nil {
		if r.gate.Blocks(abi.OpSend) {
			// The target is checked as a live send would check it (sandbox
			// mode must not hide a target that cannot be routed); the
			// blocked write is traced here, as for every other write.
			name, chat, err := r.messenger.Resolve(channel)
			if err != nil {
				return SendResult{}, publicError(err)
			}
			r.blocked(ctx, r.connectorNamed(name), abi.OpSend, "", abi.SendRequest{ChatID: chat})
			return SendResult{Sandboxed: sandbox.SendResponse()}, nil
		}
		res, err := r.messenger.Send(ctx, channel, text)
		if err != nil {
			return SendResult{}, publicError(err)
		}
		if res.Status == "blocked" {
			return SendResult{Sandboxed: sandbox.SendResponse()}, nil
		}
		return SendResult{Status: res.Status, Channel: channel, MessageID: res.MessageID}, nil
	}
	c, err := r.resolve(abi.CapSendMessage, "No messaging connector configured (Telegram or Email plugin)")
	if err != nil {
		return SendResult{}, err
	}
	req := abi.SendRequest{ChatID: channel, Text: text}
	if r.gate.Blocks(abi.OpSend) {
		r.blocked(ctx, c, abi.OpSend, "", abi.SendRequest{ChatID: channel})
		return SendResult{Sandboxed: sandbox.SendResponse()}, nil
	}
	if err := need(c, abi.OpSend); err != nil {
		return SendResult{}, err
	}
	var resp abi.SendResponse
	err = r.call(ctx, c, abi.OpSend, "", req, &resp)
	r.audit(ctx, c, abi.OpSend, "", "", err)
	if err != nil {
		return SendResult{}, r.public(c, abi.OpSend, err, "")
	}
	if resp.Status == "" {
		resp.Status = "sent"
	}
	return SendResult{Status: resp.Status, Channel: channel, MessageID: resp.MessageID}, nil
}

func join[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// publicError is a messaging error as the client sees it: its ABI code with
// a sanitised message.
func publicError(err error) error {
	var ae *abi.Error
	if errors.As(err, &ae) {
		return &abi.Error{Code: ae.Code, Message: Sanitize(ae.Message)}
	}
	return abi.Unavailable("%s", Sanitize(err.Error()))
}

// connectorNamed is the registered connector with that name (nil if none).
func (r *Router) connectorNamed(name string) *registry.Connector {
	for _, c := range r.reg.Connectors() {
		if c.Name == name {
			return c
		}
	}
	return nil
}
