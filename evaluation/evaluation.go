package evaluation

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/storybot/storybot/answer"
	"github.com/storybot/storybot/fault"
	"github.com/storybot/storybot/knowledge"
)

// Kinds of question.
const (
	KindAnswer   = "answer"
	KindAbsent   = "absent"
	KindOffTopic = "off-topic"
)

// File is a question file.
type File struct {
	Story string `json:"story,omitempty"`
	// Stories names the folder of stories the questions are about, relative
	// to the file; empty: the stories storybot is configured with.
	Stories   string     `json:"stories,omitempty"`
	Questions []Question `json:"questions"`

	dir string // the file's folder, for Stories
}

// StoryFolder is the folder the file names in "stories", resolved against
// the file's own folder; "" when it names none.
func (f *File) StoryFolder() string {
	if f.Stories == "" || filepath.IsAbs(f.Stories) {
		return f.Stories
	}
	return filepath.Join(f.dir, f.Stories)
}

// Question is one evaluation question.
type Question struct {
	ID       string     `json:"id,omitempty"`
	Lang     string     `json:"lang"`
	Story    string     `json:"story,omitempty"` // the story it is about; default: the file's
	Question string     `json:"question"`
	Passages []string   `json:"passages,omitempty"`
	Facts    [][]string `json:"facts,omitempty"`
	Kind     string     `json:"kind,omitempty"`
}

// MaxFileBytes bounds a question file.
const MaxFileBytes = 4 << 20

// ReadFile reads and validates a question file.
func ReadFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fault.Wrap(fault.Invalid, err, "cannot read question file %s", path)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fault.Wrap(fault.Invalid, err, "cannot read question file %s", path)
	}
	if len(data) > MaxFileBytes {
		return nil, fault.New(fault.Invalid, "question file %s is over %d bytes", path, MaxFileBytes)
	}
	file, err := Parse(data, path)
	if err != nil {
		return nil, err
	}
	file.dir = filepath.Dir(path)
	return file, nil
}

// Parse decodes and validates a question file's content.
func Parse(data []byte, name string) (*File, error) {
	var file File
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return nil, fault.Wrap(fault.Invalid, err, "question file %s is not valid JSON in the expected format", name)
	}
	if len(file.Questions) == 0 {
		return nil, fault.New(fault.Invalid, "question file %s has no questions", name)
	}
	for i := range file.Questions {
		q := &file.Questions[i]
		if q.ID == "" {
			q.ID = "q" + strconv.Itoa(i+1)
		}
		if q.Kind == "" {
			q.Kind = KindAnswer
		}
		if q.Story == "" {
			q.Story = file.Story
		}
		q.Question = strings.TrimSpace(q.Question)
		switch {
		case q.Question == "":
			return nil, fault.New(fault.Invalid, "question file %s: question %s is empty", name, q.ID)
		case q.Kind != KindAnswer && q.Kind != KindAbsent && q.Kind != KindOffTopic:
			return nil, fault.New(fault.Invalid, "question file %s: question %s has kind %q (want answer, absent or off-topic)", name, q.ID, q.Kind)
		case q.Kind == KindAnswer && len(q.Passages) == 0 && len(q.Facts) == 0:
			return nil, fault.New(fault.Invalid, "question file %s: question %s needs passages or facts", name, q.ID)
		}
	}
	return &file, nil
}

// Engine is what an evaluation needs: *answer.Engine.
type Engine interface {
	Ask(ctx context.Context, req answer.AskRequest, onDelta func(string)) (*answer.Answer, error)
	Search(ctx context.Context, question string, k int, story string) ([]knowledge.Result, error)
	Mode() string
	Stories() []answer.StoryInfo
}

var _ Engine = (*answer.Engine)(nil)

