// Command crash is issue #22's fault benchmark: during a burst of MCP tool
// calls (work orders created through the cmms-maximo plugin, reads) and
// inbound Telegram messages answered by the agent, `machina serve` is
// killed with SIGKILL, restarted on the same data directory, and the run
// counts what came out: each message answered exactly once, no work order
// created twice (clients retry an interrupted create with the same
// arguments), and `machina trace verify` clean except a reported torn line.
// Exit 1 when any count is off.
//
//	make build && go run ./bench/crash
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/machina-go/machina/bench/internal/harness"
)

// resentPrefix opens a reply the host sent again after a crash interrupted
// its first send (docs/operators.md).
const resentPrefix = "(Sent again after a restart; you may have received this already.)"

type traceReport struct {
	OK        bool `json:"ok"`
	Entries   int  `json:"entries"`
	Segments  int  `json:"segments"`
	Truncated []struct {
		File    string `json:"file"`
		Line    int    `json:"line"`
		Resumed bool   `json:"resumed"`
	} `json:"truncated"`
	File   string `json:"file"`
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

type result struct {
	Messages       int         `json:"messages"`
	InjectedBefore int         `json:"injected_before_kill"`
	AnsweredOnce   int         `json:"answered_once"`
	SentAgain      int         `json:"sent_again_after_restart"`
	Duplicates     int         `json:"answered_twice_or_more"`
	Unanswered     int         `json:"unanswered"`
	Creates        int         `json:"work_orders_asked"`
	CreatesBefore  int64       `json:"created_before_kill"`
	Retried        int64       `json:"create_retry_attempts"`
	Redelivered    int         `json:"redeliveries_deduplicated"`
	WritesDone     int64       `json:"maximo_writes_done"`
	ToolCalls      int64       `json:"tool_calls"`
	Trace          traceReport `json:"trace_verify"`
	OK             bool        `json:"ok"`
}

func main() {
	cmd := harness.NewCommand("crash")
	messages := flag.Int("messages", 40, "inbound Telegram messages")
	clients := flag.Int("clients", 10, "concurrent MCP clients")
	creates := flag.Int("creates", 8, "work orders each client creates")
	pace := flag.Duration("pace", 500*time.Millisecond, "pause between a client's work orders (spreads them across the kill)")
	tear := flag.Bool("tear", true, "after the kill, append half an entry to the newest trace file: the torn write a power loss leaves "+
		"(SIGKILL cannot tear a write(2), so the run would otherwise never show one)")
	flag.Parse()
	res, err := run(*cmd.Machina, *messages, *clients, *creates, *pace, *tear)
	os.Exit(cmd.Finish(res, res.OK, err, func(js []byte) { fmt.Println(string(js)) }))
}

// run is one crash run.
func run(machina string, messages, clients, creates int, pace time.Duration, tear bool) (result, error) {
	ctx := context.Background()
	res := result{Messages: messages, Creates: clients * creates}
	llm, err := harness.StartFakeLLM()
	if err != nil {
		return res, err
	}
	defer llm.Close()
	state, err := os.MkdirTemp("", "machina-crash-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(state)
	log, _ := os.Create(state + ".log")
	addr, err := harness.FreeAddr()
	if err != nil {
		return res, err
	}
	plant, err := harness.StartPlant(ctx, machina, state, addr, llm.URL, log)
	if err != nil {
		return res, err
	}
	defer plant.Stop()
	host, err := harness.StartHost(ctx, machina, plant, log)
	if err != nil {
		return res, err
	}
	before, err := plant.Maximo(ctx)
	if err != nil {
		return res, err
	}
	b := &burst{plant: plant, clients: clients, creates: creates, messages: messages, pace: pace, tear: tear, traces: filepath.Join(state, "traces")}
	if host, err = b.runWithKill(ctx, machina, host, log); err != nil {
		return res, err
	}
	if err := b.awaitAnswers(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "crash:", err)
	}
	after, err := plant.Maximo(ctx)
	if err != nil {
		return res, err
	}
	if err := host.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "crash: stopping the restarted host:", err)
	}
	res.InjectedBefore, res.CreatesBefore, res.Retried, res.ToolCalls = b.injectedAtKill, b.createdAtKill, b.retried.Load(), b.calls.Load()
	res.WritesDone = after.WritesDone - before.WritesDone
	if err := b.countAnswers(ctx, &res); err != nil {
		return res, err
	}
	res.Trace, err = verify(machina, filepath.Join(state, "traces"))
	if err != nil {
		return res, err
	}
	res.Redelivered = countAction(filepath.Join(state, "traces"), "message_duplicate")
	torn := len(res.Trace.Truncated) == 0
	if tear {
		torn = len(res.Trace.Truncated) == 1 && res.Trace.Truncated[0].Resumed && res.Trace.Segments == 2
	}
	res.OK = res.AnsweredOnce+res.SentAgain == messages && res.Duplicates == 0 && res.Unanswered == 0 &&
		res.WritesDone == int64(res.Creates) && res.Trace.OK && torn
	return res, nil
}

// burst is the load and its counters.
type burst struct {
	plant                      *harness.Plant
	clients, creates, messages int
	pace                       time.Duration
	tear                       bool
	traces                     string

	created, retried, calls atomic.Int64
	injected                atomic.Int64
	injectedAtKill          int
	createdAtKill           int64
}

