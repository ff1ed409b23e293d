package bot

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// discordgo's own log lines reach the bot's logger, at their level, without
// the bot token or an interaction token. Not parallel: discordgo.Logger is
// one variable for the process.
func TestDiscordgoLogsAreRoutedAndScrubbed(t *testing.T) {
	prev := discordgo.Logger
	t.Cleanup(func() { discordgo.Logger = prev })
	var buf bytes.Buffer
	const token = "MTIz.bot-token.secret"
	RouteDiscordgoLogs(slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), token)

	discordgo.Logger(discordgo.LogError, 1, "request to %s failed: %s",
		"https://discord.com/api/v10/webhooks/123456789/aW50ZXJhY3Rpb246c2VjcmV0/messages/@original", "Bot "+token)
	discordgo.Logger(discordgo.LogWarning, 1, "rate limited")
	discordgo.Logger(discordgo.LogDebug, 1, "heartbeat")

	out := buf.String()
	for i, secret := range []string{token, "aW50ZXJhY3Rpb246c2VjcmV0"} {
		if strings.Contains(out, secret) {
			t.Fatalf("the log holds secret %d (0: the bot token, 1: an interaction token)", i)
		}
	}
	var levels []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec struct{ Level, Msg, Component string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON log line: %q", line)
		}
		if rec.Component != "discordgo" {
			t.Errorf("line %q: component %q, want discordgo", line, rec.Component)
		}
		levels = append(levels, rec.Level)
	}
	if got := strings.Join(levels, " "); got != "ERROR WARN DEBUG" {
		t.Errorf("levels %q, want ERROR WARN DEBUG", got)
	}
	if !strings.Contains(out, "webhooks/123456789/REDACTED") {
		t.Errorf("the webhook URL is not kept with its token redacted:\n%s", out)
	}
}
