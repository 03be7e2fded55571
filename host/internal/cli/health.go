package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"
)

// runHealth probes /health and exits 0 when the server answers 200, so
// distroless images (no curl) can have a HEALTHCHECK.
func runHealth(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	url := fs.String("url", "http://127.0.0.1:8000/health", "health endpoint to probe")
	timeout := fs.Duration("timeout", 3*time.Second, "request timeout")
	if code, ok := parseFlags(fs, args, -1); !ok {
		return code
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		fmt.Fprintln(c.stderr, "machina health:", err)
		return 2
	}
	resp, err := (&http.Client{Transport: &http.Transport{Proxy: nil}}).Do(req)
	if err != nil {
		return c.fail(fs, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	fmt.Fprintf(c.stdout, "%s\n", body)
	if resp.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}
