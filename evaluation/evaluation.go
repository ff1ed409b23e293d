package evaluation

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

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
	Story     string     `json:"story,omitempty"`
	Questions []Question `json:"questions"`
}

// Question is one evaluation question.
type Question struct {
	ID       string     `json:"id,omitempty"`
	Lang     string     `json:"lang"`
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
	return Parse(data, path)
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
}

var _ Engine = (*answer.Engine)(nil)

// Result is one question's figures. Ratios are nil where they do not apply
// (no supporting passage given, no citation made, not an absent question).
type Result struct {
	ID        string   `json:"id"`
	Question  string   `json:"question"`
	Kind      string   `json:"kind"`
	Rank      int      `json:"rank"` // of the first supporting passage among the results; 0: not in the top 3
	Recall1   *float64 `json:"recall1,omitempty"`
	Recall3   *float64 `json:"recall3,omitempty"`
	Facts     *float64 `json:"facts,omitempty"`      // share of fact groups the answer contains
	Abstained *bool    `json:"abstained,omitempty"`  // for absent and off-topic questions: the answer said the story does not tell
	Citations *float64 `json:"citations,omitempty"`  // valid citations / citations made
	Quotes    *float64 `json:"quotes,omitempty"`     // verbatim quotations / quotations made
	LatencyMS float64  `json:"latency_ms,omitempty"` // time to the whole answer
	Tokens    int      `json:"tokens,omitempty"`
	Answer    string   `json:"answer,omitempty"`
	Error     string   `json:"error,omitempty"`
}

// Totals are the figures over all questions (means over the questions each
// applies to; nil when it applies to none).
type Totals struct {
	Questions    int      `json:"questions"`
	Recall1      *float64 `json:"recall1"`
	Recall3      *float64 `json:"recall3"`
	Facts        *float64 `json:"facts,omitempty"`
	Abstention   *float64 `json:"abstention,omitempty"`
	Citations    *float64 `json:"citations,omitempty"`
	Quotes       *float64 `json:"quotes,omitempty"`
	LatencyP50MS float64  `json:"latency_p50_ms,omitempty"`
	LatencyP95MS float64  `json:"latency_p95_ms,omitempty"`
	Tokens       int      `json:"tokens"`
	Errors       int      `json:"errors"`
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

// Run evaluates file against e.
func Run(ctx context.Context, e Engine, file *File, opts Options) (*Report, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	rep := &Report{Mode: e.Mode(), Answers: opts.Answers, Results: []Result{}}
	for i, q := range file.Questions {
		if opts.Progress != nil {
			opts.Progress(i, len(file.Questions), q)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r := Result{ID: q.ID, Question: q.Question, Kind: q.Kind}
		if len(q.Passages) > 0 {
			res, err := e.Search(ctx, q.Question, 3, file.Story)
			if err != nil {
				return nil, fmt.Errorf("search %s: %w", q.ID, err)
			}
			for i, x := range res {
				if containsAny(x.Passage.Text, q.Passages) || containsAny(x.Passage.Section, q.Passages) {
					r.Rank = i + 1
					break
				}
			}
			r.Recall1, r.Recall3 = ratio(r.Rank == 1), ratio(r.Rank >= 1)
		}
		if opts.Answers {
			scoreAnswer(ctx, e, file.Story, q, &r, opts.Now)
		}
		rep.Results = append(rep.Results, r)
	}
	rep.Totals = totals(rep.Results)
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
	t.Facts = mean(func(r Result) *float64 { return r.Facts })
	t.Abstention = mean(func(r Result) *float64 {
		if r.Abstained == nil {
			return nil
		}
		return ratio(*r.Abstained)
	})
	t.Citations = mean(func(r Result) *float64 { return r.Citations })
	t.Quotes = mean(func(r Result) *float64 { return r.Quotes })
	var lat []float64
	for _, r := range rs {
		t.Tokens += r.Tokens
		if r.Error != "" {
			t.Errors++
		}
		if r.LatencyMS > 0 {
			lat = append(lat, r.LatencyMS)
		}
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
var metricNames = []string{"recall1", "recall3", "facts", "abstention", "citations", "quotes"}

// ParseThresholds reads "recall3=0.9,facts=0.8".
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
		known := false
		for _, m := range metricNames {
			known = known || m == name
		}
		if !known {
			return nil, fault.New(fault.Invalid, "--fail-under: unknown metric %q (known: %s)", name, strings.Join(metricNames, ", "))
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil || v < 0 || v > 1 {
			return nil, fault.New(fault.Invalid, "--fail-under: %s=%s is not a number from 0 to 1", name, val)
		}
		out[name] = v
	}
	return out, nil
}

// Check returns the metrics below their thresholds, as "facts 0.70 < 0.80".
// A metric the report does not have (answers not evaluated) fails too: a
// gate on it cannot have been met.
func (r *Report) Check(thresholds map[string]float64) []string {
	values := map[string]*float64{
		"recall1": r.Totals.Recall1, "recall3": r.Totals.Recall3, "facts": r.Totals.Facts,
		"abstention": r.Totals.Abstention, "citations": r.Totals.Citations, "quotes": r.Totals.Quotes,
	}
	var failed []string
	for _, name := range metricNames {
		want, ok := thresholds[name]
		if !ok {
			continue
		}
		got := values[name]
		switch {
		case got == nil:
			failed = append(failed, fmt.Sprintf("%s not measured (< %.2f)", name, want))
		case *got < want:
			failed = append(failed, fmt.Sprintf("%s %.2f < %.2f", name, *got, want))
		}
	}
	return failed
}
