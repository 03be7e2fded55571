package plugin

// UseCloseOnContextDone switches e back to wazero's WithCloseOnContextDone
// for plugins it loads afterwards, so benchmarks can compare the two
// termination mechanisms in one run.
func UseCloseOnContextDone(e *Engine) { e.termination = terminateCloseOnDone }

// UseNoTermination makes e load plugins whose runaway calls cannot be
// stopped: the floor benchmarks compare against.
func UseNoTermination(e *Engine) { e.termination = terminateNone }
