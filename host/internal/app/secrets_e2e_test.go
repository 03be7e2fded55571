package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/machina-go/machina/internal/syncbuf"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/app"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/demo"
	machinamcp "github.com/machina-go/machina/host/internal/mcp"
	"github.com/machina-go/machina/host/internal/opctx"
	"github.com/machina-go/machina/host/internal/pluginload"
	"github.com/machina-go/machina/host/internal/secrets"
	"github.com/machina-go/machina/host/internal/testplugin"
	"github.com/machina-go/machina/host/internal/trace"
	"github.com/machina-go/machina/internal/mcpclient"
	"github.com/machina-go/machina/internal/sim/maximo"
	"github.com/machina-go/machina/internal/sim/sap"
	simtg "github.com/machina-go/machina/internal/sim/telegram"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

type syncBuffer = syncbuf.Buffer

// environ is the host's environment; the test changes it mid-run to rotate
// env: secrets.
type environ struct {
	mu sync.Mutex
	m  map[string]string
}

func (e *environ) Getenv(k string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.m[k]
}

func (e *environ) Setenv(k, v string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.m[k] = v
	return nil
}

// observed collects everything a client or a plugin was handed.
type observed struct {
	mu    sync.Mutex
	items []observation
}

type observation struct{ where, text string }

func (o *observed) add(where string, v any) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case []byte:
		s = string(x)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			s = fmt.Sprint(x)
		} else {
			s = string(b)
		}
	}
	o.mu.Lock()
	o.items = append(o.items, observation{where, s})
	o.mu.Unlock()
}

func randomSecret(prefix string) string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// forms are the encodings of a secret value a leak could take.
func forms(v string) []string {
	out := []string{v, url.QueryEscape(v), url.PathEscape(v)}
	for _, e := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		out = append(out, e.EncodeToString([]byte(v)))
	}
	return out
}

// leakIn returns a description of the first secret form found in text.
func leakIn(text string, secretForms map[string][]string) (string, bool) {
	for name, fs := range secretForms {
		for i, f := range fs {
			if f != "" && strings.Contains(text, f) {
				return fmt.Sprintf("secret %s (form %d)", name, i), true
			}
		}
	}
	return "", false
}

// hide replaces every secret form in s, so that failure messages never
// print a secret.
func hide(s string, secretForms map[string][]string) string {
	for name, fs := range secretForms {
		for _, f := range fs {
			if f != "" {
				s = strings.ReplaceAll(s, f, "<"+name+">")
			}
		}
	}
	return s
}

