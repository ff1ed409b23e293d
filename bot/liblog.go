package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// RouteDiscordgoLogs sends discordgo's own log lines to logger instead of
// stderr: at the matching level, in the bot's format (LOG_FORMAT=json too),
// and scrubbed like the bot's own lines: interaction tokens in webhook and
// interaction URLs are redacted and token (the bot token) never appears.
// discordgo's logger is one variable for the whole process, so serve sets it
// once, before any session starts; a process running several bots (tests)
// leaves it alone.
func RouteDiscordgoLogs(logger *slog.Logger, token string) {
	log := logger.With("component", "discordgo")
	discordgo.Logger = func(level, _ int, format string, a ...any) {
		msg := redact(fmt.Sprintf(format, a...))
		if token != "" {
			msg = strings.ReplaceAll(msg, token, "[token]")
		}
		log.Log(context.Background(), discordgoLevel(level), strings.TrimSpace(msg))
	}
}

// discordgoLevel maps discordgo's levels (LogError 0 … LogDebug 3) to slog's.
func discordgoLevel(level int) slog.Level {
	switch level {
	case discordgo.LogError:
		return slog.LevelError
	case discordgo.LogWarning:
		return slog.LevelWarn
	case discordgo.LogInformational:
		return slog.LevelInfo
	}
	return slog.LevelDebug
}
