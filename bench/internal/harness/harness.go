// Package harness runs Machina as the soak and crash benchmarks need it:
// `machina sim plant` (the simulators, in their own process so they keep
// their state across host crashes) and `machina serve` against it as a
// separate process that can be stopped, killed with SIGKILL and restarted;
// MCP clients over streamable HTTP; the host's resident set size from
// /proc; and a stand-in language model that answers "Received: <text>".
//
// It must not import the host's packages: it drives the binary a user
// runs.
package harness

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/machina-go/machina/internal/sim/plantinfo"

	"github.com/machina-go/machina/internal/mcpclient"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
)

// Plant is a running `machina sim plant`.
type Plant struct {
	plantinfo.Info // what the plant printed

	State string `json:"-"`
	Token string `json:"-"`
	cmd   *exec.Cmd
}

// StartPlant starts `machina sim plant` with its state in state, the MCP
// address listen, writes going to the simulators, and the agent's model
// at llmURL ("" for none).
func StartPlant(ctx context.Context, machina, state, listen, llmURL string, log *os.File) (*Plant, error) {
	args := []string{"sim", "plant", "--json", "--live", "--state", state, "--listen", listen}
	if llmURL != "" {
		args = append(args, "--llm-url", llmURL, "--llm-model", "bench-model")
	}
	cmd := exec.CommandContext(ctx, machina, args...)
	cmd.Stderr = log
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the plant: %w", err)
	}
	p := &Plant{State: state, cmd: cmd}
	line, err := bufio.NewReader(out).ReadBytes('\n')
	if err == nil {
		err = json.Unmarshal(line, p)
	}
	if err != nil {
		p.Stop()
		return nil, fmt.Errorf("the plant did not say where it is: %w (see its log)", err)
	}
	tok, err := os.ReadFile(p.TokenFile)
	if err != nil {
		p.Stop()
		return nil, err
	}
	p.Token = strings.TrimSpace(string(tok))
	return p, nil
}

// Stop interrupts the plant and waits for it.
func (p *Plant) Stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	_ = p.cmd.Wait()
}

// Host is a running `machina serve`.
type Host struct {
	cmd  *exec.Cmd
	done chan error
}

// StartHost starts `machina serve --transport http` on the plant's
// configuration and waits until its MCP endpoint answers.
func StartHost(ctx context.Context, machina string, p *Plant, log *os.File) (*Host, error) {
	cmd := exec.Command(machina, "serve", "--config", p.Config, "--transport", "http")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting machina serve: %w", err)
	}
	h := &Host{cmd: cmd, done: make(chan error, 1)}
	go func() { h.done <- cmd.Wait() }()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := http.Get("http://" + p.Listen + "/health")
		if err == nil {
			resp.Body.Close()
			return h, nil
		}
		select {
		case err := <-h.done:
			h.done <- err
			return nil, fmt.Errorf("machina serve exited at start: %v (see its log)", err)
		case <-ctx.Done():
			h.Kill()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond): // waiting for a process to listen
		}
		if time.Now().After(deadline) {
			h.Kill()
			return nil, errors.New("machina serve did not listen within 2 minutes")
		}
	}
}

// PID is the host's process id.
func (h *Host) PID() int { return h.cmd.Process.Pid }

// Kill sends SIGKILL (kill -9) and waits for the process to be gone.
func (h *Host) Kill() {
	_ = h.cmd.Process.Signal(syscall.SIGKILL)
	err := <-h.done
	h.done <- err
}

// Stop sends SIGTERM and waits (graceful shutdown).
func (h *Host) Stop() error {
	_ = h.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-h.done:
		h.done <- err
		return err
	case <-time.After(time.Minute):
		h.Kill()
		return errors.New("machina serve did not stop within a minute of SIGTERM; killed")
	}
}

// RSS is a process's resident set size in bytes (VmRSS of /proc/PID/status).
func RSS(pid int) (int64, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

// Connect opens an MCP session over streamable HTTP with the plant's token.
func Connect(ctx context.Context, p *Plant) (*client.Client, error) {
	tr, err := transport.NewStreamableHTTP("http://"+p.Listen+"/mcp",
		transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + p.Token}))
	if err != nil {
		return nil, err
	}
	c := client.NewClient(tr)
	if err := mcpclient.Initialize(ctx, c, "machina-bench", "1"); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Call runs a tool; a tool error is an error.
func Call(ctx context.Context, c *client.Client, name string, args map[string]any) (string, error) {
	text, isErr, err := mcpclient.Call(ctx, c, name, args)
	if err != nil {
		return "", err
	}
	if isErr {
		return text, fmt.Errorf("%s: tool error: %s", name, text)
	}
	return text, nil
}

// FreeAddr returns a free loopback address.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
