package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/hashicorp/go-hclog"
)

// MaxMessageLength is Telegram's limit on a text message, in UTF-16 code
// units.
const MaxMessageLength = 4096

// Options configures a Server.
type Options struct {
	// Token is the bot token the server accepts (required), in Telegram's
	// "<bot id>:<secret>" form or any non-empty string.
	Token string
	// Addr is the listen address (default 127.0.0.1:0).
	Addr string
	// BotName is the bot's username reported by getMe (default
	// machina_sim_bot).
	BotName string
	// MaxLongPoll caps the timeout parameter of getUpdates (default 50 s,
	// Telegram's own cap).
	MaxLongPoll time.Duration
	// Logger receives request logs (never the token). Default: null.
	Logger hclog.Logger
}

// User is a Telegram user.
type User struct {
	ID        int64  `json:"id"`
	IsBot     bool   `json:"is_bot"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name,omitempty"`
	Username  string `json:"username,omitempty"`
}

// Chat is a Telegram chat.
type Chat struct {
	ID       int64  `json:"id"`
	Type     string `json:"type"`
	Title    string `json:"title,omitempty"`
	Username string `json:"username,omitempty"`
}

// Message is a Telegram message. Only the fields Machina looks at are
// modelled; Sticker and Photo stand for any non-text content.
type Message struct {
	MessageID int64           `json:"message_id"`
	From      *User           `json:"from,omitempty"`
	Chat      Chat            `json:"chat"`
	Date      int64           `json:"date"`
	Text      string          `json:"text,omitempty"`
	Entities  []Entity        `json:"entities,omitempty"`
	Sticker   json.RawMessage `json:"sticker,omitempty"`
	Photo     json.RawMessage `json:"photo,omitempty"`
	Caption   string          `json:"caption,omitempty"`
}

// Entity is a message entity (only bot_command is produced).
type Entity struct {
	Type   string `json:"type"`
	Offset int    `json:"offset"`
	Length int    `json:"length"`
}

// Update is one getUpdates item.
type Update struct {
	UpdateID int64    `json:"update_id"`
	Message  *Message `json:"message,omitempty"`
}

// Sent is a message the bot sent through sendMessage.
type Sent struct {
	MessageID int64  `json:"message_id"`
	ChatID    string `json:"chat_id"`
	Text      string `json:"text"`
	ParseMode string `json:"parse_mode,omitempty"`
	// ReplyTo is reply_parameters.message_id (0: not a reply).
	ReplyTo int64 `json:"reply_to,omitempty"`
}

// Fault makes the next Times calls of Method (empty: any method) fail.
type Fault struct {
	// Method is a Bot API method name, e.g. "getUpdates" or "sendMessage";
	// empty matches every method.
	Method string
	// Status is the HTTP status: 429 answers Telegram's "Too Many
	// Requests" with parameters.retry_after = RetryAfter; 5xx answers a
	// gateway error.
	Status int
	// RetryAfter is the retry_after value of a 429, in seconds (default 1).
	RetryAfter int
	// Times is how many calls fail (default 1).
	Times int
	// Echo appends the request path (which carries the token) to the error
	// description, as some gateways echo the URL, so tests can check the
	// host scrubs it before the plugin sees it.
	Echo bool
}

// Server is a running Bot API simulator.
type Server struct {
	opts Options
	log  hclog.Logger
	ln   net.Listener
	srv  *http.Server
	done chan struct{}
	stop chan struct{}
	once sync.Once

	mu       sync.Mutex
	nextUpd  int64
	nextMsg  int64
	updates  []Update
	wake     chan struct{} // closed and replaced when updates arrive
	sent     []Sent
	sentWake chan struct{}
	faults   []Fault
	delay    time.Duration
	calls    map[string]int
	badToken int
}