// Result is one question's figures. Ratios are nil where they do not apply
// (no supporting passage given, no citation made, not an absent question).
type Result struct {
	ID        string   `json:"id"`
	Question  string   `json:"question"`
	Kind      string   `json:"kind"`
	Lang      string   `json:"lang,omitempty"`
	Story     string   `json:"story,omitempty"`
	Rank      int      `json:"rank"` // of the first supporting passage of the question's story among the results; 0: not in the top 5
	Recall1   *float64 `json:"recall1,omitempty"`
	Recall3   *float64 `json:"recall3,omitempty"`
	Recall5   *float64 `json:"recall5,omitempty"`
	Facts     *float64 `json:"facts,omitempty"`      // share of fact groups the answer contains
	Abstained *bool    `json:"abstained,omitempty"`  // for absent and off-topic questions: the answer said the story does not tell
	Citations *float64 `json:"citations,omitempty"`  // valid citations / citations made
	Quotes    *float64 `json:"quotes,omitempty"`     // verbatim quotations / quotations made
	LatencyMS float64  `json:"latency_ms,omitempty"` // time to the whole answer
	Tokens    int      `json:"tokens,omitempty"`
	Answer    string   `json:"answer,omitempty"`
	Chars     int      `json:"chars,omitempty"` // the answer's length in characters
	Error     string   `json:"error,omitempty"`
}

// Totals are the figures over all questions (means over the questions each
// applies to; nil when it applies to none).
type Totals struct {
	Questions  int      `json:"questions"`
	Recall1    *float64 `json:"recall1"`
	Recall3    *float64 `json:"recall3"`
	Recall5    *float64 `json:"recall5"`
	Facts      *float64 `json:"facts,omitempty"`
	Abstention *float64 `json:"abstention,omitempty"`
	Citations  *float64 `json:"citations,omitempty"`
	Quotes     *float64 `json:"quotes,omitempty"`
	// AnswerCharsP50 is the median length in characters of the answers to
	// answerable questions (abstentions would make it look shorter).
	AnswerCharsP50 float64 `json:"answer_chars_p50,omitempty"`
	LatencyP50MS   float64 `json:"latency_p50_ms,omitempty"`
	LatencyP95MS   float64 `json:"latency_p95_ms,omitempty"`
	Tokens         int     `json:"tokens"`
	Errors         int     `json:"errors"`
	// ByLang holds the same figures per question language ("de", "en").
	ByLang map[string]*Totals `json:"by_lang,omitempty"`
}

// Report is the outcome of an evaluation.
type Report struct {
	Mode    string   `json:"mode"`
	Answers bool     `json:"answers"` // whether answers were evaluated (not only retrieval)
	Results []Result `json:"results"`
	Totals  Totals   `json:"totals"`
}

// Options tune a run.
type Options struct {
	// Answers asks every question and scores the answers; without it only
	// retrieval is measured. storybot eval sets it when a model is configured.
	Answers bool
	// Progress is called before each question (i from 0); may be nil.
	Progress func(i, n int, q Question)
	Now      func() time.Time
}

// depth is how many ranked passages a question's retrieval looks at.
const depth = 5

