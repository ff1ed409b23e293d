package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/storybot/storybot/bot"
)

// Config is every environment variable storybot reads. It is the only place
// that knows about the environment; packages get plain values. Each field is
// listed in .env.example and in the README (a test checks both).
type Config struct {
	// Discord
	DiscordToken     string   `envconfig:"DISCORD_TOKEN" desc:"bot token (required for serve)"`
	DiscordGuildID   string   `envconfig:"DISCORD_GUILD_ID" desc:"register commands in this guild only (instant) instead of globally"`
	DiscordPublicKey string   `envconfig:"DISCORD_PUBLIC_KEY" desc:"application public key, required for serve --http"`
	DiscordAPIURL    string   `envconfig:"DISCORD_API_URL" default:"https://discord.com" desc:"origin for all Discord REST calls (a REST proxy, or a test server)"`
	AllowedGuilds    []string `envconfig:"ALLOWED_GUILDS" desc:"comma-separated guild ids; empty allows all"`
	AllowedChannels  []string `envconfig:"ALLOWED_CHANNELS" desc:"comma-separated channel ids; empty allows all"`

	// Model
	OpenAIAPIKey         string        `envconfig:"OPENAI_API_KEY" desc:"key for the model API; with OPENAI_BASE_URL also empty, storybot runs offline"`
	OpenAIBaseURL        string        `envconfig:"OPENAI_BASE_URL" desc:"any OpenAI-compatible server (default https://api.openai.com/v1)"`
	OpenAIModel          string        `envconfig:"OPENAI_MODEL" default:"gpt-4o-mini" desc:"chat model"`
	OpenAIEmbeddingModel string        `envconfig:"OPENAI_EMBEDDING_MODEL" desc:"embedding model; empty: lexical retrieval only"`
	OpenAIAPIType        string        `envconfig:"OPENAI_API_TYPE" default:"openai" desc:"openai, or azure for Azure OpenAI"`
	OpenAIAPIVersion     string        `envconfig:"OPENAI_API_VERSION" desc:"Azure API version (default 2024-10-21 when OPENAI_API_TYPE=azure)"`
	LLMTimeout           time.Duration `envconfig:"LLM_TIMEOUT" default:"60s" desc:"per model call"`
	LLMMaxRetries        int           `envconfig:"LLM_MAX_RETRIES" default:"3" desc:"retries of a failed model call"`
	LLMDailyTokenBudget  int           `envconfig:"LLM_DAILY_TOKEN_BUDGET" default:"0" desc:"tokens per UTC day; past it answers are offline; 0: no limit"`

	// Story
	StoryPath string `envconfig:"STORY_PATH" desc:"a story file or a folder of .txt/.md stories (default: the embedded article)"`
	CacheDir  string `envconfig:"CACHE_DIR" default:"./cache" desc:"cached summaries, timelines, embeddings"`

	// Limits
	RateLimit            string        `envconfig:"RATE_LIMIT" default:"5/1m" desc:"questions per user"`
	MaxConcurrentAnswers int           `envconfig:"MAX_CONCURRENT_ANSWERS" default:"16" desc:"answers being written at once"`
	ConversationDepth    int           `envconfig:"CONVERSATION_DEPTH" default:"8" desc:"messages of a reply chain given as history"`
	EditInterval         time.Duration `envconfig:"EDIT_INTERVAL" default:"1.2s" desc:"least time between two edits of a streamed answer"`

	// Operations
	HTTPAddr        string        `envconfig:"HTTP_ADDR" default:":8080" desc:"/healthz, /readyz, /metrics; in --http mode also /interactions"`
	LogLevel        string        `envconfig:"LOG_LEVEL" default:"info" desc:"debug, info, warn or error"`
	LogFormat       string        `envconfig:"LOG_FORMAT" default:"text" desc:"text or json"`
	ShutdownTimeout time.Duration `envconfig:"SHUTDOWN_TIMEOUT" default:"20s" desc:"time in-flight answers get on SIGTERM"`

	// Scale
	RedisURL     string        `envconfig:"REDIS_URL" desc:"redis://host:6379/0: rate limits, budget, caches and replay protection shared by every replica and shard; empty: in-process"`
	RedisTimeout time.Duration `envconfig:"REDIS_TIMEOUT" default:"100ms" desc:"bound of one Redis call, connecting included; past it the bot falls back to in-process state"`
	ShardCount   string        `envconfig:"SHARD_COUNT" default:"1" desc:"gateway shards in all: a number, or auto for Discord's recommendation"`
	ShardID      string        `envconfig:"SHARD_ID" desc:"run only this shard in this process; empty: every shard of SHARD_COUNT"`
}

