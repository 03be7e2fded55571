//go:build tools

package plugin

// The Extism-convention test plugins under testdata (extism10, abi2, liar)
// import the Extism Go PDK; go mod tidy ignores testdata, so this file —
// never built, tidy reads every build tag — keeps the requirement in go.mod.
import _ "github.com/extism/go-pdk"
