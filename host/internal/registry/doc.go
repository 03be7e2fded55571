// Package registry maps Machina's capabilities (the reference's 26 wire
// strings, abi.Capabilities()) to the components that serve them: CMMS and
// messaging plugins (anything with CallOp, e.g. *plugin.Plugin), the document
// store (DocumentSearcher) and live sensors (SensorSource). It selects the
// primary CMMS (at most one marked primary, else the first that reads
// assets, with a warning), records connectors that failed to start so the
// host keeps serving the rest, and reports health per connector.
//
// The native components plug in through the small interfaces defined here,
// so this package imports neither host/docstore nor host/opcua (the serve
// command adapts them).
//
// It must not dispatch operations, apply the sandbox or trace (package
// router does), and it never talks to MCP.
package registry
