package abi

// Capability is one of the reference's 26 stable wire identifiers for what a
// component can do. MCP tools are registered from the capabilities present.
type Capability string

// The capability vocabulary, exactly as the reference spells it.
const (
	CapReadAssets             Capability = "read_assets"
	CapReadWorkOrders         Capability = "read_work_orders"
	CapGetWorkOrder           Capability = "get_work_order"
	CapCreateWorkOrder        Capability = "create_work_order"
	CapUpdateWorkOrder        Capability = "update_work_order"
	CapCloseWorkOrder         Capability = "close_work_order"
	CapCancelWorkOrder        Capability = "cancel_work_order"
	CapReadSpareParts         Capability = "read_spare_parts"
	CapReadMaintenancePlans   Capability = "read_maintenance_plans"
	CapReadMaintenanceHistory Capability = "read_maintenance_history"
	CapReadFailureModes       Capability = "read_failure_modes"
	CapSubscribeToNodes       Capability = "subscribe_to_nodes"
	CapReadNodeValue          Capability = "read_node_value"
	CapReadNodeValues         Capability = "read_node_values"
	CapBrowseNodes            Capability = "browse_nodes"
	CapSubscribeToTopics      Capability = "subscribe_to_topics"
	CapPublishMessage         Capability = "publish_message"
	CapGetRelatedReadings     Capability = "get_related_readings"
	CapGetLatestReading       Capability = "get_latest_reading"
	CapSearchDocuments        Capability = "search_documents"
	CapRetrieveSection        Capability = "retrieve_section"
	CapSendMessage            Capability = "send_message"
	CapReceiveMessage         Capability = "receive_message"
	CapReadCalendarEvents     Capability = "read_calendar_events"
	CapCreateCalendarEvent    Capability = "create_calendar_event"
	CapDeleteCalendarEvent    Capability = "delete_calendar_event"
)

// Capabilities lists all 26 capabilities in the reference's order.
func Capabilities() []Capability {
	return []Capability{
		CapReadAssets, CapReadWorkOrders, CapGetWorkOrder, CapCreateWorkOrder, CapUpdateWorkOrder,
		CapCloseWorkOrder, CapCancelWorkOrder, CapReadSpareParts, CapReadMaintenancePlans,
		CapReadMaintenanceHistory, CapReadFailureModes,
		CapSubscribeToNodes, CapReadNodeValue, CapReadNodeValues, CapBrowseNodes,
		CapSubscribeToTopics, CapPublishMessage,
		CapGetRelatedReadings, CapGetLatestReading,
		CapSearchDocuments, CapRetrieveSection,
		CapSendMessage, CapReceiveMessage,
		CapReadCalendarEvents, CapCreateCalendarEvent, CapDeleteCalendarEvent,
	}
}

// Valid reports whether c is one of the 26 wire strings.
func (c Capability) Valid() bool { return oneOf(c, Capabilities()) }
