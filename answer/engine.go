package answer

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/storybot/storybot/fault"
	"github.com/storybot/storybot/knowledge"
	"github.com/storybot/storybot/llm"
)

// Model is what the engine needs of a chat model. llm.Client implements it;
// tests use a fake OpenAI server behind a real llm.Client.
type Model interface {
	Complete(ctx context.Context, req llm.Request) (llm.Response, error)
	Stream(ctx context.Context, req llm.Request, onDelta llm.DeltaFunc) (llm.Response, error)
	// Model names the model, so cached results of one model are not served for another.
	Model() string
}

// Options configure an Engine. Only Stories is required.
type Options struct {
	Stories []*knowledge.Story
	// Model writes answers; nil means offline mode (answers from the text alone).
	Model Model
	// Embed adds dense retrieval; nil means lexical retrieval only.
	// EmbedQuery, when set, embeds the questions (see knowledge.IndexOptions).
	Embed, EmbedQuery knowledge.EmbedFunc
	// CacheDir keeps computed timelines and summaries across restarts; "" keeps them in memory only.
	CacheDir string
	// SharedCache, if set, is a cache tier shared by replicas (Redis)
	// behind memory and CacheDir.
	SharedCache SharedCache
	// DailyTokenBudget caps model tokens per UTC day; past it, answers are offline. 0: no cap.
	// Ignored when Budget is set.
	DailyTokenBudget int
	// Budget, when set, is the token budget instead of a per-process DailyBudget
	// of DailyTokenBudget (a budget shared by several replicas).
	Budget TokenBudget
	// Flight, when set, merges identical work in progress (timelines,
	// summaries, quotation contexts) instead of a per-process LocalFlight.
	Flight Flight
	// ContextTokens is the budget of story text given to the model per question (default 3000).
	ContextTokens int
	// RewriteTimeout bounds the model call that rewrites a question into the
	// stories' language for retrieval (default DefaultRewriteTimeout).
	RewriteTimeout time.Duration
	// DefaultLang is the answer language when neither the request nor the question tells (default "en").
	DefaultLang string
	Logger      *slog.Logger
	Now         func() time.Time
}

// Engine answers questions about the loaded stories. It is safe for
// concurrent use.
type Engine struct {
	opts    Options
	stories []*knowledge.Story
	byID    map[string]*knowledge.Story
	index   *knowledge.Index
	model   Model
	log     *slog.Logger
	cache   *cache
	budget  TokenBudget
	flight  Flight
	keySent map[string][][]float64 // per story: centrality of each sentence (offline summaries)
	// normTexts are the stories' texts normalized for the verbatim check of quotations.
	normTexts []string
	// idf per story: how rare each stem is among the story's sentences, so
	// that an offline answer prefers the sentence with "Vorreservierung"
	// over one more with "Musk".
	idf map[string]map[string]float64
	// vocab per story: what an offline answer asks to tell whether a story
	// speaks of a question's words at all.
	vocab map[string]*knowledge.Vocabulary
	// rewrites caches questions rewritten into the stories' language.
	rewrites rewriteCache
}

// MaxQuestionChars bounds a question, in characters (runes, so that a
// question in Chinese or Japanese gets as many as one in English). Discord
// caps a slash-command option at 6,000 characters; a question longer than
// this is a paste, not a question.
const MaxQuestionChars = 2000

