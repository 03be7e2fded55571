//go:build tools

// The Extism-convention test plugins under testdata (extism10, liar, abi2),
// which the tests build with Extism's Go PDK, import github.com/extism/go-pdk.
// `go mod tidy` does not look inside testdata, so this file, never built,
// keeps that requirement in go.mod.
package plugin

import _ "github.com/extism/go-pdk"
