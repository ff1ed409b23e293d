// Package discordtest is a fake Discord for tests: the REST API (v9/v10
// paths), the gateway websocket and a message store, all on 127.0.0.1,
// good enough for an unmodified github.com/bwmarrin/discordgo v0.28.1
// session.
//
// # Connecting a discordgo session
//
// discordgo's endpoints are fixed to https://discord.com, so point the
// session's HTTP client at the fake with a Transport that rewrites scheme
// and host of every request to Server.URL() (paths stay unchanged). The
// websocket is not affected by that transport: GET /api/v9/gateway hands
// out Server.GatewayURL() (ws://127.0.0.1:PORT/gateway) and discordgo dials
// it directly with its own Dialer.
//
//	srv := discordtest.New(t)                  // closed on t.Cleanup
//	s, _ := discordgo.New("Bot x")
//	s.Client = &http.Client{Transport: rewriteTo(srv.URL())} // your RoundTripper
//	s.AddHandler(func(s *discordgo.Session, i *discordgo.InteractionCreate) { ... })
//	_ = s.Open()                                 // HELLO, IDENTIFY, READY, GUILD_CREATE
//	defer s.Close()                              // note: discordgo sleeps 1s in Close
//	_ = srv.WaitReady(ctx)
//
//	in, err := srv.Interact(discordtest.InteractionSpec{
//		Command: "ask", Options: map[string]any{"question": "Why?"}, Locale: "de"})
//	cb, err := in.Callback(ctx)                  // waits; cb.Type == 5 for a defer
//	final, err := in.WaitOriginal(ctx, func(m *discordgo.Message) bool {
//		return strings.HasSuffix(m.Content, ".") })
//	for _, c := range srv.Calls() {
//		if c.IsMessageWrite() && !discordtest.AllowedMentionsEmpty(c.JSON) { t.Error(c.Path) }
//	}
//
// # What the fake does
//
// Gateway: HELLO (op 10) with Options.HeartbeatInterval; IDENTIFY (op 2)
// answered by READY and, with the Guilds intent, GUILD_CREATE; every
// heartbeat (op 1) is acknowledged with op 11; RESUME (op 6) of a known
// session gets RESUMED, of an unknown one op 9 (discordgo then identifies
// again). IDENTIFY with privileged intents not in
// Options.AllowedPrivilegedIntents is closed with 4014, a wrong token (if
// Options.Token is set) with 4004. Frames are plain JSON text frames;
// writes are serialized per connection. Events go to the newest identified
// connection; without one, Interact/PostMessage/Dispatch return
// ErrNotConnected.
//
// Separate processes: SignInteraction builds and signs an interaction with
// a key of the test's choosing, and Deliver POSTs it over TCP to an
// endpoint (a replica, a balancer) and applies a 200 answer as the
// callback through the callback route; the same Signed can be delivered
// twice (a replay). While a delivery waits for its answer, webhook calls
// for that interaction wait too, as Discord has the HTTP answer before
// anything the bot sends after it.
//
// Sharding: an IDENTIFY with "shard": [id, count] (count > 1) makes that
// connection shard id; READY and GUILD_CREATE then carry only its guilds,
// and each guild's interactions and messages go to the connection of shard
// (guild_id >> 22) % count (ShardFor; DMs to shard 0), or fail with
// ErrNotConnected while that shard is not connected. Options.ExtraGuildIDs
// puts the bot in more guilds; GET /gateway/bot reports Options.Shards,
// MaxConcurrency and SessionStartLimit (remaining counts down with every
// IDENTIFY); Identifies lists every IDENTIFY with its shard and time.
//
// REST: the routes discordgo uses for a slash-command and mention bot:
// gateway, users/@me, users/@me/guilds, applications/@me, guilds/{g},
// channels/{c}, channel messages (list, create, get, edit, delete,
// typing, reactions), application commands (global and guild: bulk
// overwrite PUT, list, create, get, edit, delete), interaction callbacks
// and the interaction webhooks (@original and follow-ups: get, edit,
// delete; POST with ?wait=true). Anything else is answered 404
// {"message":"404: Not Found","code":0} and recorded with an empty Route.
// Errors use Discord's codes: 10008 Unknown Message, 10015 Unknown
// Webhook, 10062 Unknown interaction, 40060 already acknowledged, 50006
// empty message, 50035 Invalid Form Body.
//
// Interactions follow Discord's state machine: one callback per
// interaction (a second gets 400/40060); the callback type must suit the
// interaction type (e.g. 8 only for autocomplete); type 4 creates the
// @original message, type 5 creates it "thinking" (flag 128, cleared by
// the first edit), types 6 and 7 make the component's message @original
// (7 edits it). A follow-up sent while a deferred response is still
// thinking replaces it. Follow-ups and @original edits need the
// callback first (Unknown Webhook / Unknown Message otherwise). With
// Options.CallbackDeadline a late callback fails with 10062 like real
// Discord after 3 s.
//
// Validation (off with Options.DisableValidation): content at most 2000
// characters; at most 10 embeds with Discord's field limits and 6000
// characters in total; components in at most 5 action rows of at most 5,
// unique custom_ids of at most 100 characters; no empty messages;
// autocomplete results at most 25 choices; modals; and on command
// registration lowercase names matching Discord's regex, descriptions of
// 1-100 characters, valid locales in localizations, required options
// before optional ones, at most 25 options and choices. Interact checks
// what the Discord client would: the command must be registered, options
// must exist, have the registered type, respect choices and min/max.
//
// Message content: like real Discord, a bot without the MessageContent
// intent sees empty content, embeds, attachments and components in
// MESSAGE_CREATE and REST reads of other users' guild messages, except
// messages that mention it (a reply to the bot pings it unless
// MessageSpec.NoReplyPing) and DMs. Allow the intent with
// Options.AllowedPrivilegedIntents (REST) and IDENTIFY with it (gateway).
// Messages the bot sends get mentions computed from their content and
// allowed_mentions, so a bot that pings shows it in Message.Mentions.
//
// # Interactions over HTTP
//
// InteractHTTP delivers an interaction like Discord does to an
// Interactions Endpoint URL: a POST to /interactions signed with the key
// whose public half is PublicKey (give it to the bot as its public key),
// served by the bot's http.Handler through a real net/http server over an
// in-memory connection. The bot's HTTP response is its callback: it is
// taken, with the same checks as a REST callback, at the moment its last
// byte is written, and recorded as a Call with the callback Route and Path
// "/interactions". An @original edit or a follow-up that arrives before
// that fails (10008 / 10015) as with real Discord;
// Options.HTTPResponseLatency slows the response's writes down so a bot
// that does not wait for its response to be complete fails every time.
//
// # Observing
//
// Every REST call is recorded (Calls, CallsMatching) with its arrival
// Time, Duration, Route, JSON payload (payload_json for multipart), files,
// Status and Response, and InteractionID for calls addressed to an
// interaction. WaitFor blocks until a matching call is recorded (use
// Match(method, glob) to build predicates); it never sleeps. Times allow
// throttling assertions, e.g. that successive Interaction.Edits() are at
// least an interval apart. The handle's Callback, Original, WaitOriginal,
// Edits and Followups give an interaction's story; Server.Message and
// Messages read the store unredacted.
//
// # Faults
//
// Inject(Fault{...}) / FailNext(method, glob, status, retryAfter) answer
// matching requests with a status instead: 429 comes with the body
// {"message":"You are being rate limited.","retry_after":0.05,"global":false},
// Retry-After and X-RateLimit-* headers, which discordgo obeys by
// sleeping retry_after and retrying the same request. SetDelay slows
// matching requests down. Successful answers carry harmless X-RateLimit
// headers (remaining 4) so discordgo's bucket logic runs but never waits.
// DropConnection, CloseGateway, RequestReconnect and InvalidateSession
// exercise the gateway's reconnect paths.
//
// # Standalone use and the control API
//
// cmd/fakediscord runs the fake as a program (NewServer, not tied to a
// testing.TB) with Options.ControlAPI, which adds, on the same origin:
//
//	POST /_test/interact   {"command":"ask","options":{"question":"..."},"locale":"de",
//	                        "custom_id":"...","values":[...],"fields":{...},"focused":"...",
//	                        "user":{"id":"...","username":"..."},"channel_id":"...","dm":false}
//	                       -> {"id","token",...}; 503 if no bot is connected, 400 if invalid
//	POST /_test/message    {"content":"...","mention_bot":true,"reply_to":"ID","author":{...}}
//	                       -> {"message":{...}}
//	POST /_test/fault      {"method":"PATCH","path":"/webhooks/*/*/messages/@original",
//	                        "status":429,"retry_after_ms":50,"delay_ms":0,"times":1}
//	GET  /_test/calls?since=SEQ            recorded calls as JSON
//	GET  /_test/wait?method=&path=&status=&interaction=&since=&timeout=10s
//	                                       blocks until such a call is recorded (504 on timeout)
//	GET  /_test/ready?timeout=10s          blocks until a bot has identified
//	GET  /_test/gateway                    gateway counters and identify intents
//	GET  /_test/commands?guild_id=         registered commands ("" = global)
//	GET  /_test/messages?channel_id=       stored messages
//	GET  /_test/interactions/ID?wait=1&timeout=60s
//	                                       callback type, @original and follow-ups
//	                                       (wait=1: until @original is no longer thinking)
package discordtest
