// Package messaging routes messages between Machina and its messaging
// plugins (Telegram, e-mail): SendTo(ctx, channel, chatID, text) delivers
// a text through a named channel (operation send), Send(ctx, target, text)
// does the same for machina_send_message's single "channel" argument, and
// Run keeps one poll loop per channel (operation
// poll) that hands each incoming message to a Handler and sends the
// handler's reply back in the same conversation.
//
// Targets. Send(ctx, target, text) takes the reference's single
// "channel" argument of machina_send_message and reads it as
//
//	<channel>:<chat id>   e.g. "telegram:123456789", "telegram:-1001234",
//	                      "email:ann@plant.example"
//	<chat id>             a bare chat id or address: sent through the only
//	                      configured channel, else through the one channel
//	                      that takes that kind of id — a number or
//	                      @username for a chat channel (Telegram), an
//	                      address for a mail channel (Channel.Address) —
//	                      and an error naming the channels otherwise
//
// where <channel> is the plugin name. A prefix that is not a channel name
// is part of a bare id.
//
// Sandbox. send is a write in the host's operation table: when the
// sandbox gate (package sandbox) is on, Send never calls the plugin and
// returns the reference's synthesised result (status "blocked",
// "[SANDBOX — no real message sent]", metadata.sandbox = true); replies of
// the poll loop are blocked the same way. Polling (a read) continues.
//
// Poll loops back off exponentially (1 s doubling up to MaxBackoff) while a
// channel fails, and wait MinPollInterval after a poll that returned
// nothing quickly, so a plugin that answers at once (e.g. while honouring
// Telegram's retry_after) cannot spin. Messages a plugin dropped (not on
// its allow-list, unsupported content) are logged and traced.
//
// The default handler (EchoHandler) only logs; it replies
// "Received: <text>" when configured to. The agent plugs in its own
// Handler.
//
// It must not interpret message content, decide what a plugin may reach
// (package policy), or talk to a network itself: every byte goes through a
// plugin operation.
package messaging