// NewServer starts a simulator listening on opts.Addr.
func NewServer(opts Options) (*Server, error) {
	if opts.Token == "" {
		return nil, errors.New("telegram sim: a token is required")
	}
	if strings.ContainsAny(opts.Token, "/?#% \t\r\n") {
		return nil, errors.New("telegram sim: the token must be a single URL path segment")
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.BotName == "" {
		opts.BotName = "machina_sim_bot"
	}
	if opts.MaxLongPoll <= 0 {
		opts.MaxLongPoll = 50 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("telegram sim: %w", err)
	}
	s := &Server{
		opts: opts, log: opts.Logger, ln: ln, done: make(chan struct{}), stop: make(chan struct{}),
		nextUpd: 100000, nextMsg: 1,
		wake: make(chan struct{}), sentWake: make(chan struct{}),
		calls: map[string]int{},
	}
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// URL is the base URL to configure as the plugin's base_url, e.g.
// http://127.0.0.1:38211 (no trailing slash).
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Addr is the listening address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops the server and waits for it.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s.once.Do(func() { close(s.stop) }) // release long polls
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = s.srv.Close()
	}
	<-s.done
	return err
}

// InjectText queues an incoming text message from a user in a private chat
// (chat id = user id) and returns its update id. A text starting with "/"
// carries a bot_command entity, as Telegram sends it.
func (s *Server) InjectText(chatID int64, from User, text string) int64 {
	m := Message{From: &from, Chat: Chat{ID: chatID, Type: "private"}, Text: text}
	if strings.HasPrefix(text, "/") {
		cmd, _, _ := strings.Cut(text, " ")
		m.Entities = []Entity{{Type: "bot_command", Offset: 0, Length: len(utf16.Encode([]rune(cmd)))}}
	}
	return s.Inject(m)
}

// Inject queues any incoming message (MessageID and Date are filled in
// when zero) and returns its update id.
func (s *Server) Inject(m Message) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.MessageID == 0 {
		m.MessageID = s.nextMsg
		s.nextMsg++
	}
	if m.Date == 0 {
		m.Date = time.Now().Unix()
	}
	if m.Chat.Type == "" {
		m.Chat.Type = "private"
	}
	id := s.nextUpd
	s.nextUpd++
	s.updates = append(s.updates, Update{UpdateID: id, Message: &m})
	close(s.wake)
	s.wake = make(chan struct{})
	return id
}

// Pending returns the number of updates not yet confirmed by an offset.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

// Sent returns the messages the bot sent, in order.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// WaitSent waits until at least n messages were sent and returns them all.
func (s *Server) WaitSent(ctx context.Context, n int) ([]Sent, error) {
	for {
		s.mu.Lock()
		if len(s.sent) >= n {
			out := append([]Sent(nil), s.sent...)
			s.mu.Unlock()
			return out, nil
		}
		w := s.sentWake
		s.mu.Unlock()
		select {
		case <-w:
		case <-ctx.Done():
			return s.Sent(), fmt.Errorf("waiting for %d sent messages: %w", n, ctx.Err())
		}
	}
}

// Fail queues a fault.
func (s *Server) Fail(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	if f.Status == 429 && f.RetryAfter <= 0 {
		f.RetryAfter = 1
	}
	s.mu.Lock()
	s.faults = append(s.faults, f)
	s.mu.Unlock()
}

// SetDelay delays every response by d (0 switches it off).
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// Calls returns how many requests with a valid token reached method.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// BadTokenCalls returns how many requests carried a wrong token.
func (s *Server) BadTokenCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.badToken
}