// Run evaluates file against e. With one story loaded, each question is
// asked about its story, as before folders existed. With several (an
// archive), each is retrieved and answered over all of them, the way a user
// asks without naming a story, and a ranked passage counts only when it is a
// supporting passage of the question's own story.
func Run(ctx context.Context, e Engine, file *File, opts Options) (*Report, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	loaded := map[string]bool{}
	for _, s := range e.Stories() {
		loaded[s.ID] = true
	}
	archive := len(loaded) > 1
	for _, q := range file.Questions {
		switch {
		case q.Story != "" && !loaded[q.Story]:
			return nil, fault.New(fault.NotFound, "question %s is about story %q, which is not loaded (set the stories folder: --stories, the file's \"stories\" or STORY_PATH)", q.ID, q.Story)
		case archive && q.Story == "" && q.Kind == KindAnswer:
			return nil, fault.New(fault.Invalid, "question %s names no story, and %d are loaded: give it (or the file) a \"story\"", q.ID, len(loaded))
		}
	}
	rep := &Report{Mode: e.Mode(), Answers: opts.Answers, Results: []Result{}}
	for i, q := range file.Questions {
		if opts.Progress != nil {
			opts.Progress(i, len(file.Questions), q)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		scope := q.Story
		if archive {
			scope = ""
		}
		r := Result{ID: q.ID, Question: q.Question, Kind: q.Kind, Lang: q.Lang, Story: q.Story}
		if len(q.Passages) > 0 {
			res, err := e.Search(ctx, q.Question, depth, scope)
			if err != nil {
				return nil, fmt.Errorf("search %s: %w", q.ID, err)
			}
			for i, x := range res {
				if q.Story != "" && x.Passage.Story != q.Story {
					continue
				}
				if containsAny(x.Passage.Text, q.Passages) || containsAny(x.Passage.Section, q.Passages) {
					r.Rank = i + 1
					break
				}
			}
			r.Recall1, r.Recall3, r.Recall5 = ratio(r.Rank == 1), ratio(r.Rank >= 1 && r.Rank <= 3), ratio(r.Rank >= 1)
		}
		if opts.Answers {
			scoreAnswer(ctx, e, scope, q, &r, opts.Now)
		}
		rep.Results = append(rep.Results, r)
	}
	rep.Totals = totals(rep.Results)
	byLang := map[string][]Result{}
	for _, r := range rep.Results {
		if r.Lang != "" {
			byLang[r.Lang] = append(byLang[r.Lang], r)
		}
	}
	if len(byLang) > 0 {
		rep.Totals.ByLang = map[string]*Totals{}
		for lang, rs := range byLang {
			t := totals(rs)
			rep.Totals.ByLang[lang] = &t
		}
	}
	return rep, nil
}

func scoreAnswer(ctx context.Context, e Engine, story string, q Question, r *Result, now func() time.Time) {
	start := now()
	a, err := e.Ask(ctx, answer.AskRequest{Question: q.Question, Lang: q.Lang, Story: story}, nil)
	r.LatencyMS = float64(now().Sub(start).Microseconds()) / 1000
	if err != nil {
		r.Error = err.Error()
		return
	}
	r.Answer = a.Answer
	r.Chars = utf8.RuneCountInString(a.Answer)
	r.Tokens = a.Usage.Total()
	abstained := Abstains(a.Answer)
	switch q.Kind {
	case KindAbsent, KindOffTopic:
		r.Abstained = &abstained
	default:
		if len(q.Facts) > 0 {
			hit := 0
			for _, group := range q.Facts {
				if containsFold(a.Answer, group) {
					hit++
				}
			}
			f := float64(hit) / float64(len(q.Facts))
			r.Facts = &f
		}
	}
	made := len(a.Citations) + a.Checks.DroppedCitations
	if made > 0 {
		valid := 0
		for _, c := range a.Citations {
			// A citation is valid when its passage exists (kept ones do) and,
			// for a question with known supporting text, contains it.
			if len(q.Passages) == 0 || q.Kind != KindAnswer || containsAny(c.Text, q.Passages) || containsAny(c.Section, q.Passages) {
				valid++
			}
		}
		v := float64(valid) / float64(made)
		r.Citations = &v
	}
	if n := a.Checks.VerifiedQuotes + a.Checks.UnverifiedQuotes; n > 0 {
		v := float64(a.Checks.VerifiedQuotes) / float64(n)
		r.Quotes = &v
	}
}

// abstention recognizes an answer that says the story does not tell, or
// declines an off-topic question, in English or German.
var abstention = regexp.MustCompile(`(?i)(does not (say|mention|tell|state)|doesn't (say|mention|tell|state)|not (mentioned|stated)|no information|says nothing|nothing about|I (only )?answer questions about|only answer questions|sagt (dazu )?nichts|nicht erwähnt|keine (Angabe|Information)|geht nicht hervor|beantworte (nur )?Fragen)`)

// Abstains reports whether an answer says that the story does not answer the
// question (or declines an off-topic one).
func Abstains(answer string) bool { return abstention.MatchString(answer) }

func containsAny(text string, needles []string) bool {
	for _, n := range needles {
		if n != "" && strings.Contains(text, n) {
			return true
		}
	}
	return false
}

func containsFold(text string, spellings []string) bool {
	t := strings.ToLower(knowledge.NormalizeQuotation(text))
	for _, s := range spellings {
		if s != "" && strings.Contains(t, strings.ToLower(knowledge.NormalizeQuotation(s))) {
			return true
		}
	}
	return false
}

func ratio(b bool) *float64 {
	v := 0.0
	if b {
		v = 1
	}
	return &v
}

func totals(rs []Result) Totals {
	t := Totals{Questions: len(rs)}
	mean := func(get func(Result) *float64) *float64 {
		sum, n := 0.0, 0
		for _, r := range rs {
			if v := get(r); v != nil {
				sum += *v
				n++
			}
		}
		if n == 0 {
			return nil
		}
		m := sum / float64(n)
		return &m
	}
	t.Recall1 = mean(func(r Result) *float64 { return r.Recall1 })
	t.Recall3 = mean(func(r Result) *float64 { return r.Recall3 })
	t.Recall5 = mean(func(r Result) *float64 { return r.Recall5 })
	t.Facts = mean(func(r Result) *float64 { return r.Facts })
	t.Abstention = mean(func(r Result) *float64 {
		if r.Abstained == nil {
			return nil
		}
		return ratio(*r.Abstained)
	})
	t.Citations = mean(func(r Result) *float64 { return r.Citations })
	t.Quotes = mean(func(r Result) *float64 { return r.Quotes })
	var lat, chars []float64
	for _, r := range rs {
		if r.Kind == KindAnswer && r.Error == "" && r.Answer != "" {
			chars = append(chars, float64(r.Chars))
		}
		t.Tokens += r.Tokens
		if r.Error != "" {
			t.Errors++
		}
		if r.LatencyMS > 0 {
			lat = append(lat, r.LatencyMS)
		}
	}
	if len(chars) > 0 {
		sort.Float64s(chars)
		t.AnswerCharsP50 = percentile(chars, 0.50)
	}
	if len(lat) > 0 {
		sort.Float64s(lat)
		t.LatencyP50MS = percentile(lat, 0.50)
		t.LatencyP95MS = percentile(lat, 0.95)
	}
	return t
}

func percentile(sorted []float64, p float64) float64 {
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// Metric names accepted by ParseThresholds and Check.
var metricNames = []string{"recall1", "recall3", "recall5", "facts", "abstention", "citations", "quotes"}

// ParseThresholds reads "recall3=0.9,facts=0.8". A name may be prefixed by
// a question language, "en.recall5=0.9", to gate that language's figure.
func ParseThresholds(s string) (map[string]float64, error) {
	out := map[string]float64{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fault.New(fault.Invalid, "--fail-under: %q is not name=value", part)
		}
		name = strings.ToLower(strings.TrimSpace(name))
		lang, metric, scoped := strings.Cut(name, ".")
		if !scoped {
			lang, metric = "", name
		}
		if scoped && !validLang(lang) {
			return nil, fault.New(fault.Invalid, "--fail-under: %q: %q is not a language code (e.g. en.recall5)", name, lang)
		}
		if !slices.Contains(metricNames, metric) {
			return nil, fault.New(fault.Invalid, "--fail-under: unknown metric %q (known: %s, each optionally as LANG.metric)", name, strings.Join(metricNames, ", "))
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil || v < 0 || v > 1 {
			return nil, fault.New(fault.Invalid, "--fail-under: %s=%s is not a number from 0 to 1", name, val)
		}
		out[name] = v
	}
	return out, nil
}

func validLang(s string) bool {
	if len(s) < 2 || len(s) > 3 {
		return false
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// Check returns the metrics below their thresholds, as "facts 0.70 < 0.80"
// or "en.recall5 0.76 < 0.90". A metric the report does not have (answers
// not evaluated, no question in that language) fails too: a gate on it
// cannot have been met.
func (r *Report) Check(thresholds map[string]float64) []string {
	names := make([]string, 0, len(thresholds))
	for name := range thresholds {
		names = append(names, name)
	}
	sort.Strings(names)
	var failed []string
	for _, name := range names {
		want := thresholds[name]
		t := &r.Totals
		metric := name
		if lang, m, scoped := strings.Cut(name, "."); scoped {
			t, metric = r.Totals.ByLang[lang], m
		}
		var got *float64
		if t != nil {
			got = t.metric(metric)
		}
		switch {
		case got == nil:
			failed = append(failed, fmt.Sprintf("%s not measured (< %.2f)", name, want))
		case *got < want:
			failed = append(failed, fmt.Sprintf("%s %.2f < %.2f", name, *got, want))
		}
	}
	return failed
}

func (t *Totals) metric(name string) *float64 {
	switch name {
	case "recall1":
		return t.Recall1
	case "recall3":
		return t.Recall3
	case "recall5":
		return t.Recall5
	case "facts":
		return t.Facts
	case "abstention":
		return t.Abstention
	case "citations":
		return t.Citations
	case "quotes":
		return t.Quotes
	}
	return nil
}
