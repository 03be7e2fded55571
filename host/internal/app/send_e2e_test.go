package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/machina-go/machina/host/internal/demo"
	"github.com/machina-go/machina/internal/mcpclient"
	"github.com/mark3labs/mcp-go/client"
)

// callTool calls one tool through an in-process MCP client of the stack's
// server and returns its text and whether it is a tool error.
func callTool(t *testing.T, s *stack, name string, args map[string]any) (string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.NewInProcessClient(s.app.MCP.MCPServer())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := mcpclient.Initialize(ctx, c, "send-test", "1"); err != nil {
		t.Fatal(err)
	}
	text, isErr, err := mcpclient.Call(ctx, c, name, args)
	if err != nil {
		t.Fatal(err)
	}
	return text, isErr
}

// TestSendMessageRoutesBareTargetsLive: in live mode, with both Telegram and
// e-mail configured, machina_send_message sends a bare chat id to Telegram
// and a bare address by e-mail, as its schema says ("Telegram chat id or
// email address"); the channel: prefix still works, and a target of
// neither shape is refused naming the channels.
func TestSendMessageRoutesBareTargetsLive(t *testing.T) {
	s := newStack(t, false)
	tgBefore, mailBefore := len(s.env.Telegram.Sent()), len(s.env.Mail.Received())
	if text, isErr := callTool(t, s, "machina_send_message", map[string]any{"channel": "4242", "text": "bare chat id"}); isErr {
		t.Fatalf("bare chat id: %s", text)
	}
	if text, isErr := callTool(t, s, "machina_send_message", map[string]any{"channel": "telegram:4242", "text": "prefixed"}); isErr {
		t.Fatalf("telegram: prefix: %s", text)
	}
	if text, isErr := callTool(t, s, "machina_send_message", map[string]any{"channel": demo.TechnicianMail, "text": "bare address"}); isErr {
		t.Fatalf("bare address: %s", text)
	}
	sent := s.env.Telegram.Sent()[tgBefore:]
	if len(sent) != 2 || sent[0].ChatID != "4242" || sent[0].Text != "bare chat id" || sent[1].Text != "prefixed" {
		t.Fatalf("telegram received %+v", sent)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	mails, err := s.env.Mail.WaitReceived(ctx, mailBefore+1)
	if err != nil {
		t.Fatal(err)
	}
	got := mails[mailBefore]
	if len(got.To) != 1 || got.To[0] != demo.TechnicianMail || !strings.Contains(string(got.Data), "bare address") {
		t.Fatalf("mail received %+v", got)
	}
	text, isErr := callTool(t, s, "machina_send_message", map[string]any{"channel": "Ann Smith", "text": "x"})
	if !isErr || !strings.Contains(text, "telegram") || !strings.Contains(text, "email") {
		t.Fatalf("unroutable target: %v %s", isErr, text)
	}
}