// apiError is Telegram's error body.
type apiError struct {
	OK          bool           `json:"ok"`
	ErrorCode   int            `json:"error_code"`
	Description string         `json:"description"`
	Parameters  map[string]int `json:"parameters,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status int, desc string) {
	writeJSON(w, status, apiError{ErrorCode: status, Description: desc})
}

func writeOK(w http.ResponseWriter, result any) {
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": result})
}

// Handler returns the Bot API handler (the server uses it; tests may mount
// it elsewhere).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", s.serveAPI)
	mux.HandleFunc("POST /sim/inject", s.serveInject)
	mux.HandleFunc("GET /sim/sent", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, s.Sent()) })
	return mux
}

// serveInject lets a demo inject a message: {"chat_id":1,"text":"hi","first_name":"Ann"}.
func (s *Server) serveInject(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ChatID    int64  `json:"chat_id"`
		Text      string `json:"text"`
		FirstName string `json:"first_name"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in); err != nil || in.ChatID == 0 {
		writeErr(w, http.StatusBadRequest, "Bad Request: want {\"chat_id\": <int>, \"text\": \"...\"}")
		return
	}
	if in.FirstName == "" {
		in.FirstName = "Technician"
	}
	id := s.InjectText(in.ChatID, User{ID: in.ChatID, FirstName: in.FirstName}, in.Text)
	writeOK(w, map[string]int64{"update_id": id})
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	if !ok {
		writeErr(w, http.StatusNotFound, "Not Found")
		return
	}
	token, method, ok := strings.Cut(rest, "/")
	if !ok || token == "" {
		writeErr(w, http.StatusNotFound, "Not Found")
		return
	}
	if subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.Token)) != 1 {
		s.mu.Lock()
		s.badToken++
		s.mu.Unlock()
		s.log.Debug("request with a wrong token", "method", method)
		writeErr(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	params, err := readParams(r)
	if err != nil {
		writeErr(w, http.StatusBadRequest, "Bad Request: "+err.Error())
		return
	}
	s.mu.Lock()
	s.calls[method]++
	delay := s.delay
	fault, faulted := s.takeFault(method)
	s.mu.Unlock()
	s.log.Debug("bot api call", "method", method)
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if faulted {
		if fault.Status == http.StatusTooManyRequests {
			writeJSON(w, fault.Status, apiError{ErrorCode: 429,
				Description: fmt.Sprintf("Too Many Requests: retry after %d", fault.RetryAfter),
				Parameters:  map[string]int{"retry_after": fault.RetryAfter}})
		} else {
			desc := http.StatusText(fault.Status)
			if fault.Status == http.StatusBadRequest {
				desc = "Bad Request: rejected"
			}
			if fault.Echo {
				desc += " (" + r.URL.Path + ")"
			}
			writeErr(w, fault.Status, desc)
		}
		return
	}
	switch strings.ToLower(method) {
	case "getme":
		writeOK(w, User{ID: botID(s.opts.Token), IsBot: true, FirstName: "Machina Sim", Username: s.opts.BotName})
	case "getupdates":
		s.getUpdates(w, r, params)
	case "sendmessage":
		s.sendMessage(w, params)
	default:
		// Telegram answers 404 for an unknown method; this echoes the path,
		// as some gateways do, so tests can check the host scrubs it.
		writeErr(w, http.StatusNotFound, "Not Found: method "+r.URL.Path)
	}
}

// takeFault pops a matching fault; s.mu is held.
func (s *Server) takeFault(method string) (Fault, bool) {
	for i := range s.faults {
		f := &s.faults[i]
		if f.Method != "" && !strings.EqualFold(f.Method, method) {
			continue
		}
		out := *f
		f.Times--
		if f.Times <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return out, true
	}
	return Fault{}, false
}

func botID(token string) int64 {
	id, _, _ := strings.Cut(token, ":")
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return 1
	}
	return n
}

// readParams reads Bot API parameters from the query string and from a
// JSON, form or multipart body, as Telegram accepts them. JSON values are
// kept as raw JSON text; others as strings.
func readParams(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range r.URL.Query() {
		out[k] = v[0]
	}
	if r.Body == nil {
		return out, nil
	}
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/json"):
		var m map[string]json.RawMessage
		b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			return nil, err
		}
		if len(strings.TrimSpace(string(b))) == 0 {
			return out, nil
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, errors.New("invalid JSON body")
		}
		for k, v := range m {
			var s string
			if json.Unmarshal(v, &s) == nil {
				out[k] = s
			} else {
				out[k] = string(v)
			}
		}
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			return nil, err
		}
		v, err := url.ParseQuery(string(b))
		if err != nil {
			return nil, errors.New("invalid form body")
		}
		for k := range v {
			out[k] = v.Get(k)
		}
	}
	return out, nil
}

