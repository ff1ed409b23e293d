// Package bot is storybot's Discord front end: slash commands, mentions
// and reply chains, the interaction flow (acknowledge first, then stream
// the answer), rendering and splitting, limits, errors as users see them,
// health and metrics. It uses the engine through Answerer, which it
// declares itself; *answer.Engine implements it.
//
// Use it from main with plain options (only cmd/storybot reads the
// environment):
//
//	rate, err := bot.ParseRate(os.Getenv("RATE_LIMIT")) // "5/1m"
//	b, err := bot.New(bot.Options{Token: token, Rate: rate, HTTPAddr: ":8080", Logger: log}, engine)
//	err = b.Run(ctx)     // gateway; returns after ctx ends and answers in progress finish or are cut
//	err = b.RunHTTP(ctx) // or: interactions over HTTP at HTTP_ADDR /interactions
//
// # Flow
//
// Every interaction is handled on its own goroutine with a context from
// the bot's work context (deadline 14 minutes: the token lives 15).
// Commands that think (/ask, /timeline, /quote, /summary) first pass the
// allow lists, the per-user token bucket and the cap on answers in
// progress — refusals are ephemeral and say when to try again — then
// acknowledge with a deferred response (type 5) and only then call the
// engine. /ask streams: the original response is edited as the answer
// grows, at most once per EditInterval, with only the latest text sent
// (streamEditor). The final message has a compact sources line and a
// "Show sources" button whose custom_id holds the story and passage ids,
// so any replica can answer the click; long answers are split at
// paragraph or sentence boundaries into at most maxAnswerMessages
// messages, the last saying when the answer was cut (boundedParts).
// /sources is one message paged with stateless Previous/Next buttons.
//
// The user's Discord locale is passed to the engine as a BCP-47 base
// language ("fr"), so answers come in it; the bot's own words are German
// for "de" and English otherwise (text.in), engine errors included
// (fault.Keyed keys, faultTexts). Questions are checked for length, in
// characters, before they cost anything of the rate limit, and a question
// that fails for a reason not the user's is given back (admitted).
//
// A mention of the bot works like /ask, answered as a reply; a reply to
// one of its answers continues the conversation with the reply chain,
// fetched over REST up to ConversationDepth messages, as history.
//
// Handlers return errors; userMessage is the one place that turns an error
// into what the user sees (short, English or German, ephemeral, with an
// error id that is also in the log line with the details). Panics are
// recovered and reported the same way.
//
// Every message, edit and follow-up is sent with allowed mentions empty
// (Parse set to an empty slice, which discordgo sends as []), so no text
// the bot writes can ping anyone; one that carries text has embeds
// suppressed, and masked links in the user's or the model's text are
// shown with their address (plainLinks). The REST calls of an interaction
// use a discordgo rate limiter of their own, which goes with the
// interaction instead of leaving a bucket per interaction in the session.
//
// # Transport
//
// discordgo computes its endpoint URLs once; DISCORD_API_URL is applied by
// an http.RoundTripper on the session's client that sends every request
// for discord.com to that origin with the path unchanged. The gateway URL
// comes from that origin's GET /api/v9/gateway.
//
// # Operations
//
// HTTPAddr serves /healthz (the process is up), /readyz (every shard of
// the process connected and commands registered; the body lists shards
// and Options.Status lines) and /metrics (Prometheus, the bot's own
// registry), and /interactions in HTTP mode (Ed25519-verified, timestamps
// within 5 minutes, bodies up to 1 MiB read within a budget for
// unverified bytes (bodyBudget), a replayed interaction refused with 409
// (ReplayGuard), the first response written whole before the work goes
// on). The server's timeouts are HTTPLimits. While Discord cannot be
// reached, Run retries with exponential backoff and the health endpoint
// stays up; a rejected token (401, or gateway close 4004) ends Run with an
// error.
//
// When ctx ends, Run and RunHTTP stop taking work and give the answers in
// progress ShutdownTimeout; then the work context is cancelled with
// errShutdownCut, each cut answer ends with a note saying so (outcome
// "shutdown", logged at warn), and they return once those notes are sent.
// The HTTP server is shut down last; its requests never carry the work.
//
// # Shards
//
// Run first reads GET /gateway/bot: the shard count for AutoShardCount,
// the session start limit (too few starts left ends Run with an error)
// and max_concurrency. It then opens one discordgo session per shard of
// this process (ShardCount, or only ShardID with OneShard), each after
// Options.IdentifyGate grants its bucket (shard_id % max_concurrency) a
// turn: one IDENTIFY per bucket per 5 s. Every shard's events reach the
// same handlers; REST calls go through the first shard's session.
package bot
