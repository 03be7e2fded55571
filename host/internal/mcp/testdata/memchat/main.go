// Command memchat is a test-only messaging plugin: send increments the KV
// counter "sends" (reported by health in details.sends) and never reaches a
// network; poll returns nothing.
package main

import (
	"context"
	_ "embed"
	"strconv"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

//go:embed plugin.toml
var manifest string

func init() { pdk.RegisterMessaging(pdk.MustParseInfo(manifest), &chat{}) }

func main() {}

type chat struct{}

func sends(ctx context.Context) int {
	b, _, _ := pdk.KVGet(ctx, "sends")
	n, _ := strconv.Atoi(string(b))
	return n
}

func (chat) Init(context.Context, pdk.Config) error { return nil }

func (chat) Health(ctx context.Context) (abi.HealthResponse, error) {
	return abi.HealthResponse{Status: abi.HealthHealthy, Details: map[string]any{"sends": sends(ctx)}}, nil
}

func (chat) Send(ctx context.Context, req abi.SendRequest) (abi.SendResponse, error) {
	n := sends(ctx) + 1
	if err := pdk.KVSet(ctx, "sends", []byte(strconv.Itoa(n))); err != nil {
		return abi.SendResponse{}, err
	}
	return abi.SendResponse{Status: "sent", ChatID: req.ChatID, MessageID: "m" + strconv.Itoa(n), Parts: 1}, nil
}

func (chat) Poll(context.Context, abi.PollRequest) (abi.PollResponse, error) {
	return abi.PollResponse{}, nil
}
