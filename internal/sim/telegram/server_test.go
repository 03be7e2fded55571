package telegram_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/machina-go/machina/internal/sim/telegram"
)

const token = "42:sim-token"

func start(t *testing.T) *telegram.Server {
	t.Helper()
	s, err := telegram.NewServer(telegram.Options{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type answer struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

func call(t *testing.T, ctx context.Context, url string, body any) (int, answer) {
	t.Helper()
	var req *http.Request
	var err error
	if body == nil {
		req, err = http.NewRequestWithContext(ctx, "GET", url, nil)
	} else {
		b, _ := json.Marshal(body)
		req, err = http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
	}
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var a answer
	if err := json.Unmarshal(data, &a); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	return resp.StatusCode, a
}

func TestTokenChecking(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	if st, a := call(t, ctx, s.URL()+"/bot42:wrong/getMe", nil); st != 401 || a.OK || a.Description != "Unauthorized" {
		t.Fatalf("wrong token: %d %+v", st, a)
	}
	if st, _ := call(t, ctx, s.URL()+"/getMe", nil); st != 404 {
		t.Fatalf("no token: %d", st)
	}
	if st, a := call(t, ctx, s.URL()+"/bot"+token+"/getMe", nil); st != 200 || !a.OK {
		t.Fatalf("getMe: %d %+v", st, a)
	}
	if s.BadTokenCalls() != 1 || s.Calls("getMe") != 1 {
		t.Fatalf("counters: bad %d, getMe %d", s.BadTokenCalls(), s.Calls("getMe"))
	}
}

func TestOffsetConfirmsUpdates(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	first := s.InjectText(1, telegram.User{ID: 1, FirstName: "A"}, "one")
	s.InjectText(1, telegram.User{ID: 1, FirstName: "A"}, "/start")
	_, a := call(t, ctx, s.URL()+"/bot"+token+"/getUpdates?timeout=0", nil)
	var ups []telegram.Update
	_ = json.Unmarshal(a.Result, &ups)
	if len(ups) != 2 || ups[0].UpdateID != first || ups[1].Message.Entities[0].Type != "bot_command" {
		t.Fatalf("updates = %s", a.Result)
	}
	// Without a new offset the same updates come again; with it they go.
	_, a = call(t, ctx, s.URL()+"/bot"+token+"/getUpdates?timeout=0&offset="+itoa(first+1), nil)
	_ = json.Unmarshal(a.Result, &ups)
	if len(ups) != 1 || s.Pending() != 1 {
		t.Fatalf("after offset: %s (pending %d)", a.Result, s.Pending())
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestLongPollWakesOnInject(t *testing.T) {
	s := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	got := make(chan answer, 1)
	go func() {
		var a answer
		req, _ := http.NewRequestWithContext(ctx, "GET", s.URL()+"/bot"+token+"/getUpdates?timeout=15", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = json.NewDecoder(resp.Body).Decode(&a)
			resp.Body.Close()
		}
		got <- a
	}()
	// The long poll is waiting; once it has reached the server, inject.
	for s.Calls("getUpdates") == 0 {
		select {
		case <-ctx.Done():
			t.Fatal("long poll never arrived")
		case <-time.After(5 * time.Millisecond):
		}
	}
	s.InjectText(7, telegram.User{ID: 7, FirstName: "B"}, "wake up")
	select {
	case a := <-got:
		if !strings.Contains(string(a.Result), "wake up") {
			t.Fatalf("result = %s", a.Result)
		}
	case <-ctx.Done():
		t.Fatal("long poll did not wake")
	}
}

func TestSendMessageAndFaults(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	url := s.URL() + "/bot" + token + "/sendMessage"
	if st, a := call(t, ctx, url, map[string]any{"chat_id": 5, "text": "hello"}); st != 200 || !a.OK {
		t.Fatalf("send: %d %+v", st, a)
	}
	if st, a := call(t, ctx, url, map[string]any{"chat_id": 5, "text": strings.Repeat("x", 4097)}); st != 400 || a.Description != "Bad Request: message is too long" {
		t.Fatalf("too long: %d %+v", st, a)
	}
	if st, _ := call(t, ctx, url, map[string]any{"chat_id": 5, "text": "4.2 bar", "parse_mode": "MarkdownV2"}); st != 400 {
		t.Fatalf("unescaped MarkdownV2 accepted: %d", st)
	}
	s.Fail(telegram.Fault{Method: "sendMessage", Status: 429, RetryAfter: 7})
	if st, a := call(t, ctx, url, map[string]any{"chat_id": 5, "text": "x"}); st != 429 || a.Parameters.RetryAfter != 7 {
		t.Fatalf("429: %d %+v", st, a)
	}
	s.Fail(telegram.Fault{Status: 502, Times: 2})
	for range 2 {
		if st, _ := call(t, ctx, url, map[string]any{"chat_id": 5, "text": "x"}); st != 502 {
			t.Fatalf("502 fault: %d", st)
		}
	}
	if st, _ := call(t, ctx, url, map[string]any{"chat_id": 5, "text": "x"}); st != 200 {
		t.Fatalf("after faults: %d", st)
	}
	sent, err := s.WaitSent(ctx, 2)
	if err != nil || sent[0].Text != "hello" || sent[0].ChatID != "5" {
		t.Fatalf("sent = %+v, %v", sent, err)
	}
}
