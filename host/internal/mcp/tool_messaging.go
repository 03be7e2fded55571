package mcp

import (
	"context"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/router"
	"github.com/machina-go/machina/host/internal/sandbox"
)

// Messaging tools: machina_send_message.

type sent struct {
	Status  string `json:"status"`
	Channel string `json:"channel"`
}

func sendMessageTool() tool {
	return tool{Name: "machina_send_message", Capability: abi.CapSendMessage, Op: abi.OpSend,
		Output:      writeOutput[sent, sandbox.Blocked](),
		Description: "Send a text message to a technician: channel is a Telegram chat id or an email address. In sandbox mode nothing is sent.",
		Params: []param{
			{Name: "channel", Type: "string", Required: true, Description: "Telegram chat id or email address"},
			{Name: "text", Type: "string", Required: true, Description: "Message text"},
		},
		Run: func(ctx context.Context, r *router.Router, a *args) (any, error) {
			ch, text := a.str("channel"), a.str("text")
			if a.Err() != nil {
				return nil, a.Err()
			}
			res, err := r.SendMessage(ctx, ch, text)
			return sandboxedOr(res, err, func(res router.SendResult) sent { return sent{res.Status, res.Channel} })
		}}
}