// New builds an engine: it indexes the stories (embedding them when
// opts.Embed is set).
func New(ctx context.Context, opts Options) (*Engine, error) {
	if len(opts.Stories) == 0 {
		return nil, fault.New(fault.Invalid, "no story loaded")
	}
	// Citations, buttons and caches find a story by its id: an empty or
	// shared one would show one story's passage for another's.
	ids := make(map[string]bool, len(opts.Stories))
	for _, s := range opts.Stories {
		if s.ID == "" || ids[s.ID] {
			return nil, fault.New(fault.Invalid, "story ids must be unique and non-empty (story %q from %s)", s.ID, s.Source)
		}
		ids[s.ID] = true
	}
	if opts.ContextTokens <= 0 {
		opts.ContextTokens = 3000
	}
	if opts.DefaultLang == "" {
		opts.DefaultLang = "en"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Budget == nil {
		opts.Budget = NewDailyBudget(opts.DailyTokenBudget, opts.Now)
	}
	if opts.Flight == nil {
		opts.Flight = NewLocalFlight(0)
	}
	ix, err := knowledge.NewIndex(ctx, opts.Stories, knowledge.IndexOptions{Embed: opts.Embed, EmbedQuery: opts.EmbedQuery})
	if err != nil && opts.Embed != nil && ctx.Err() == nil {
		// An embeddings outage must not keep the bot from starting: words
		// alone still find the passages.
		opts.Logger.Warn("embedding the stories failed; retrieval is lexical only until restart", "err", err)
		ix, err = knowledge.NewIndex(ctx, opts.Stories, knowledge.IndexOptions{})
	}
	if err != nil {
		return nil, fmt.Errorf("index stories: %w", err)
	}
	e := &Engine{
		opts:      opts,
		stories:   opts.Stories,
		byID:      map[string]*knowledge.Story{},
		index:     ix,
		model:     opts.Model,
		log:       opts.Logger.With("component", "answer"),
		cache:     newCache(opts.CacheDir, opts.SharedCache),
		budget:    opts.Budget,
		flight:    opts.Flight,
		keySent:   map[string][][]float64{},
		normTexts: normalizedTexts(opts.Stories),
		idf:       map[string]map[string]float64{},
		vocab:     map[string]*knowledge.Vocabulary{},
	}
	for _, s := range opts.Stories {
		e.byID[s.ID] = s
		st := knowledge.Stats(s)
		e.keySent[s.ID] = st.Centrality
		idf := make(map[string]float64, len(st.DF))
		for t, c := range st.DF {
			idf[t] = math.Log(1 + float64(st.Sentences)/float64(c))
		}
		e.idf[s.ID] = idf
		e.vocab[s.ID] = e.index.Vocabulary(s.ID)
	}
	return e, nil
}

// Mode is ModeLLM when a model is configured, else ModeOffline.
func (e *Engine) Mode() string {
	if e.model != nil {
		return ModeLLM
	}
	return ModeOffline
}

// story resolves a story id; "" means the only story, or the first when
// several are loaded.
func (e *Engine) story(id string) (*knowledge.Story, error) {
	if id == "" {
		return e.stories[0], nil
	}
	if s, ok := e.byID[id]; ok {
		return s, nil
	}
	return nil, fault.Keyed(fault.NotFound, "story_not_found", "no story %q is loaded", id)
}

// Stories lists the loaded stories.
func (e *Engine) Stories() []StoryInfo {
	out := make([]StoryInfo, 0, len(e.stories))
	for _, s := range e.stories {
		out = append(out, Describe(s))
	}
	return out
}

// Describe summarizes a story for listings (`stories`, /sources).
func Describe(s *knowledge.Story) StoryInfo {
	return StoryInfo{
		ID: s.ID, Title: s.Title, Source: s.Source, Language: s.Language,
		Passages: len(s.Passages), Quotes: len(s.Quotes), Events: len(s.Events), Version: s.Version,
	}
}

// Speakers lists who is quoted in a story ("" = every story), most quoted first.
func (e *Engine) Speakers(story string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range e.stories {
		if story != "" && s.ID != story {
			continue
		}
		for _, sp := range s.Speakers() {
			if !seen[sp] {
				seen[sp] = true
				out = append(out, sp)
			}
		}
	}
	return out
}

// Citations returns the passages with the given ids of a story, verbatim;
// unknown ids are skipped.
func (e *Engine) Citations(story string, ids []string) []Citation {
	s, err := e.story(story)
	if err != nil {
		return nil
	}
	var out []Citation
	for _, id := range ids {
		if p := s.Passage(id); p != nil {
			out = append(out, citationOf(p))
		}
	}
	return out
}

// Search ranks passages for a question (the CLI's `search`).
func (e *Engine) Search(ctx context.Context, question string, k int, story string) ([]knowledge.Result, error) {
	q, err := checkQuestion(question)
	if err != nil {
		return nil, err
	}
	if story != "" {
		if _, err := e.story(story); err != nil {
			return nil, err
		}
	}
	return e.search(ctx, q, knowledge.SearchOptions{K: k, Story: story})
}

func citationOf(p *knowledge.Passage) Citation {
	return Citation{ID: p.ID, Story: p.Story, Section: p.Section, Text: p.Text}
}

func checkQuestion(q string) (string, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return "", fault.Keyed(fault.Invalid, "question_empty", "the question is empty")
	}
	if n := utf8.RuneCountInString(q); n > MaxQuestionChars {
		return "", fault.Keyed(fault.Invalid, "question_too_long", "the question is too long (%d characters, at most %d)", n, MaxQuestionChars)
	}
	return q, nil
}
