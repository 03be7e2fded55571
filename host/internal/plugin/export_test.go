package plugin

// UseCloseOnContextDone switches e back to wazero's WithCloseOnContextDone
// for plugins it loads afterwards, so benchmarks can compare the two
// termination mechanisms in one run.
func UseCloseOnContextDone(e *Engine) { e.termination = terminateCloseOnDone }
