package plugin

import (
	"fmt"
	"slices"
	"sort"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/wasmfile"
	"github.com/machina-go/machina/internal/wire"
)

// Verdict classifies one import of a module.
type Verdict string

// Import verdicts.
const (
	// VerdictABI is a machina host function of ABI v1 (either convention).
	VerdictABI Verdict = "abi"
	// VerdictKernel is an extism kernel function for memory and I/O.
	VerdictKernel Verdict = "kernel"
	// VerdictWASI is a WASI function of the allowed subset (no sockets; the
	// filesystem has no preopened directories, so file calls fail).
	VerdictWASI Verdict = "wasi"
	// VerdictForbidden is anything else; a module with one is refused.
	VerdictForbidden Verdict = "forbidden"
)

// extismKernel lists the extism:host/env functions a plugin may import.
// http_request, http_status_code, http_headers (unsafe built-in HTTP),
// var_get/var_set and config_get are deliberately absent.
var extismKernel = map[string]bool{
	"alloc": true, "free": true, "length": true, "length_unsafe": true,
	"load_u8": true, "load_u64": true, "store_u8": true, "store_u64": true,
	"input_length": true, "input_load_u8": true, "input_load_u64": true, "input_offset": true,
	"output_set": true, "error_set": true, "error_get": true,
	"log_info": true, "log_debug": true, "log_warn": true, "log_error": true, "log_trace": true,
	"get_log_level": true,
}

// wasiSubset lists the wasi_snapshot_preview1 functions a plugin may
// import: what the Go runtime links. sock_* functions are excluded.
var wasiSubset = map[string]bool{
	"args_get": true, "args_sizes_get": true, "environ_get": true, "environ_sizes_get": true,
	"clock_res_get": true, "clock_time_get": true, "fd_advise": true, "fd_allocate": true,
	"fd_close": true, "fd_datasync": true, "fd_fdstat_get": true, "fd_fdstat_set_flags": true,
	"fd_filestat_get": true, "fd_filestat_set_size": true, "fd_filestat_set_times": true,
	"fd_pread": true, "fd_prestat_get": true, "fd_prestat_dir_name": true, "fd_pwrite": true,
	"fd_read": true, "fd_readdir": true, "fd_renumber": true, "fd_seek": true, "fd_sync": true,
	"fd_tell": true, "fd_write": true, "path_create_directory": true, "path_filestat_get": true,
	"path_filestat_set_times": true, "path_link": true, "path_open": true, "path_readlink": true,
	"path_remove_directory": true, "path_rename": true, "path_symlink": true, "path_unlink_file": true,
	"poll_oneoff": true, "proc_exit": true, "random_get": true, "sched_yield": true,
}

// ClassifyImport returns the verdict for one import.
func ClassifyImport(imp wasmfile.Import) Verdict {
	if imp.Kind != wasmfile.KindFunc {
		return VerdictForbidden
	}
	switch imp.Module {
	case wire.Namespace:
		if slices.Contains(wire.HostFunctions(), imp.Name) || slices.Contains(wire.DirectFunctions(), imp.Name) {
			return VerdictABI
		}
	case "extism:host/env":
		if extismKernel[imp.Name] {
			return VerdictKernel
		}
	case "wasi_snapshot_preview1":
		if wasiSubset[imp.Name] {
			return VerdictWASI
		}
	}
	return VerdictForbidden
}

// ClassifiedImport is an import with its verdict.
type ClassifiedImport struct {
	wasmfile.Import
	Verdict Verdict `json:"verdict"`
}

// ClassifyImports classifies every import, sorted by module and name.
func ClassifyImports(imps []wasmfile.Import) []ClassifiedImport {
	out := make([]ClassifiedImport, len(imps))
	for i, imp := range imps {
		out[i] = ClassifiedImport{Import: imp, Verdict: ClassifyImport(imp)}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Module != out[j].Module {
			return out[i].Module < out[j].Module
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// CheckImports returns an error naming every forbidden import.
func CheckImports(imps []wasmfile.Import) error {
	var bad []string
	for _, imp := range imps {
		if ClassifyImport(imp) == VerdictForbidden {
			bad = append(bad, imp.String())
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("module imports functions outside the ABI v1 allow-list: %v", bad)
	}
	return nil
}

// Convention is how a module exchanges data with the host.
type Convention string

// Calling conventions.
const (
	// ConventionExtism is ABI 1.0's: Extism's memory kernel carries export
	// input and output and host-call payloads, as JSON envelopes. Modules
	// built with an Extism PDK use it.
	ConventionExtism Convention = "extism"
	// ConventionDirect is ABI 1.3's: the host reads and writes the
	// module's own memory, bodies travel raw (wire.DirectFunctions).
	ConventionDirect Convention = "direct"
)

// conventionOf decides a module's convention from its imports: the
// Extism kernel's means Extism, otherwise direct. A module may not mix
// them, and the direct convention needs a manifest declaring ABI 1.3 or
// later, so that an older host refuses it by version instead of failing on
// missing imports.
func conventionOf(m wire.Manifest, imps []wasmfile.Import) (Convention, error) {
	var kernel, direct string
	for _, imp := range imps {
		switch {
		case imp.Module == "extism:host/env" && kernel == "":
			kernel = imp.String()
		case imp.Module == wire.Namespace && slices.Contains(wire.DirectFunctions(), imp.Name) && direct == "":
			direct = imp.String()
		}
	}
	switch {
	case kernel != "" && direct != "":
		return "", fmt.Errorf("module mixes the Extism convention (%s) with the direct convention of ABI %s (%s)", kernel, wire.DirectABI, direct)
	case kernel != "":
		return ConventionExtism, nil
	}
	if direct != "" {
		_, minor, err := abi.ParseVersion(m.ABI)
		if err != nil {
			return "", err
		}
		if _, need, _ := abi.ParseVersion(wire.DirectABI); minor < need {
			return "", fmt.Errorf("module imports %s (ABI %s) but plugin.toml declares abi = %q: declare %q", direct, wire.DirectABI, m.ABI, wire.DirectABI)
		}
	}
	return ConventionDirect, nil
}
