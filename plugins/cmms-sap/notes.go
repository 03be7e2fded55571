package main

import (
	"context"
	"sync"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// onceLog writes a warning once per key for the life of the plugin
// instance (one connector), so an unmapped code on every row of a list is
// reported once, not once per row.
type onceLog struct {
	mu   sync.Mutex
	seen map[string]bool
}

// warn logs msg at warn level unless key was logged before.
func (o *onceLog) warn(ctx context.Context, key, msg string, fields map[string]any) {
	o.log(ctx, abi.LogWarn, key, msg, fields)
}

// log logs msg at level unless key was logged before.
func (o *onceLog) log(ctx context.Context, level abi.LogLevel, key, msg string, fields map[string]any) {
	o.mu.Lock()
	if o.seen == nil {
		o.seen = map[string]bool{}
	}
	dup := o.seen[key]
	o.seen[key] = true
	o.mu.Unlock()
	if !dup {
		pdk.Log(ctx, level, msg, fields)
	}
}

// unmapped records codes that no map knows, per kind, for one record.
type unmapped map[string]string

// note records code under kind.
func (u *unmapped) note(kind, code string) {
	if *u == nil {
		*u = unmapped{}
	}
	(*u)[kind] = code
}

// apply puts the codes into md["unmapped"] (creating md when needed) and
// warns once per kind and code.
func (u unmapped) apply(ctx context.Context, o *onceLog, md map[string]any) map[string]any {
	if len(u) == 0 {
		return md
	}
	if md == nil {
		md = map[string]any{}
	}
	out := map[string]any{}
	for kind, code := range u {
		out[kind] = code
		o.warn(ctx, "unmapped/"+kind+"/"+code,
			"unmapped SAP "+kind+" "+quote(code)+": using the documented fallback; map it in [plugin.config] "+configKeys[kind],
			map[string]any{"kind": kind, "code": code})
	}
	md["unmapped"] = out
	return md
}

// configKeys names the [plugin.config] key that maps each kind.
var configKeys = map[string]string{
	kindOrderType: "order_type_map", kindPriority: "priority_map", kindEquipmentCategory: "equipment_category_map",
	kindSystemStatus: "system_status_aliases", kindProcessPhase: "process_phase_map",
}

func quote(s string) string { return "\"" + s + "\"" }
