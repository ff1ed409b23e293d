// Command fakediscord runs the fake Discord of package
// github.com/storybot/storybot/bot/discordtest as a standalone server, so
// that a shell script can drive `storybot serve` end to end without the
// internet.
//
//	go run ./cmd/fakediscord -addr 127.0.0.1:0 > fake.out 2> fake.log &
//	DISCORD_API_URL=$(head -n1 fake.out | cut -d= -f2-)   # first stdout line
//
// The first line on stdout is DISCORD_API_URL=http://127.0.0.1:PORT; point
// the bot at it. Every REST call the bot makes is logged to stderr. The
// control API on the same origin (see the discordtest package doc)
// dispatches events and reports what the bot did:
//
//	curl -s "$DISCORD_API_URL/_test/ready?timeout=30s"
//	id=$(curl -s -XPOST "$DISCORD_API_URL/_test/interact" \
//	    -d '{"command":"ask","options":{"question":"Who?"},"locale":"de"}' | jq -r .id)
//	curl -s "$DISCORD_API_URL/_test/interactions/$id?wait=1&timeout=60s"
//	curl -s -XPOST "$DISCORD_API_URL/_test/message" -d '{"content":"hi","mention_bot":true}'
//	curl -s "$DISCORD_API_URL/_test/wait?method=POST&path=/channels/*/messages&timeout=60s"
//	curl -s "$DISCORD_API_URL/_test/calls"
//
// It runs until interrupted (SIGINT/SIGTERM).
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/storybot/storybot/bot/discordtest"
)

func main() {
	var (
		addr       = flag.String("addr", "127.0.0.1:0", "listen address")
		appID      = flag.String("app-id", "", "application (and bot user) id; default "+discordtest.DefaultAppID)
		guildID    = flag.String("guild-id", "", "guild id; default "+discordtest.DefaultGuildID)
		channelID  = flag.String("channel-id", "", "default channel id; default "+discordtest.DefaultChannelID)
		token      = flag.String("token", "", "bot token to require (without \"Bot \"); empty accepts any")
		heartbeat  = flag.Duration("heartbeat", discordtest.DefaultHeartbeatInterval, "gateway heartbeat interval")
		deadline   = flag.Duration("callback-deadline", 0, "fail interaction callbacks later than this (Discord: 3s); 0 = off")
		content    = flag.Bool("message-content", false, "allow the privileged MessageContent intent")
		echo       = flag.Bool("echo", false, "dispatch MESSAGE_CREATE for the bot's own messages")
		noValidate = flag.Bool("no-validate", false, "do not check Discord's limits")
		quiet      = flag.Bool("quiet", false, "do not log REST calls")
		guilds     = flag.String("extra-guilds", "", "comma-separated ids of more guilds the bot is in (events routed by shard)")
		shards     = flag.Int("shards", 1, "shard count GET /gateway/bot recommends")
		maxConc    = flag.Int("max-concurrency", 1, "session_start_limit.max_concurrency of GET /gateway/bot")
		starts     = flag.Int("session-starts", 1000, "session_start_limit.remaining of GET /gateway/bot (counts down per IDENTIFY)")
	)
	flag.Parse()
	logger := log.New(os.Stderr, "fakediscord: ", log.Ltime|log.Lmicroseconds)

	opts := discordtest.Options{
		Addr: *addr, AppID: *appID, GuildID: *guildID, ChannelID: *channelID, Token: *token,
		HeartbeatInterval: *heartbeat, CallbackDeadline: *deadline, EchoBotMessages: *echo,
		DisableValidation: *noValidate, ControlAPI: true,
		Shards: *shards, MaxConcurrency: *maxConc,
		SessionStartLimit: &discordtest.SessionStartLimit{Total: max(*starts, 1000), Remaining: *starts},
	}
	if *guilds != "" {
		opts.ExtraGuildIDs = strings.Split(*guilds, ",")
	}
	if *content {
		opts.AllowedPrivilegedIntents = discordgo.IntentMessageContent
	}
	if !*quiet {
		opts.Logf = logger.Printf
	}
	srv, err := discordtest.NewServer(opts)
	if err != nil {
		logger.Fatal(err)
	}
	fmt.Printf("DISCORD_API_URL=%s\n", srv.URL())
	logger.Printf("listening on %s (gateway %s, app %s, guild %s, channel %s)",
		srv.URL(), srv.GatewayURL(), srv.AppID(), srv.GuildID(), srv.ChannelID())

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	logger.Printf("shutting down")
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
}