// runWithKill runs the clients and the message injector, kills the host
// with SIGKILL halfway through the messages (after a work order was
// created), restarts it and waits until the load is done.
func (b *burst) runWithKill(ctx context.Context, machina string, host *harness.Host, log *os.File) (*harness.Host, error) {
	var wg sync.WaitGroup
	for i := range b.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.client(ctx, i)
		}()
	}
	injected := make(chan struct{})
	go func() {
		defer close(injected)
		for k := 1; k <= b.messages; k++ {
			if err := b.plant.Inject(ctx, fmt.Sprintf("crash-bench message %d", k)); err != nil {
				fmt.Fprintln(os.Stderr, "crash: inject:", err)
			}
			b.injected.Add(1)
			time.Sleep(100 * time.Millisecond) // the burst's pace
		}
	}()
	for b.injected.Load() < int64(b.messages/2) || b.created.Load() == 0 {
		time.Sleep(20 * time.Millisecond) // watching the load reach the kill point
	}
	host.Kill()
	b.injectedAtKill, b.createdAtKill = int(b.injected.Load()), b.created.Load()
	if b.tear {
		if err := tearTrace(b.traces); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(os.Stderr, "crash: killed machina serve (SIGKILL) after %d messages and %d work orders; restarting\n", b.injectedAtKill, b.createdAtKill)
	host, err := harness.StartHost(ctx, machina, b.plant, log)
	if err != nil {
		return nil, err
	}
	wg.Wait()
	<-injected
	return host, nil
}

// client creates its work orders (retrying an interrupted create with the
// same arguments, across the restart) with a read between them.
func (b *burst) client(ctx context.Context, i int) {
	deadline := time.Now().Add(5 * time.Minute)
	var c *harnessClient
	for j := range b.creates {
		args := map[string]any{"asset_id": "P-101", "priority": "low", "work_order_type": "corrective",
			"description": fmt.Sprintf("crash-bench client %d order %d", i, j)}
		for attempt := 0; time.Now().Before(deadline); attempt++ {
			if attempt > 0 {
				b.retried.Add(1)
				time.Sleep(200 * time.Millisecond) // the host is restarting
			}
			if c == nil {
				if c = connect(ctx, b.plant); c == nil {
					continue
				}
			}
			b.calls.Add(2)
			if _, err := harness.Call(ctx, c.Client, "machina_get_asset", map[string]any{"asset_id": "P-101"}); err != nil {
				c.Close()
				c = nil
				continue
			}
			if _, err := harness.Call(ctx, c.Client, "machina_create_work_order", args); err != nil {
				c.Close()
				c = nil
				continue
			}
			b.created.Add(1)
			time.Sleep(b.pace) // the burst's pace
			break
		}
	}
	if c != nil {
		c.Close()
	}
}

// awaitAnswers waits until every message has a reply, then a little
// longer so that a duplicate would show.
func (b *burst) awaitAnswers(ctx context.Context) error {
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		sent, err := b.plant.Sent(ctx)
		if err == nil && len(answers(sent, b.messages)) == b.messages {
			time.Sleep(8 * time.Second) // > one long poll (5 s): a redelivery would be answered by now
			return nil
		}
		time.Sleep(500 * time.Millisecond) // polling the simulator
	}
	return fmt.Errorf("not every message was answered within 3 minutes")
}

// answers maps message number → replies ("Received: crash-bench message k",
// possibly after the resent prefix).
func answers(sent []harness.Sent, messages int) map[int][]string {
	out := map[int][]string{}
	for _, s := range sent {
		text := strings.TrimSpace(strings.TrimPrefix(s.Text, resentPrefix))
		var k int
		if n, _ := fmt.Sscanf(text, "Received: crash-bench message %d", &k); n == 1 && k >= 1 && k <= messages {
			out[k] = append(out[k], s.Text)
		}
	}
	return out
}

func (b *burst) countAnswers(ctx context.Context, res *result) error {
	sent, err := b.plant.Sent(ctx)
	if err != nil {
		return err
	}
	got := answers(sent, b.messages)
	for k := 1; k <= b.messages; k++ {
		switch r := got[k]; {
		case len(r) == 0:
			res.Unanswered++
		case len(r) > 1:
			res.Duplicates++
		case strings.HasPrefix(r[0], resentPrefix):
			res.SentAgain++
		default:
			res.AnsweredOnce++
		}
	}
	return nil
}

func verify(machina, dir string) (traceReport, error) {
	var rep traceReport
	out, err := exec.Command(machina, "trace", "verify", "--json", dir).Output()
	if jerr := json.Unmarshal(out, &rep); jerr != nil {
		return rep, fmt.Errorf("trace verify: %v %v", err, jerr)
	}
	return rep, nil
}

// countAction counts the trace entries of an action (a redelivered message
// the inbox ledger recognised is traced as message_duplicate).
func countAction(dir, action string) int {
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	n := 0
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, line := range strings.Split(string(b), "\n") {
			var e struct {
				Action string `json:"action"`
			}
			if json.Unmarshal([]byte(line), &e) == nil && e.Action == action {
				n++
			}
		}
	}
	return n
}

// tearTrace appends the first half of an entry, without its newline, to
// the newest trace file.
func tearTrace(dir string) error {
	files, _ := filepath.Glob(filepath.Join(dir, "traces-*.jsonl"))
	if len(files) == 0 {
		return fmt.Errorf("no trace file in %s to tear", dir)
	}
	sort.Strings(files) // one UTC day and no size rotation in a run this small: the name order is the write order
	f, err := os.OpenFile(files[len(files)-1], os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteString(`{"seq":999999,"timestamp":"2026-12-05T12:00:00Z","action":"tool_ca`)
	return err
}
