// Command gen writes types_gen.go from package codecgen (run by
// `go generate` in package codec).
package main

import (
	"fmt"
	"os"

	"github.com/machina-go/machina/pdk/internal/codec/codecgen"
)

func main() {
	src, err := codecgen.Generate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "codecgen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile("types_gen.go", src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "codecgen:", err)
		os.Exit(1)
	}
}
