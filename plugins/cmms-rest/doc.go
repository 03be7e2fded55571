// Command cmms-rest is a Machina CMMS plugin for any REST/JSON CMMS,
// configured rather than coded: per operation an endpoint template, method,
// query parameters and body template, a pagination style (page number,
// offset/limit, cursor, RFC 8288 Link header, next-page URL in the body) and
// field mappings by JSON path with code tables. Presets for UpKeep and
// MaintainX are embedded (presets/*.json) and written from the vendors'
// public API documentation; an operator's configuration is merged over the
// preset it names.
//
// It is built only on the vendor-facing packages (abi, pdk), as a third
// party would build it, and serves exactly the operations its configuration
// declares (pdk.OperationSelector, ABI 1.2): a write exists only where the
// configuration has its request, and the host still classifies every
// operation itself. Credentials are the host's auth profiles; the plugin
// never sees them. An unknown vendor code maps to the field's fallback, is
// kept in metadata.unmapped and reported to the host (pdk.CodeTable).
package main
