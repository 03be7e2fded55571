package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// stateKey is the KV key of the poll state.
const stateKey = "poll_state"

// bot implements pdk.Messaging.
type bot struct {
	cfg   config
	now   func() time.Time
	sleep func(time.Duration)
}

func newBot() *bot { return &bot{now: time.Now, sleep: time.Sleep} }

// state is what the plugin keeps in KV between polls.
type state struct {
	// Offset is the next update id to ask for: every update below it was
	// acknowledged by the host (ABI 1.4), and getUpdates with it confirms
	// them to Telegram.
	Offset int64 `json:"offset"`
	// NotBefore (unix ms) is when Telegram's retry_after ends.
	NotBefore int64 `json:"not_before,omitempty"`
}

// Init reads the configuration.
func (b *bot) Init(_ context.Context, c pdk.Config) error {
	cfg, err := parseConfig(c)
	if err != nil {
		return err
	}
	b.cfg = cfg
	return nil
}

// Health calls getMe.
func (b *bot) Health(ctx context.Context) (abi.HealthResponse, error) {
	var me struct {
		Username string `json:"username"`
	}
	if err := b.call(ctx, "GET", "getMe", nil, 10*time.Second, &me); err != nil {
		e := toABI(err)
		st := abi.HealthUnhealthy
		if e.Code == abi.CodeUnavailable {
			st = abi.HealthDegraded
		}
		return abi.HealthResponse{Status: st, Message: e.Message}, nil
	}
	return abi.HealthResponse{Status: abi.HealthHealthy, Message: "bot @" + me.Username,
		Details: map[string]any{"bot": me.Username, "allowed_chats": len(b.cfg.allowed), "allow_all_chats": b.cfg.allowAll}}, nil
}

