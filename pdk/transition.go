package pdk

import "github.com/machina-go/machina/abi"

// StatusChange validates the status an update_work_order request asks for
// against the work order's current status: it returns the target status
// and whether it differs from the current one (no change for an empty
// request). An unknown status, or a transition the ABI's lifecycle
// forbids, is an invalid_argument error to return as is.
func StatusChange(current, requested abi.Status) (abi.Status, bool, error) {
	if requested == "" {
		return current, false, nil
	}
	to, err := abi.ParseStatus(string(requested))
	if err != nil {
		return "", false, err
	}
	if to == current {
		return to, false, nil
	}
	if err := abi.CheckTransition(current, to); err != nil {
		return "", false, err
	}
	return to, true, nil
}