// TestSecretsNeverLeakEndToEnd is the acceptance test of issue #6: the four
// plugin secrets come from four sources (env:, file:, systemd: and a .env
// file), the MCP token from a tokens file; tool calls run over streamable
// HTTP and directly on the plugins, upstreams fail (503, 429, malformed
// JSON, wrong credentials after rotation) and echo credentials back (the
// SAP simulator reflects Authorization, the Telegram one echoes the token
// in the URL path); plugins log at debug level. No secret value (raw,
// base64, URL-escaped) may then appear in stderr, trace files, MCP
// responses, plugin outputs, what the policy host hands a plugin, or the
// plugins' persisted state.
func TestSecretsNeverLeakEndToEnd(t *testing.T) {
	start := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	env, err := demo.Start(ctx, demo.Options{PluginsDir: testplugin.DemoPlugins(t), ManualsDir: filepath.Join(testplugin.Root(), "samples", "manuals"),
		StateDir: dir, Listen: "127.0.0.1:0", Static: true,
		SecretSources: map[string]demo.SecretSource{
			"maximo_apikey":      demo.SourceEnv,
			"sap_client_secret":  demo.SourceFile,
			"telegram_bot_token": demo.SourceSystemd,
			"mail_password":      demo.SourceDotEnv,
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()

	// The environment: env: and systemd: come from the demo, the mail
	// password from its .env file, the log level from MACHINA_LOG_LEVEL.
	envs := &environ{m: map[string]string{"MACHINA_LOG_LEVEL": "debug"}}
	for k, v := range env.Environ {
		_ = envs.Setenv(k, v)
	}
	if env.DotEnvPath == "" || envs.Getenv("CREDENTIALS_DIRECTORY") == "" {
		t.Fatalf("demo did not use the requested sources: dotenv %q, environ keys %d", env.DotEnvPath, len(env.Environ))
	}
	if err := secrets.LoadDotEnv(env.DotEnvPath, envs.Setenv, nil); err != nil {
		t.Fatal(err)
	}
	cfgText, err := os.ReadFile(env.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`maximo_apikey = "env:`, `sap_client_secret = "file:`, `telegram_bot_token = "systemd:`, `mail_password = "env:`} {
		if !bytes.Contains(cfgText, []byte(want)) {
			t.Fatalf("machina.toml lacks %s", want)
		}
	}

	// Every value that must never show up, with the wrong values the test
	// rotates in (the host reads them as secrets too).
	values := map[string]string{"mcp_token": env.Token}
	for k, v := range env.Secrets {
		values[k] = v
	}
	wrong := map[string]string{
		"maximo_apikey":      randomSecret("mxk-wrong-"),
		"sap_client_secret":  randomSecret("sap-wrong-"),
		"telegram_bot_token": "7000001:" + randomSecret("wrong"),
		"mail_password":      randomSecret("mail-wrong-"),
	}
	for k, v := range wrong {
		values[k+"(rotated)"] = v
	}
	secretForms := map[string][]string{}
	for k, v := range values {
		secretForms[k] = forms(v)
	}

	cfg, err := config.Load(env.ConfigPath, envs.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Log.Level != "debug" || !cfg.Trace.HashChain {
		t.Fatalf("log level %q, hash chain %v: want debug and on", cfg.Log.Level, cfg.Trace.HashChain)
	}
	// SAP's client id rides with the secret in Basic auth at the token
	// endpoint: the encoded pair must not leak either.
	var sapClientID, sapBase string
	for _, p := range cfg.Plugins {
		if p.Name == "cmms-sap" {
			sapBase, _ = p.Config["base_url"].(string)
			for _, g := range p.Grant.HTTP {
				sapClientID = g.Auth.ClientID
			}
		}
	}
	if sapClientID == "" || sapBase == "" {
		t.Fatal("cmms-sap has no oauth2 grant in the demo configuration")
	}
	for _, s := range []struct{ name, v string }{{"sap_client_secret", values["sap_client_secret"]}, {"sap_client_secret(rotated)", wrong["sap_client_secret"]}} {
		pair := url.QueryEscape(sapClientID) + ":" + url.QueryEscape(s.v)
		secretForms[s.name] = append(secretForms[s.name], base64.StdEncoding.EncodeToString([]byte(pair)))
	}
	for _, s := range []struct{ name, v string }{{"mail_password", values["mail_password"]}, {"mail_password(rotated)", wrong["mail_password"]}} {
		plain := "\x00machina@plant.example\x00" + s.v
		secretForms[s.name] = append(secretForms[s.name], base64.StdEncoding.EncodeToString([]byte(plain)))
	}

	shareCompilationCache(t, cfg.DataDir)

	var stderr syncBuffer
	a, err := app.Build(ctx, cfg, app.All, app.Options{Stderr: &stderr, Getenv: envs.Getenv})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	closeApp := func() {
		if !closed {
			closed = true
			a.Close()
		}
	}
	defer closeApp()
	if f := a.Registry.Failures(); len(f) > 0 {
		t.Fatalf("components failed: %+v", f)
	}
	<-a.Ingested()
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	err = a.OPCUA.WaitConnected(wctx)
	wcancel()
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stopRun := context.WithCancel(ctx)
	runDone := make(chan struct{})
	go func() {
		defer close(runDone)
		_ = a.Run(runCtx)
	}()
	defer func() { stopRun(); <-runDone }()

	plugins := map[string]*pluginload.Loaded{}
	for _, l := range a.Plugins {
		plugins[l.Name] = l
	}
	for _, n := range []string{"cmms-maximo", "cmms-sap", "telegram", "email"} {
		if plugins[n] == nil {
			t.Fatalf("plugin %s not loaded", n)
		}
	}

	// MCP over streamable HTTP with the bearer token of the tokens file.
	tokens, err := machinamcp.NewTokenStore(machinamcp.TokenSource{Getenv: envs.Getenv, File: cfg.MCP.TokensFile, Logger: a.Logger.Named("mcp")})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveCtx, stopServe := context.WithCancel(ctx)
	serveDone := make(chan error, 1)
	go func() { serveDone <- a.MCP.Serve(serveCtx, ln, machinamcp.HTTPOptions{Tokens: tokens}) }()
	serveStopped := false
	stopMCP := func() {
		if !serveStopped {
			serveStopped = true
			stopServe()
			if err := <-serveDone; err != nil {
				t.Errorf("mcp serve: %v", err)
			}
		}
	}
	defer stopMCP()
	base := "http://" + ln.Addr().String()
	var obs observed
	health := func(where string) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/health", nil)
		req.Header.Set("Authorization", "Bearer "+env.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("health: %v", err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		obs.add("GET /health "+where, b)
	}
	health("at start") // the listener is bound: no readiness wait needed

	mc, err := client.NewStreamableHttpClient(base+machinamcp.MCPPath, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + env.Token}))
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Close()
	if err := mc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	ireq := mcp.InitializeRequest{}
	ireq.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	ireq.Params.ClientInfo = mcp.Implementation{Name: "secrets-e2e", Version: "1"}
	ires, err := mc.Initialize(ctx, ireq)
	if err != nil {
		t.Fatal(err)
	}
	obs.add("initialize", ires)

	// callTool runs a tool and records its whole result; it returns the text
	// and whether it is a tool error.
	callTool := func(t *testing.T, name string, args map[string]any) (string, bool) {
		t.Helper()
		req := mcp.CallToolRequest{}
		req.Params.Name = name
		req.Params.Arguments = args
		cctx, ccancel := context.WithTimeout(ctx, 60*time.Second)
		defer ccancel()
		res, err := mc.CallTool(cctx, req)
		if err != nil {
			obs.add("tools/call "+name+" error", err.Error())
			t.Fatalf("%s: %s", name, hide(err.Error(), secretForms))
		}
		obs.add("tools/call "+name, res)
		return mcpclient.Text(res), res.IsError
	}
	mustOK := func(t *testing.T, name string, args map[string]any) string {
		t.Helper()
		text, isErr := callTool(t, name, args)
		if isErr {
			t.Fatalf("%s %v: %s", name, args, hide(text, secretForms))
		}
		return text
	}
	mustFail := func(t *testing.T, name string, args map[string]any) string {
		t.Helper()
		text, isErr := callTool(t, name, args)
		if !isErr {
			t.Fatalf("%s %v: want a tool error, got %s", name, args, hide(text, secretForms))
		}
		return text
	}
	// callOp calls an operation on a loaded plugin and records the output or
	// the error.
	callOp := func(t *testing.T, plugin string, op abi.OpName, req, resp any) error {
		t.Helper()
		cctx, ccancel := context.WithTimeout(ctx, 60*time.Second)
		defer ccancel()
		err := plugins[plugin].Plugin.CallOp(cctx, op, req, resp)
		if err != nil {
			var ae *abi.Error
			if errors.As(err, &ae) {
				obs.add(plugin+" "+string(op)+" error", ae)
			}
			obs.add(plugin+" "+string(op)+" error text", err.Error())
			return err
		}
		obs.add(plugin+" "+string(op), resp)
		return nil
	}
	// hostRequest makes an HTTP request as the plugin would, through its
	// policy host, and records what the plugin would be handed.
	hostRequest := func(t *testing.T, plugin string, req abi.HTTPRequest) abi.HTTPResponse {
		t.Helper()
		cctx, ccancel := context.WithTimeout(ctx, 30*time.Second)
		defer ccancel()
		// As from within a write operation, so declared writes pass too.
		cctx = opctx.With(cctx, string(map[bool]abi.OpName{true: abi.OpSend, false: abi.OpCreateWorkOrder}[plugin == "telegram"]))
		resp := plugins[plugin].Host.HTTPRequest(cctx, req)
		obs.add(plugin+" host http "+req.URL, resp)
		obs.add(plugin+" host http body "+req.URL, resp.Body)
		return resp
	}

	t.Run("MCPTools", func(t *testing.T) {
		asset := env.FirstCriticalAsset()
		mustOK(t, "machina_list_assets", nil)
		mustOK(t, "machina_get_asset", map[string]any{"asset_id": asset})
		wos := mustOK(t, "machina_list_work_orders", map[string]any{"asset_id": asset})
		if id := woID.FindString(wos); id != "" {
			mustOK(t, "machina_get_work_order", map[string]any{"work_order_id": id})
		}
		mustFail(t, "machina_get_work_order", map[string]any{"work_order_id": "WO-NOPE-404"})
		mustOK(t, "machina_list_spare_parts", nil)
		mustOK(t, "machina_get_maintenance_plan", nil)
		mustOK(t, "machina_get_maintenance_history", map[string]any{"asset_id": asset})
		mustOK(t, "machina_create_work_order", map[string]any{"asset_id": asset, "description": "Secrets e2e: inspect the seal"})
		mustOK(t, "machina_search_manuals", map[string]any{"query": "mechanical seal replacement", "top_k": 3})
		mustOK(t, "machina_get_sensor_reading", map[string]any{"asset_id": "P-101"})
		mustOK(t, "machina_get_alarms", nil)
		before := len(env.Telegram.Sent())
		mustOK(t, "machina_send_message", map[string]any{"channel": fmt.Sprintf("telegram:%d", demo.TelegramChat), "text": "Secrets e2e: P-101 check"})
		if n := len(env.Telegram.Sent()); n != before+1 {
			t.Fatalf("telegram sent %d → %d", before, n)
		}
		got := len(env.Mail.Received())
		mustOK(t, "machina_send_message", map[string]any{"channel": "email:tech@plant.example", "text": "Secrets e2e: P-101 check by mail"})
		wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
		defer wcancel()
		if _, err := env.Mail.WaitReceived(wctx, got+1); err != nil {
			t.Fatalf("mail not delivered: %v", err)
		}
	})

	t.Run("PluginsDirectly", func(t *testing.T) {
		for _, p := range []string{"cmms-maximo", "cmms-sap"} {
			var la abi.ListAssetsResponse
			if err := callOp(t, p, abi.OpListAssets, abi.ListAssetsRequest{Limit: 5}, &la); err != nil {
				t.Fatalf("%s list_assets: %v", p, err)
			}
			if len(la.Assets) == 0 {
				t.Fatalf("%s: no assets", p)
			}
			var ga abi.GetAssetResponse
			if err := callOp(t, p, abi.OpGetAsset, abi.GetAssetRequest{AssetID: la.Assets[0].ID}, &ga); err != nil {
				t.Fatalf("%s get_asset: %v", p, err)
			}
			var lw abi.ListWorkOrdersResponse
			if err := callOp(t, p, abi.OpListWorkOrders, abi.ListWorkOrdersRequest{Limit: 5}, &lw); err != nil {
				t.Fatalf("%s list_work_orders: %v", p, err)
			}
			var ls abi.ListSparePartsResponse
			if err := callOp(t, p, abi.OpListSpareParts, abi.ListSparePartsRequest{Limit: 5}, &ls); err != nil {
				t.Fatalf("%s list_spare_parts: %v", p, err)
			}
			var h abi.HealthResponse
			if err := callOp(t, p, abi.OpHealth, abi.HealthRequest{}, &h); err != nil {
				t.Fatalf("%s health: %v", p, err)
			}
			if err := callOp(t, p, abi.OpGetAsset, abi.GetAssetRequest{AssetID: "NO-SUCH-ASSET"}, &ga); err == nil {
				t.Fatalf("%s get_asset of a missing asset: want an error", p)
			}
		}
	})

	t.Run("MaximoFaults", func(t *testing.T) {
		defer env.Maximo.SetFaults(maximo.Faults{})
		for _, f := range []maximo.Faults{{Unavailable: -1}, {RateLimit: -1, RetryAfter: 0}, {Malformed: -1}} {
			env.Maximo.SetFaults(f)
			mustFail(t, "machina_list_assets", nil)
			if f.Unavailable != 0 {
				continue // the plugin backs off 3.5 s on 503: once is enough
			}
			var la abi.ListAssetsResponse
			if err := callOp(t, "cmms-maximo", abi.OpListAssets, abi.ListAssetsRequest{}, &la); err == nil {
				t.Fatalf("faults %+v: want an error", f)
			}
		}
		env.Maximo.SetFaults(maximo.Faults{})
		// Rotate the env: API key to a wrong value: 401 upstream.
		key := "MACHINA_DEMO_MAXIMO_APIKEY"
		good := envs.Getenv(key)
		_ = envs.Setenv(key, wrong["maximo_apikey"])
		fails := env.Maximo.Stats().AuthFailures
		mustFail(t, "machina_get_asset", map[string]any{"asset_id": "P-101"})
		if env.Maximo.Stats().AuthFailures == fails {
			t.Fatal("the rotated (wrong) Maximo key never reached the simulator")
		}
		_ = envs.Setenv(key, good)
		mustOK(t, "machina_get_asset", map[string]any{"asset_id": "P-101"})
	})

	t.Run("SAPFaultsAndReflection", func(t *testing.T) {
		defer env.SAP.SetFaults(sap.Faults{})
		for _, f := range []sap.Faults{{Unavailable: -1}, {RateLimit: -1}, {Malformed: -1}, {ReflectHeaders: -1}} {
			env.SAP.SetFaults(f)
			var la abi.ListAssetsResponse
			if err := callOp(t, "cmms-sap", abi.OpListAssets, abi.ListAssetsRequest{}, &la); err == nil {
				t.Fatalf("faults %+v: want an error", f)
			}
		}
		// What a plugin is handed when the upstream reflects the
		// Authorization header (the host's bearer access token).
		env.SAP.SetFaults(sap.Faults{ReflectHeaders: 1})
		resp := hostRequest(t, "cmms-sap", abi.HTTPRequest{Method: "GET", URL: sapBase + "/API_EQUIPMENT/Equipment?$top=1",
			Headers: map[string]string{"sap-client": "100", "Accept": "application/json"}})
		// The simulator did reflect the header, and the host replaced the
		// value before handing the body to the plugin.
		if resp.Status != 500 || !bytes.Contains(resp.Body, []byte("Authorization=Bearer "+secrets.Redacted)) {
			t.Fatalf("reflection fault not observed or not scrubbed: status %d, body %q", resp.Status, hide(string(resp.Body), secretForms))
		}
		env.SAP.SetFaults(sap.Faults{})
		// Rotate the file: client secret to a wrong value and expire the
		// access tokens: the token endpoint refuses it.
		path := strings.TrimPrefix(cfg.Secrets["sap_client_secret"], "file:")
		good, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(wrong["sap_client_secret"]+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		env.SAP.ExpireAccessTokens()
		var la abi.ListAssetsResponse
		if err := callOp(t, "cmms-sap", abi.OpListAssets, abi.ListAssetsRequest{}, &la); err == nil {
			t.Fatal("a wrong SAP client secret: want an error")
		}
		if err := os.WriteFile(path, good, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := callOp(t, "cmms-sap", abi.OpListAssets, abi.ListAssetsRequest{}, &la); err != nil {
			t.Fatalf("after restoring the SAP secret: %v", err)
		}
		// OAuth2 access tokens the SAP simulator issued ("sapat-…") are
		// derived secrets: add them to the checked values (CSRF tokens are
		// handed to the plugin by design and are not).
		for i, v := range env.SAP.IssuedSecrets() {
			if strings.HasPrefix(v, "sapat-") {
				secretForms[fmt.Sprintf("sap_issued_%d", i)] = []string{v}
			}
		}
	})

	t.Run("TelegramFaultsAndEcho", func(t *testing.T) {
		chat := fmt.Sprintf("telegram:%d", demo.TelegramChat)
		// A gateway error that echoes the URL path (with the token).
		env.Telegram.Fail(simtg.Fault{Method: "sendMessage", Status: http.StatusBadGateway, Echo: true, Times: 10})
		mustFail(t, "machina_send_message", map[string]any{"channel": chat, "text": "Secrets e2e: echo"})
		env.Telegram.Fail(simtg.Fault{Method: "sendMessage", Status: http.StatusTooManyRequests, RetryAfter: 1, Times: 10})
		mustFail(t, "machina_send_message", map[string]any{"channel": chat, "text": "Secrets e2e: 429"})
		// Drain what is left of the queued faults through the host as the
		// plugin would: each answer is what the plugin would see.
		tg := env.Telegram.URL()
		sawEcho := false
		for range 20 {
			resp := hostRequest(t, "telegram", abi.HTTPRequest{Method: "POST", URL: tg + "/bot{{auth}}/sendMessage",
				Headers: map[string]string{"Content-Type": "application/json"}, Body: []byte(fmt.Sprintf(`{"chat_id":%d,"text":"drain"}`, demo.TelegramChat))})
			if resp.Status == http.StatusBadGateway && bytes.Contains(resp.Body, []byte("/bot"+secrets.Redacted+"/sendMessage")) {
				sawEcho = true
			}
			if resp.Status == 200 {
				break
			}
		}
		if !sawEcho {
			t.Fatal("no echoed (and scrubbed) token path was handed to the plugin")
		}
		// Telegram answers an unknown method with the path, token included;
		// the plugin's manifest does not declare one, so the host refuses
		// it before it leaves (and the refusal names the template, not the
		// token).
		resp := hostRequest(t, "telegram", abi.HTTPRequest{Method: "POST", URL: tg + "/bot{{auth}}/noSuchMethod",
			Headers: map[string]string{"Content-Type": "application/json"}, Body: []byte(`{}`)})
		if resp.Error == nil || !strings.Contains(resp.Error.Message, "POST /bot{{auth}}/noSuchMethod is not a request the plugin declared") {
			t.Fatalf("unknown method: status %d, error %v", resp.Status, resp.Error)
		}
		// Rotate the systemd credential to a wrong token: 401 upstream.
		path := filepath.Join(envs.Getenv("CREDENTIALS_DIRECTORY"), "telegram_bot_token")
		good, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		bad := env.Telegram.BadTokenCalls()
		if err := os.WriteFile(path, []byte(wrong["telegram_bot_token"]+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		mustFail(t, "machina_send_message", map[string]any{"channel": chat, "text": "Secrets e2e: wrong token"})
		if err := os.WriteFile(path, good, 0o600); err != nil {
			t.Fatal(err)
		}
		if env.Telegram.BadTokenCalls() == bad {
			t.Fatal("the rotated (wrong) Telegram token never reached the simulator")
		}
		mustOK(t, "machina_send_message", map[string]any{"channel": chat, "text": "Secrets e2e: token restored"})
	})

	t.Run("MailWrongPassword", func(t *testing.T) {
		key := "MACHINA_DEMO_MAIL_PASSWORD"
		good := envs.Getenv(key)
		_ = envs.Setenv(key, wrong["mail_password"])
		mustFail(t, "machina_send_message", map[string]any{"channel": "email:tech@plant.example", "text": "Secrets e2e: wrong password"})
		_ = envs.Setenv(key, good)
		mustOK(t, "machina_send_message", map[string]any{"channel": "email:tech@plant.example", "text": "Secrets e2e: password restored"})
	})

	t.Run("IncomingMessagesCarryingSecrets", func(t *testing.T) {
		// A technician pastes credentials into a chat and a mail: the host
		// scrubs upstream responses before the plugins see them, so
		// neither the plugins' state nor the logs may hold them.
		env.Telegram.InjectText(demo.TelegramChat, simtg.User{ID: 7, FirstName: "Ann"},
			"is this the key? "+values["maximo_apikey"])
		raw := "From: Tech <tech@plant.example>\r\nTo: machina@plant.example\r\nSubject: creds " + values["mail_password"] +
			"\r\nMessage-ID: <secrets-e2e@plant.example>\r\n\r\nthe bot token is " + values["telegram_bot_token"] + "\r\n"
		if err := env.Mail.Deliver("machina@plant.example", []byte(raw)); err != nil {
			t.Fatal(err)
		}
		kvDir := filepath.Join(cfg.DataDir, "kv")
		deadline := time.Now().Add(30 * time.Second)
		for {
			_, e1 := os.Stat(filepath.Join(kvDir, "telegram.json"))
			_, e2 := os.Stat(filepath.Join(kvDir, "email.json"))
			n, _ := env.Mail.Unseen("machina@plant.example")
			if e1 == nil && e2 == nil && n == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("plugins never stored their poll state (telegram %v, email %v, unseen %d)", e1, e2, n)
			}
			time.Sleep(20 * time.Millisecond) // polling an external observation with a deadline
		}
	})

	health("at end")
	// Stop everything so that every log line and trace entry is written.
	_ = mc.Close()
	stopMCP()
	stopRun()
	<-runDone
	closeApp()

	t.Run("NoLeakInStderr", func(t *testing.T) {
		out := stderr.String()
		if !strings.Contains(out, "[DEBUG]") && !strings.Contains(out, `"@level":"debug"`) {
			t.Error("no debug line on stderr: the log level override did not apply")
		}
		if !strings.Contains(out, "telegram") || !strings.Contains(out, "cmms-sap") {
			t.Error("stderr lacks plugin log lines")
		}
		for i, line := range strings.Split(out, "\n") {
			if what, bad := leakIn(line, secretForms); bad {
				t.Errorf("stderr line %d contains %s", i+1, what)
			}
		}
	})

	t.Run("NoLeakInTraces", func(t *testing.T) {
		tdir := cfg.Trace.Dir
		rep, err := trace.Verify(tdir)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK || rep.Entries == 0 || rep.Unchained != 0 {
			t.Fatalf("trace chain: %+v", rep)
		}
		files, err := filepath.Glob(filepath.Join(tdir, "*"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no trace files in %s (%v)", tdir, err)
		}
		sawFault := false
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(b, []byte(`"success":false`)) {
				sawFault = true
			}
			for i, line := range strings.Split(string(b), "\n") {
				if what, bad := leakIn(line, secretForms); bad {
					t.Errorf("trace %s line %d contains %s", filepath.Base(f), i+1, what)
				}
			}
		}
		if !sawFault {
			t.Error("no failed call was traced")
		}
	})

	t.Run("NoLeakInResponsesOrPluginData", func(t *testing.T) {
		obs.mu.Lock()
		items := append([]observation(nil), obs.items...)
		obs.mu.Unlock()
		if len(items) < 40 {
			t.Fatalf("only %d observations", len(items))
		}
		for _, it := range items {
			if what, bad := leakIn(it.text, secretForms); bad {
				t.Errorf("%s contains %s", it.where, what)
			}
		}
	})

	t.Run("NoLeakInPluginState", func(t *testing.T) {
		kvFiles := 0
		err := filepath.WalkDir(cfg.DataDir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "cache" && filepath.Dir(p) == cfg.DataDir {
					return filepath.SkipDir // compiled wasm
				}
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if what, bad := leakIn(string(b), secretForms); bad {
				t.Errorf("%s contains %s", p, what)
			}
			// Key-value stores keep base64 values: decode and check them.
			var kv map[string]string
			if strings.HasSuffix(p, ".json") && json.Unmarshal(b, &kv) == nil {
				kvFiles++
				for k, v := range kv {
					dec, err := base64.StdEncoding.DecodeString(v)
					if err != nil {
						continue
					}
					if what, bad := leakIn(string(dec), secretForms); bad {
						t.Errorf("kv %s key %q contains %s", filepath.Base(p), k, what)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if kvFiles == 0 {
			t.Error("no plugin key-value state was written (telegram keeps its poll offset there)")
		}
	})
	t.Logf("secrets end-to-end test ran in %s", time.Since(start).Round(time.Millisecond))
}
