package sensor

import (
	"errors"
	"strings"
	"time"
)

// ErrUnknownAsset is wrapped by a connector that has no point for an asset.
var ErrUnknownAsset = errors.New("no sensor is configured for this asset")

// ErrUnknownAlias is wrapped by a connector that has no point of that name.
var ErrUnknownAlias = errors.New("no sensor point has this alias")

// Quality values of a Reading besides protocol-specific status names.
const (
	QualityGood        = "good"
	QualityUnavailable = "unavailable"
	// QualityNoData is a subscribed point that has received no value yet.
	QualityNoData = "no_data"
)

// Reading is one point's value, JSON-ready for the MCP layer.
type Reading struct {
	// Alias is the configured name (empty for a raw node id read).
	Alias     string `json:"alias,omitempty"`
	AssetID   string `json:"asset_id,omitempty"`
	Parameter string `json:"parameter,omitempty"`
	// Value is float64 for numeric points, otherwise the point's Go value
	// (string, bool, …); nil when Quality is not "good".
	Value any    `json:"value"`
	Unit  string `json:"unit,omitempty"`
	// Quality is "good", "unavailable", "no_data" or a protocol status
	// (e.g. the OPC-UA "StatusBadNodeIDUnknown").
	Quality string `json:"quality"`
	// Timestamp is the source timestamp when known, else the time the
	// value was received or read (UTC).
	Timestamp time.Time `json:"timestamp"`
	// NodeID and Endpoint locate an OPC-UA point.
	NodeID   string `json:"node_id,omitempty"`
	Endpoint string `json:"endpoint,omitempty"`
	// Topic and Broker locate an MQTT point.
	Topic  string `json:"topic,omitempty"`
	Broker string `json:"broker,omitempty"`
	// Source is the point's URI, as in alarms.
	Source string `json:"source"`
	// Error explains a quality other than "good" in words.
	Error string `json:"error,omitempty"`
}

// AssetReadings is every configured point of one asset: the data behind
// machina_get_sensor_reading(asset_id).
type AssetReadings struct {
	AssetID   string    `json:"asset_id"`
	Timestamp time.Time `json:"timestamp"`
	// Values maps parameter name → value for the readings of good quality,
	// like the reference's sensor dict.
	Values map[string]any `json:"values"`
	// Units maps parameter name → unit where configured.
	Units map[string]string `json:"units,omitempty"`
	// Readings has every point of the asset with quality and source.
	Readings []Reading `json:"readings"`
	// ActiveAlarms counts the asset's active alarms.
	ActiveAlarms int `json:"active_alarms"`
}

// NewAssetReadings builds the result for assetID from rs: good values by
// parameter, units, and the configured spelling of the asset id.
func NewAssetReadings(assetID string, rs []Reading, activeAlarms int) *AssetReadings {
	res := &AssetReadings{AssetID: strings.TrimSpace(assetID), Timestamp: time.Now().UTC(),
		Values: map[string]any{}, Units: map[string]string{}, Readings: rs, ActiveAlarms: activeAlarms}
	for _, r := range rs {
		if r.Quality == QualityGood {
			res.Values[r.Parameter] = r.Value
		}
		if r.Unit != "" {
			res.Units[r.Parameter] = r.Unit
		}
		if r.AssetID != "" {
			res.AssetID = r.AssetID // configured spelling
		}
	}
	return res
}

// Merge combines the readings of one asset from several connectors (OPC-UA
// and MQTT): readings are concatenated in order, and a good value of a
// later source does not hide an earlier one for the same parameter.
func Merge(parts ...*AssetReadings) *AssetReadings {
	var out *AssetReadings
	for _, p := range parts {
		if p == nil {
			continue
		}
		if out == nil {
			cp := *p
			cp.Values = map[string]any{}
			cp.Units = map[string]string{}
			cp.Readings = append([]Reading(nil), p.Readings...)
			for k, v := range p.Values {
				cp.Values[k] = v
			}
			for k, v := range p.Units {
				cp.Units[k] = v
			}
			out = &cp
			continue
		}
		out.Readings = append(out.Readings, p.Readings...)
		for k, v := range p.Values {
			if _, ok := out.Values[k]; !ok {
				out.Values[k] = v
			}
		}
		for k, v := range p.Units {
			if _, ok := out.Units[k]; !ok {
				out.Units[k] = v
			}
		}
		out.ActiveAlarms = max(out.ActiveAlarms, p.ActiveAlarms)
		if p.Timestamp.After(out.Timestamp) {
			out.Timestamp = p.Timestamp
		}
	}
	return out
}
