package telegram

// DefaultTokenEnv is the environment variable `machina sim telegram` reads
// the bot token from (never from the command line).
const DefaultTokenEnv = "MACHINA_TELEGRAM_BOT_TOKEN"
