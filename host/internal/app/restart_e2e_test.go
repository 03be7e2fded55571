package app_test

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/machina-go/machina/host/internal/app"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/demo"
	"github.com/machina-go/machina/host/internal/llm/llmtest"
	"github.com/machina-go/machina/host/internal/testplugin"
	simtg "github.com/machina-go/machina/internal/sim/telegram"
)

// restartEnv is a demo environment (simulators, plugins, configuration,
// data directory) that outlives the hosts built on it, so a test can stop
// a host and start another on the same data directory.
type restartEnv struct {
	env *demo.Env
	llm *llmtest.Server
	dir string
}

func newRestartEnv(t *testing.T) *restartEnv {
	t.Helper()
	r := &restartEnv{llm: llmtest.New(), dir: t.TempDir()}
	env, err := demo.Start(context.Background(), demo.Options{PluginsDir: testplugin.DemoPlugins(t),
		StateDir: r.dir, Listen: "127.0.0.1:0", LLMURL: r.llm.OpenAIURL(), LLMModel: "gpt-4o-mini", Static: true})
	if err != nil {
		t.Fatal(err)
	}
	r.env = env
	t.Cleanup(func() {
		env.Close()
		r.llm.Close()
	})
	cfg, err := config.Load(env.ConfigPath, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	shareCompilationCache(t, cfg.DataDir)
	return r
}

// restartParts are the parts a restart test needs: plugins, messaging and
// the agent over MCP, with the tracer (no sensors, no document store).
const restartParts = app.Trace | app.Plugins | app.Messaging | app.Agent

// host builds a host on the environment's configuration; the caller closes
// it (a test stops it to restart).
func (r *restartEnv) host(t *testing.T, ctx context.Context, parts app.Parts) *app.App {
	t.Helper()
	cfg, err := config.Load(r.env.ConfigPath, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Build(ctx, cfg, parts, app.Options{Stderr: &logSink{t: t}, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if f := a.Registry.Failures(); len(f) > 0 {
		a.Close()
		t.Fatalf("components failed: %+v", f)
	}
	return a
}

// TestRestart stops and restarts whole hosts on one data directory
// (issue #22): a message is answered once, an alarm and its pending
// confirmation survive. The phases share one demo environment.
func TestRestart(t *testing.T) {
	r := newRestartEnv(t)
	t.Run("message answered once", func(t *testing.T) { messageAnsweredOnce(t, r) })
	t.Run("alarm and confirmation survive", func(t *testing.T) { alarmSurvives(t, r) })
}

// messageAnsweredOnce is issue #22's acceptance test: the host is stopped
// after it polled a Telegram message and before it answered (the model is
// still thinking); after a restart the message is delivered again and
// answered, once — and a third host, which receives it again because the
// second stopped before acknowledging the batch, does not answer it a
// second time.
func messageAnsweredOnce(t *testing.T, r *restartEnv) {
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	r.llm.Respond(func(rec llmtest.Recorded) llmtest.Step {
		first := false
		once.Do(func() { first = true })
		if first {
			close(entered)
			<-release // the first host is stopped while the model thinks
			return llmtest.Step{Text: "too late"}
		}
		return llmtest.Step{Text: "P-101 runs normally."}
	})
	tg := r.env.Telegram
	tg.InjectText(demo.TelegramChat, simtg.User{ID: 7, FirstName: "Ann"}, "how is P-101 doing?")

	// Host 1 polls the message and is stopped before it answers.
	ctx1, stop1 := context.WithCancel(context.Background())
	h1 := r.host(t, ctx1, restartParts)
	polled := make(chan error, 1)
	go func() {
		_, err := h1.Messaging.PollOnce(ctx1, "telegram")
		polled <- err
	}()
	select {
	case <-entered:
	case err := <-polled:
		t.Fatalf("the poll ended before the model was asked: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the model was never asked")
	}
	stop1()
	if err := <-polled; err == nil {
		t.Fatal("the interrupted poll reported its batch handled")
	}
	h1.Close()
	close(release)
	if n := len(tg.Sent()); n != 0 {
		t.Fatalf("the stopped host sent %d messages: %+v", n, tg.Sent())
	}

	// Host 2 receives the message again and answers it. It stops before
	// its next poll would acknowledge the batch.
	ctx := context.Background()
	h2 := r.host(t, ctx, restartParts)
	if n, err := h2.Messaging.PollOnce(ctx, "telegram"); err != nil || n != 1 {
		h2.Close()
		t.Fatalf("restarted host: poll = %d, %v; want the message again", n, err)
	}
	h2.Close()
	sent := tg.Sent()
	if len(sent) != 1 || sent[0].Text != "P-101 runs normally." || sent[0].ChatID != "4242" {
		t.Fatalf("after the restart sent %+v, want one answer to chat 4242", sent)
	}

	// Host 3 gets the unacknowledged message once more and does not answer.
	h3 := r.host(t, ctx, restartParts)
	defer h3.Close()
	if n, err := h3.Messaging.PollOnce(ctx, "telegram"); err != nil || n != 1 {
		t.Fatalf("third host: poll = %d, %v; want the unacknowledged message delivered again", n, err)
	}
	if n, err := h3.Messaging.PollOnce(ctx, "telegram"); err != nil || n != 0 {
		t.Fatalf("third host, after acknowledging: poll = %d, %v", n, err)
	}
	if got := len(tg.Sent()); got != 1 {
		t.Fatalf("the message was answered %d times: %+v", got, tg.Sent())
	}
	if got := len(r.llm.Requests()); got != 2 {
		t.Fatalf("the model was asked %d times, want 2 (interrupted, then answered)", got)
	}
	entries := readTraces(t, filepath.Join(r.dir, "traces"))
	dups := 0
	for _, e := range entries {
		if e.Action == "message_duplicate" && strings.HasPrefix(e.ClientID, "telegram:") {
			dups++
		}
	}
	if dups != 1 {
		t.Fatalf("message_duplicate entries = %d, want 1", dups)
	}
}

// alarmSurvives: an alarm raised before a restart drafts one work order and
// one notification; after the restart the alarm is still active with its
// id and since, the value still above the threshold raises nothing new,
// and the technician's "yes" to the draft proposed before the restart
// creates it.
func alarmSurvives(t *testing.T, r *restartEnv) {
	tg, before := r.env.Telegram, len(r.env.Telegram.Sent())
	start := func(ctx context.Context) *app.App {
		h := r.host(t, ctx, app.All)
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := h.OPCUA.WaitConnected(wctx); err != nil {
			h.Close()
			t.Fatal(err)
		}
		go h.Run(ctx)
		return h
	}
	wait := func(n int) []simtg.Sent {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		sent, err := tg.WaitSent(ctx, before+n)
		if err != nil {
			t.Fatalf("waiting for message %d: %v (sent %+v)", n, err, tg.Sent()[before:])
		}
		return sent[before:]
	}

	ctx1, stop1 := context.WithCancel(context.Background())
	h1 := start(ctx1)
	if err := r.env.OPCUA.SetValue("P-101.Temperature", 95); err != nil {
		t.Fatal(err)
	}
	note := wait(1)[0]
	draft := regexp.MustCompile(`WO-AUTO-[0-9A-F]{8}`).FindString(note.Text)
	alarms := h1.Alarms.Active("P-101")
	stop1()
	h1.Close()
	if draft == "" || len(alarms) != 1 {
		t.Fatalf("before the restart: notification %q, active %+v", note.Text, alarms)
	}

	ctx2, stop2 := context.WithCancel(context.Background())
	h2 := start(ctx2)
	got := h2.Alarms.Active("P-101")
	if len(got) != 1 || got[0].ID != alarms[0].ID || !got[0].Timestamp.Equal(alarms[0].Timestamp) || got[0].Value != alarms[0].Value {
		stop2()
		h2.Close()
		t.Fatalf("after the restart active = %+v, want %+v", got, alarms)
	}
	writes := r.env.Maximo.Stats().Writes
	tg.InjectText(demo.TelegramChat, simtg.User{ID: 7, FirstName: "Ann"}, "yes")
	reply := wait(2)[1]
	stop2()
	h2.Close()
	if !strings.Contains(reply.Text, "Done: work order") || r.env.Maximo.Stats().Writes != writes+1 {
		t.Fatalf("the yes after the restart: %q, writes %d → %d", reply.Text, writes, r.env.Maximo.Stats().Writes)
	}
	if n := len(tg.Sent()) - before; n != 2 {
		t.Fatalf("sent %d messages, want the one notification and the reply: %+v", n, tg.Sent()[before:])
	}
	drafts := 0
	for _, e := range readTraces(t, filepath.Join(r.dir, "traces")) {
		if e.Action == "workflow_step" && e.Operation == "analyze_alarm" {
			drafts++
		}
	}
	if drafts != 1 {
		t.Fatalf("alarm_to_workorder analysed the alarm %d times, want once", drafts)
	}
}