func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, p map[string]string) {
	offset, _ := strconv.ParseInt(p["offset"], 10, 64)
	limit, err := strconv.Atoi(p["limit"])
	if err != nil || limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(p["timeout"])
	wait := time.Duration(max(timeout, 0)) * time.Second
	if wait > s.opts.MaxLongPoll {
		wait = s.opts.MaxLongPoll
	}
	allowed := map[string]bool{}
	if a := p["allowed_updates"]; a != "" {
		var list []string
		if err := json.Unmarshal([]byte(a), &list); err != nil {
			writeErr(w, http.StatusBadRequest, "Bad Request: can't parse allowed updates")
			return
		}
		for _, u := range list {
			allowed[u] = true
		}
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		// An offset confirms every update with a smaller id.
		if offset > 0 {
			i := 0
			for i < len(s.updates) && s.updates[i].UpdateID < offset {
				i++
			}
			s.updates = s.updates[i:]
		}
		var res []Update
		for _, u := range s.updates {
			if len(allowed) > 0 && u.Message != nil && !allowed["message"] {
				continue
			}
			res = append(res, u)
			if len(res) == limit {
				break
			}
		}
		wake := s.wake
		s.mu.Unlock()
		if len(res) > 0 || wait == 0 {
			if res == nil {
				res = []Update{}
			}
			writeOK(w, res)
			return
		}
		select {
		case <-wake:
		case <-deadline.C:
			wait = 0
		case <-s.stop:
			wait = 0
		case <-r.Context().Done():
			return
		}
	}
}

func (s *Server) sendMessage(w http.ResponseWriter, p map[string]string) {
	chat := strings.TrimSpace(p["chat_id"])
	text := p["text"]
	if chat == "" {
		writeErr(w, http.StatusBadRequest, "Bad Request: chat_id is empty")
		return
	}
	if _, err := strconv.ParseInt(chat, 10, 64); err != nil && !strings.HasPrefix(chat, "@") {
		writeErr(w, http.StatusBadRequest, "Bad Request: chat not found")
		return
	}
	if strings.TrimSpace(text) == "" {
		writeErr(w, http.StatusBadRequest, "Bad Request: message text is empty")
		return
	}
	if n := len(utf16.Encode([]rune(text))); n > MaxMessageLength {
		writeErr(w, http.StatusBadRequest, "Bad Request: message is too long")
		return
	}
	mode := p["parse_mode"]
	switch mode {
	case "", "MarkdownV2":
	case "Markdown", "HTML":
	default:
		writeErr(w, http.StatusBadRequest, "Bad Request: unsupported parse_mode")
		return
	}
	if mode == "MarkdownV2" {
		if c, bad := unescapedReserved(text); bad {
			writeErr(w, http.StatusBadRequest, fmt.Sprintf("Bad Request: can't parse entities: Character '%c' is reserved and must be escaped with the preceding '\\'", c))
			return
		}
	}
	var reply struct {
		MessageID int64 `json:"message_id"`
	}
	if rp := p["reply_parameters"]; rp != "" {
		if err := json.Unmarshal([]byte(rp), &reply); err != nil {
			writeErr(w, http.StatusBadRequest, "Bad Request: can't parse reply parameters JSON object")
			return
		}
	}
	s.mu.Lock()
	id := s.nextMsg
	s.nextMsg++
	s.sent = append(s.sent, Sent{MessageID: id, ChatID: chat, Text: text, ParseMode: mode, ReplyTo: reply.MessageID})
	close(s.sentWake)
	s.sentWake = make(chan struct{})
	s.mu.Unlock()
	cid, _ := strconv.ParseInt(chat, 10, 64)
	writeOK(w, Message{MessageID: id, Chat: Chat{ID: cid, Type: "private"}, Date: time.Now().Unix(), Text: text,
		From: &User{ID: botID(s.opts.Token), IsBot: true, FirstName: "Machina Sim", Username: s.opts.BotName}})
}

// unescapedReserved finds a MarkdownV2 reserved character that is not
// escaped and cannot start markup (a simplification of Telegram's parser:
// markup characters such as * and _ are accepted).
func unescapedReserved(text string) (rune, bool) {
	esc := false
	for _, c := range text {
		if esc {
			esc = false
			continue
		}
		if c == '\\' {
			esc = true
			continue
		}
		if strings.ContainsRune(">#+-=|{}.!", c) {
			return c, true
		}
	}
	return 0, false
}