// loadConfig reads the environment. A malformed value is a usage error. A
// variable set to an empty value counts as not set, so that its default
// applies: a copied .env.example (or an image's own ENV, such as
// CACHE_DIR=/data in Docker) is not overridden by an empty line.
func loadConfig() (Config, error) {
	var c Config
	for _, name := range configVars() {
		if v, ok := os.LookupEnv(name); ok && strings.TrimSpace(v) == "" {
			os.Unsetenv(name)
		}
	}
	if err := envconfig.Process("", &c); err != nil {
		return c, usageError{fmt.Errorf("configuration: %w", err)}
	}
	c.OpenAIAPIType = strings.ToLower(strings.TrimSpace(c.OpenAIAPIType))
	if c.OpenAIAPIType != "openai" && c.OpenAIAPIType != "azure" {
		return c, usageError{fmt.Errorf("configuration: OPENAI_API_TYPE must be openai or azure, not %q", c.OpenAIAPIType)}
	}
	if c.OpenAIAPIType == "azure" && c.OpenAIAPIVersion == "" {
		c.OpenAIAPIVersion = "2024-10-21"
	}
	if c.RedisTimeout <= 0 {
		return c, usageError{fmt.Errorf("configuration: REDIS_TIMEOUT must be positive, not %s", c.RedisTimeout)}
	}
	if _, _, err := c.Shards(); err != nil {
		return c, usageError{fmt.Errorf("configuration: %w", err)}
	}
	if c.LLMMaxRetries < 0 || c.LLMDailyTokenBudget < 0 || c.MaxConcurrentAnswers < 1 || c.ConversationDepth < 0 {
		return c, usageError{fmt.Errorf("configuration: LLM_MAX_RETRIES, LLM_DAILY_TOKEN_BUDGET and CONVERSATION_DEPTH must not be negative, MAX_CONCURRENT_ANSWERS at least 1")}
	}
	return c, nil
}

// configVars are the variables Config reads, from its struct tags.
func configVars() []string {
	t := reflect.TypeOf(Config{})
	out := make([]string, t.NumField())
	for i := range out {
		out[i] = t.Field(i).Tag.Get("envconfig")
	}
	return out
}

// Shards reads SHARD_COUNT and SHARD_ID: count is bot.AutoShardCount for
// "auto"; id is -1 when SHARD_ID is empty (every shard in this process).
func (c Config) Shards() (count, id int, err error) {
	v := strings.ToLower(strings.TrimSpace(c.ShardCount))
	switch {
	case v == "auto":
		count = bot.AutoShardCount
	case v == "":
		count = 1
	default:
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, 0, fmt.Errorf("SHARD_COUNT must be a whole number of at least 1, or auto, not %q", c.ShardCount)
		}
		count = n
	}
	id = -1
	if v := strings.TrimSpace(c.ShardID); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, 0, fmt.Errorf("SHARD_ID must be a whole number of at least 0, not %q", c.ShardID)
		}
		if count != bot.AutoShardCount && n >= count {
			return 0, 0, fmt.Errorf("SHARD_ID %d must be below SHARD_COUNT %d", n, count)
		}
		id = n
	}
	return count, id, nil
}

// Online reports whether a model is configured: a key or a base URL (a local
// server such as Ollama needs no key).
func (c Config) Online() bool {
	return c.OpenAIAPIKey != "" || c.OpenAIBaseURL != ""
}

// BaseURL is the model API's base URL with its default applied.
func (c Config) BaseURL() string {
	if c.OpenAIBaseURL == "" {
		return "https://api.openai.com/v1"
	}
	return c.OpenAIBaseURL
}

func newLogger(c Config, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, usageError{fmt.Errorf("configuration: LOG_LEVEL %q is not one of debug, info, warn, error", c.LogLevel)}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(c.LogFormat) {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, usageError{fmt.Errorf("configuration: LOG_FORMAT %q is not text or json", c.LogFormat)}
}
