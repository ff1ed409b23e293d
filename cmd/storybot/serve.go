package main

import (
	"context"
	"flag"
	"strings"

	"github.com/storybot/storybot/bot"
)

// serve runs the Discord bot: through the gateway, or with --http as
// Discord's Interactions Endpoint URL.
func (c *cli) serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	httpMode := fs.Bool("http", false, "take interactions over HTTP at HTTP_ADDR/interactions instead of the gateway")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if strings.TrimSpace(c.cfg.DiscordToken) == "" {
		return usagef("serve needs DISCORD_TOKEN (see the README: creating the Discord application)")
	}
	if *httpMode && c.cfg.DiscordPublicKey == "" {
		return usagef("serve --http needs DISCORD_PUBLIC_KEY")
	}
	rate, err := bot.ParseRate(c.cfg.RateLimit)
	if err != nil {
		return usagef("configuration: RATE_LIMIT: %v", err)
	}
	shardCount, shardID, err := c.cfg.Shards()
	if err != nil {
		return usagef("configuration: %v", err)
	}
	log, err := newLogger(c.cfg, c.stderr)
	if err != nil {
		return err
	}
	log.Info("starting storybot", "version", version, "mode", map[bool]string{true: "http", false: "gateway"}[*httpMode],
		"model", c.modelDescription(), "http_addr", c.cfg.HTTPAddr)
	shared, err := c.openShared(ctx, log)
	if err != nil {
		return err
	}
	defer shared.close()
	e, err := c.engine(ctx, log, shared.engineOptions)
	if err != nil {
		return err
	}
	for _, s := range e.Stories() {
		log.Info("story loaded", "id", s.ID, "title", s.Title, "passages", s.Passages, "quotes", s.Quotes, "events", s.Events)
	}
	opts := bot.Options{
		Token:             c.cfg.DiscordToken,
		GuildID:           c.cfg.DiscordGuildID,
		PublicKey:         c.cfg.DiscordPublicKey,
		APIURL:            c.cfg.DiscordAPIURL,
		AllowedGuilds:     c.cfg.AllowedGuilds,
		AllowedChannels:   c.cfg.AllowedChannels,
		Rate:              rate,
		MaxConcurrent:     c.cfg.MaxConcurrentAnswers,
		ConversationDepth: c.cfg.ConversationDepth,
		EditInterval:      c.cfg.EditInterval,
		ShutdownTimeout:   c.cfg.ShutdownTimeout,
		HTTPAddr:          c.cfg.HTTPAddr,
		ShardCount:        shardCount,
		OneShard:          shardID >= 0,
		ShardID:           max(shardID, 0),
		Logger:            log,
		Version:           version,
	}
	shared.botOptions(&opts, rate)
	bot.RouteDiscordgoLogs(log, c.cfg.DiscordToken)
	b, err := bot.New(opts, e)
	if err != nil {
		return err
	}
	if *httpMode {
		return b.RunHTTP(ctx)
	}
	return b.Run(ctx)
}

// modelDescription names the model for the log: never the key, and the base
// URL only by its host (a URL may carry credentials).
func (c *cli) modelDescription() string {
	if !c.cfg.Online() {
		return "offline"
	}
	host := c.cfg.BaseURL()
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	if i := strings.IndexAny(host, "/?"); i >= 0 {
		host = host[:i]
	}
	if i := strings.LastIndex(host, "@"); i >= 0 {
		host = host[i+1:]
	}
	return c.cfg.OpenAIModel + " at " + host
}