// apiError is a Bot API error answer (ok=false).
type apiError struct {
	Status      int
	Code        int    `json:"error_code"`
	Description string `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

func (e *apiError) Error() string {
	return fmt.Sprintf("telegram: HTTP %d: %s", e.Status, e.Description)
}

// abiError maps a Bot API error to an ABI error code: the Bot API answers
// 404 for a wrong token, and says how long to wait after a 429; everything
// else maps as for any upstream (pdk.StatusError).
func (e *apiError) abiError() *abi.Error {
	switch e.Status {
	case 401, 404:
		return abi.Unauthorized("telegram rejected the bot token (HTTP %d): check the url_path grant", e.Status)
	case 429:
		return abi.Unavailable("telegram rate limit: retry after %d s", e.Parameters.RetryAfter)
	}
	return pdk.StatusError(pdk.HTTPStatus{System: "telegram", Status: e.Status, Detail: e.Description, CallerData: true})
}

// toABI maps any error of call to an *abi.Error.
func toABI(err error) *abi.Error {
	if ae, ok := err.(*apiError); ok {
		return ae.abiError()
	}
	return abi.AsError(err)
}

// call invokes a Bot API method through the host. The URL carries the
// {{auth}} placeholder where the host inserts the token. A Bot API error is
// returned as *apiError; a host refusal or transport failure as *abi.Error.
func (b *bot) call(ctx context.Context, method, name string, params any, timeout time.Duration, out any) error {
	req := abi.HTTPRequest{Method: method, URL: b.cfg.baseURL + "/bot{{auth}}/" + name,
		Headers: map[string]string{"Accept": "application/json"}, TimeoutMS: int(timeout / time.Millisecond)}
	switch p := params.(type) {
	case nil:
	case url.Values:
		req.URL += "?" + p.Encode()
	default:
		body, err := json.Marshal(p)
		if err != nil {
			return abi.Internal("encoding %s: %v", name, err)
		}
		req.Body = body
		req.Headers["Content-Type"] = "application/json"
	}
	resp, err := pdk.HTTP(ctx, req)
	if err != nil {
		return err
	}
	var env struct {
		OK     bool            `json:"ok"`
		Result json.RawMessage `json:"result"`
		apiError
	}
	if jerr := json.Unmarshal(resp.Body, &env); jerr != nil {
		if resp.Status != 200 {
			return &apiError{Status: resp.Status, Description: "non-JSON error body"}
		}
		return abi.Upstream("telegram %s: invalid JSON answer", name)
	}
	if !env.OK || resp.Status != 200 {
		e := env.apiError
		e.Status = resp.Status
		if e.Description == "" {
			e.Description = "error"
		}
		return &e
	}
	if out != nil {
		if err := json.Unmarshal(env.Result, out); err != nil {
			return abi.Upstream("telegram %s: unexpected result: %v", name, err)
		}
	}
	return nil
}

// tgMessage is the part of a Telegram message the plugin reads.
type tgMessage struct {
	MessageID int64 `json:"message_id"`
	From      *struct {
		ID        int64  `json:"id"`
		IsBot     bool   `json:"is_bot"`
		FirstName string `json:"first_name"`
		Username  string `json:"username"`
	} `json:"from"`
	Chat struct {
		ID int64 `json:"id"`
	} `json:"chat"`
	Date     int64  `json:"date"`
	Text     string `json:"text"`
	Entities []struct {
		Type   string `json:"type"`
		Offset int    `json:"offset"`
	} `json:"entities"`
}

type tgUpdate struct {
	UpdateID int64      `json:"update_id"`
	Message  *tgMessage `json:"message"`
}

func (b *bot) loadState(ctx context.Context) (state, error) {
	var st state
	v, found, err := pdk.KVGet(ctx, stateKey)
	if err != nil {
		return st, err
	}
	if found {
		if err := json.Unmarshal(v, &st); err != nil {
			pdk.Log(ctx, abi.LogWarn, "poll state in KV is unreadable; starting from the oldest pending update", nil)
			return state{}, nil
		}
	}
	return st, nil
}

func (b *bot) saveState(ctx context.Context, st state) error {
	v, _ := json.Marshal(st)
	return pdk.KVSet(ctx, stateKey, v)
}

// Poll fetches new updates with long polling. It commits an acknowledged
// cursor (req.Ack, the next offset) first, and returns the batch with its
// own cursor without committing it: until the host acknowledges it, the
// same updates come back (at-least-once; the host de-duplicates by id).
func (b *bot) Poll(ctx context.Context, req abi.PollRequest) (abi.PollResponse, error) {
	out := abi.PollResponse{Messages: []abi.Message{}}
	st, err := b.loadState(ctx)
	if err != nil {
		return out, err
	}
	saved := st
	b.acknowledge(ctx, &st, req.Ack)
	if now := b.now().UnixMilli(); st.NotBefore > now {
		return out, b.saveIfChanged(ctx, saved, st) // Telegram asked us to wait (429 retry_after)
	}
	limit := b.cfg.pollLimit
	if req.Max > 0 && req.Max < limit {
		limit = req.Max
	}
	q := url.Values{
		"timeout":         {strconv.Itoa(b.cfg.pollTimeout)},
		"limit":           {strconv.Itoa(limit)},
		"allowed_updates": {`["message"]`},
	}
	if st.Offset > 0 {
		q.Set("offset", strconv.FormatInt(st.Offset, 10))
	}
	var updates []tgUpdate
	err = b.call(ctx, "GET", "getUpdates", q, time.Duration(b.cfg.pollTimeout+5)*time.Second, &updates)
	if ae, ok := err.(*apiError); ok && ae.Status == 429 {
		wait := max(ae.Parameters.RetryAfter, 1)
		st.NotBefore = b.now().Add(time.Duration(wait) * time.Second).UnixMilli()
		pdk.Log(ctx, abi.LogWarn, "telegram rate limit on getUpdates; backing off", map[string]any{"retry_after_s": wait})
		return out, b.saveIfChanged(ctx, saved, st)
	}
	if err != nil {
		if serr := b.saveIfChanged(ctx, saved, st); serr != nil {
			return out, serr
		}
		return out, toABI(err)
	}
	st.NotBefore = 0
	b.sortUpdates(ctx, updates, st.Offset, &out)
	// The offset itself moves only on the host's ack.
	if err := b.saveIfChanged(ctx, saved, st); err != nil {
		return abi.PollResponse{Messages: []abi.Message{}}, err
	}
	return out, nil
}

// acknowledge moves the committed offset to an acknowledged cursor.
func (b *bot) acknowledge(ctx context.Context, st *state, ack string) {
	if ack == "" {
		return
	}
	next, err := strconv.ParseInt(ack, 10, 64)
	if err != nil || next <= 0 {
		pdk.Log(ctx, abi.LogWarn, "ignoring an acknowledgement that is not an update offset", map[string]any{"ack": ack})
		return
	}
	st.Offset = max(st.Offset, next)
}

// saveIfChanged writes the state when it differs from what was loaded.
func (b *bot) saveIfChanged(ctx context.Context, loaded, st state) error {
	if st == loaded {
		return nil
	}
	return b.saveState(ctx, st)
}

// sortUpdates files each update as a message for the host or a refusal
// and sets out's cursor (the offset after the batch, from offset). The
// automatic answers (greeting, "text only") ride on the refusals (ABI 1.5):
// poll is a read operation, so the host sends them through send, once per
// message id.
func (b *bot) sortUpdates(ctx context.Context, updates []tgUpdate, offset int64, out *abi.PollResponse) {
	next := offset
	for _, u := range updates {
		next = max(next, u.UpdateID+1)
		m := u.Message
		if m == nil {
			continue
		}
		chat := strconv.FormatInt(m.Chat.ID, 10)
		id := chat + ":" + strconv.FormatInt(m.MessageID, 10)
		if !b.chatAllowed(chat) {
			out.Dropped = append(out.Dropped, abi.Dropped{ChatID: chat, Reason: "chat_not_allowed", ID: id})
			pdk.Log(ctx, abi.LogWarn, "unauthorized_chat: message dropped", map[string]any{"chat_id": chat})
			continue
		}
		if m.From != nil && m.From.IsBot {
			out.Dropped = append(out.Dropped, abi.Dropped{ChatID: chat, Reason: "from_bot", ID: id})
			continue
		}
		text := strings.TrimSpace(m.Text)
		switch {
		case text == "":
			out.Dropped = append(out.Dropped, abi.Dropped{ChatID: chat, Reason: "not_text", ID: id, Reply: &abi.AutoReply{Text: nonTextReply}})
		case isCommand(m):
			cmd := commandName(text)
			if cmd == "/start" || cmd == "/help" {
				out.Dropped = append(out.Dropped, abi.Dropped{ChatID: chat, Reason: "command_handled", ID: id, Reply: &abi.AutoReply{Text: b.cfg.greeting}})
			} else {
				out.Dropped = append(out.Dropped, abi.Dropped{ChatID: chat, Reason: "command_ignored", ID: id})
			}
		default:
			out.Messages = append(out.Messages, toMessage(m, chat))
		}
	}
	if len(updates) > 0 {
		out.Cursor = strconv.FormatInt(next, 10)
	}
}

func (b *bot) chatAllowed(chat string) bool { return b.cfg.allowAll || b.cfg.allowed[chat] }

func isCommand(m *tgMessage) bool {
	for _, e := range m.Entities {
		if e.Type == "bot_command" && e.Offset == 0 {
			return true
		}
	}
	return strings.HasPrefix(strings.TrimSpace(m.Text), "/")
}

// commandName returns "/start" for "/start@machina_bot arg".
func commandName(text string) string {
	cmd, _, _ := strings.Cut(text, " ")
	cmd, _, _ = strings.Cut(cmd, "@")
	return strings.ToLower(cmd)
}

func toMessage(m *tgMessage, chat string) abi.Message {
	msg := abi.Message{
		ID:        chat + ":" + strconv.FormatInt(m.MessageID, 10),
		Channel:   "telegram",
		ChatID:    chat,
		Text:      m.Text,
		ThreadID:  strconv.FormatInt(m.MessageID, 10), // a reply quotes it
		Timestamp: time.Unix(m.Date, 0).UTC(),
	}
	if m.From != nil {
		msg.UserID = strconv.FormatInt(m.From.ID, 10)
		msg.UserName = m.From.FirstName
	}
	return msg
}

// Send sends a text, split into parts when it is too long.
func (b *bot) Send(ctx context.Context, req abi.SendRequest) (abi.SendResponse, error) {
	// "telegram:<id>" is the host's channel syntax; accept it here too.
	chat := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(req.ChatID), "telegram:"))
	if c, err := canonicalChatID(chat); err == nil {
		chat = c
	} else if !(b.cfg.allowAll && strings.HasPrefix(chat, "@") && len(chat) > 1) {
		return abi.SendResponse{}, abi.InvalidArgument("chat_id %q: want an integer chat id", req.ChatID)
	}
	if !b.chatAllowed(chat) {
		return abi.SendResponse{}, abi.InvalidArgument("chat %s is not in allowed_chat_ids", chat)
	}
	if strings.TrimSpace(req.Text) == "" {
		return abi.SendResponse{}, abi.InvalidArgument("text is empty")
	}
	parts := splitText(req.Text, maxMessageUnits)
	var replyTo int64
	if n, err := strconv.ParseInt(strings.TrimSpace(req.ThreadID), 10, 64); err == nil && n > 0 {
		replyTo = n
	}
	var first string
	for i, p := range parts {
		if i > 0 {
			replyTo = 0 // only the first part quotes the message
		}
		id, err := b.sendPart(ctx, chat, p, b.cfg.markdown, replyTo)
		if err != nil {
			e := abi.AsError(err)
			if i > 0 {
				e = &abi.Error{Code: e.Code, Message: fmt.Sprintf("sent %d of %d parts: %s", i, len(parts), e.Message)}
			}
			return abi.SendResponse{}, e
		}
		if i == 0 {
			first = id
		}
	}
	return abi.SendResponse{Status: "sent", ChatID: chat, MessageID: first, Parts: len(parts)}, nil
}

// sendPart sends one part (quoting message replyTo when it is set),
// waiting out a 429 when retry_after is short and falling back to plain
// text when MarkdownV2 does not parse.
func (b *bot) sendPart(ctx context.Context, chat, text string, markdown bool, replyTo int64) (string, error) {
	var chatParam any = chat
	if n, err := strconv.ParseInt(chat, 10, 64); err == nil {
		chatParam = n
	}
	for attempt := 0; ; attempt++ {
		params := map[string]any{"chat_id": chatParam, "text": text}
		if markdown {
			params["parse_mode"] = "MarkdownV2"
		}
		if replyTo > 0 {
			params["reply_parameters"] = map[string]any{"message_id": replyTo, "allow_sending_without_reply": true}
		}
		var res struct {
			MessageID int64 `json:"message_id"`
		}
		err := b.call(ctx, "POST", "sendMessage", params, 15*time.Second, &res)
		if err == nil {
			return strconv.FormatInt(res.MessageID, 10), nil
		}
		ae, ok := err.(*apiError)
		if !ok {
			return "", err
		}
		switch {
		case ae.Status == 429 && attempt < 3 && ae.Parameters.RetryAfter <= b.cfg.maxSendWait:
			wait := max(ae.Parameters.RetryAfter, 1)
			pdk.Log(ctx, abi.LogWarn, "telegram rate limit on sendMessage; waiting", map[string]any{"retry_after_s": wait})
			b.sleep(time.Duration(wait) * time.Second)
		case ae.Status == 400 && markdown && strings.Contains(ae.Description, "can't parse entities"):
			pdk.Log(ctx, abi.LogInfo, "MarkdownV2 did not parse; sending the part as plain text", nil)
			markdown = false
		default:
			return "", ae.abiError()
		}
	}
}
