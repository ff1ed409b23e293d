package evaluation

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/storybot/storybot/answer"
	"github.com/storybot/storybot/knowledge"
)

// The general sets: German texts of several kinds written for this project,
// with questions in English and German over the whole folder (an archive).
// dev.json and dev2.json are for tuning; test.json is held out. dev.json and
// test.json share a folder; dev2.json (four more texts, written later) has
// its own, so adding it changed none of their figures.
const (
	generalDev  = "sets/general/dev.json"
	generalTest = "sets/general/test.json"
)

func generalFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("sets/general/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no question files under sets/general: %v", err)
	}
	return files
}

// TestTheGeneralSetsAreSound checks the data, not the engine: every
// question belongs to a loaded story, every supporting snippet picks out
// exactly one passage of that story, every required fact can be read in
// that passage, and the texts and questions have the mix the set promises.
func TestTheGeneralSetsAreSound(t *testing.T) {
	// Each folder of stories is loaded once; dev.json and test.json share
	// one (the archive their questions run over), dev2.json has its own.
	var stories []*knowledge.Story
	byFolder := map[string]map[string]*knowledge.Story{}
	load := func(folder string) map[string]*knowledge.Story {
		if m, ok := byFolder[folder]; ok {
			return m
		}
		loaded, err := knowledge.Load(folder)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]*knowledge.Story{}
		for _, s := range loaded {
			m[s.ID] = s
			stories = append(stories, s)
			if n := len(strings.Fields(s.Text)); n < 300 || n > 900 {
				t.Errorf("story %s has %d words, want 300 to 900", s.ID, n)
			}
			if s.Language != "de" {
				t.Errorf("story %s is detected as %q, want de", s.ID, s.Language)
			}
		}
		byFolder[folder] = m
		return m
	}
	fileOf := map[string]string{} // story → the one question file it belongs to
	ids := map[string]bool{}
	type tally struct{ en, de, absent, all int }
	perStory := map[string]*tally{}
	var total tally
	for _, path := range generalFiles(t) {
		file, err := ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if (path == generalDev || path == generalTest) && file.StoryFolder() != filepath.Join("sets/general", "stories") {
			t.Errorf("%s: stories folder %q, want the shared one", path, file.StoryFolder())
		}
		byID := load(file.StoryFolder())
		for _, q := range file.Questions {
			if ids[q.ID] {
				t.Errorf("%s: question id %s used twice", path, q.ID)
			}
			ids[q.ID] = true
			s := byID[q.Story]
			if s == nil {
				t.Errorf("%s: question %s is about %q, which is not in the folder", path, q.ID, q.Story)
				continue
			}
			if prev, ok := fileOf[q.Story]; ok && prev != path {
				t.Errorf("story %s has questions in both %s and %s: dev and test must not share a text", q.Story, prev, path)
			}
			fileOf[q.Story] = path
			tl := perStory[q.Story]
			if tl == nil {
				tl = &tally{}
				perStory[q.Story] = tl
			}
			for _, x := range []*tally{tl, &total} {
				x.all++
				switch {
				case q.Kind == KindAbsent:
					x.absent++
				case q.Lang == "en":
					x.en++
				case q.Lang == "de":
					x.de++
				}
			}
			if q.Lang != "en" && q.Lang != "de" {
				t.Errorf("question %s has language %q", q.ID, q.Lang)
			}
			if q.Kind != KindAnswer {
				if len(q.Passages) > 0 || len(q.Facts) > 0 {
					t.Errorf("question %s is %s but names passages or facts", q.ID, q.Kind)
				}
				continue
			}
			if len(q.Passages) == 0 || len(q.Facts) == 0 {
				t.Errorf("question %s needs both passages and facts", q.ID)
				continue
			}
			var gold []*knowledge.Passage
			for i := range s.Passages {
				if containsAny(s.Passages[i].Text, q.Passages) {
					gold = append(gold, &s.Passages[i])
				}
			}
			if len(gold) != 1 {
				t.Errorf("question %s: passages %q match %d passages of %s, want exactly 1", q.ID, q.Passages, len(gold), q.Story)
				continue
			}
			for _, group := range q.Facts {
				if !containsFold(gold[0].Text, group) {
					t.Errorf("question %s: no spelling of fact %q is in its passage %s", q.ID, group, gold[0].ID)
				}
			}
		}
	}
	if !slices.Contains(generalFiles(t), generalDev) || !slices.Contains(generalFiles(t), generalTest) {
		t.Errorf("want both %s and %s", generalDev, generalTest)
	}
	for _, s := range stories {
		tl := perStory[s.ID]
		if tl == nil {
			t.Errorf("story %s has no questions", s.ID)
			continue
		}
		if tl.en < 5 || tl.de < 5 || tl.absent < 2 {
			t.Errorf("story %s: %d English, %d German answerable and %d absent questions; want 5, 5 and 2 at least", s.ID, tl.en, tl.de, tl.absent)
		}
	}
	if total.all < 220 {
		t.Errorf("%d questions, want at least 220", total.all)
	}
	if answerable := total.en + total.de; total.en*5 < answerable*2 || total.de*5 < answerable*2 {
		t.Errorf("%d English and %d German answerable questions: want each language at least 40%%", total.en, total.de)
	}
	if share := float64(total.absent) / float64(total.all); share < 0.15 {
		t.Errorf("%d of %d questions are absent (%.2f), want at least 0.15", total.absent, total.all, share)
	}
	t.Logf("%d stories, %d questions: %d English and %d German answerable, %d absent", len(stories), total.all, total.en, total.de, total.absent)
}

// TestTheGeneralSetsOffline runs the sets through the real engine, offline,
// over the whole folder, and reports the figures. CI holds both sets to the
// figures measured last (floors: the engine is deterministic, so any change
// that lowers one fails, and must say so and lower the floor in the same
// commit). The gate (issue 10's "Done when", on the held-out test set) is
// enforced only with STORYBOT_EVAL_GATE=1, until the engine meets it.
func TestTheGeneralSetsOffline(t *testing.T) {
	for _, path := range generalFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			file, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			stories, err := knowledge.Load(file.StoryFolder())
			if err != nil {
				t.Fatal(err)
			}
			e, err := answer.New(context.Background(), answer.Options{Stories: stories})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Run(context.Background(), e, file, Options{Answers: true})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Totals.Errors > 0 {
				t.Errorf("%d questions failed", rep.Totals.Errors)
			}
			langs := make([]string, 0, len(rep.Totals.ByLang))
			for l := range rep.Totals.ByLang {
				langs = append(langs, l)
			}
			sort.Strings(langs)
			for _, l := range langs {
				x := rep.Totals.ByLang[l]
				t.Logf("%s %s: %d questions, recall@1 %.2f @3 %.2f @5 %.2f, facts %.2f, abstention %.2f, median answer %.0f chars",
					filepath.Base(path), l, x.Questions, deref(x.Recall1), deref(x.Recall3), deref(x.Recall5), deref(x.Facts), deref(x.Abstention), x.AnswerCharsP50)
			}
			if failed := rep.Check(floors[filepath.Base(path)]); len(failed) > 0 {
				t.Errorf("below the figures last measured (README \"The general sets\"): %s", strings.Join(failed, "; "))
			}
			if rep.Totals.AnswerCharsP50 > 400 {
				t.Errorf("median answer length %.0f characters, want at most 400", rep.Totals.AnswerCharsP50)
			}
			if path != generalTest {
				return
			}
			if os.Getenv("STORYBOT_EVAL_GATE") != "1" {
				t.Skip("gate off: set STORYBOT_EVAL_GATE=1 to hold the engine to issue 10's figures")
			}
			if failed := rep.Check(doneWhen); len(failed) > 0 {
				t.Errorf("below issue 10's gate: %s", strings.Join(failed, "; "))
			}
		})
	}
}

// floors are the figures measured on 2026-12-01 (offline, see README),
// rounded down to two places: regressions fail CI. English figures moved by
// one question when the dictionary's conversion stopped dropping words
// written with an abbreviation or a parenthesis holding a semicolon (dev
// recall@1 0.51 → 0.53, recall@5 0.86 → 0.88; test recall@1 0.59 → 0.58,
// facts 0.72 → 0.70); README "Words the conversion dropped" says why it
// was kept. The measure order in ranking (2026-12-08) raised dev German
// recall@1 0.80 → 0.90, English 0.53 → 0.55 and facts 0.55 → 0.57, test
// German facts 0.72 → 0.73 and English recall@1 0.58 → 0.60; test English
// facts stayed above 0.70 (0.71 → 0.70 unrounded: one question). Its
// further cues (a share, a loudness, "wiegen", "bezahlen" after "wie viel")
// moved test German recall@1 0.79 → 0.78 (one question: 0.7864 → 0.7767,
// hence the floor 0.77) and English 0.60 → 0.61, facts 0.70 → 0.71, and
// dev2 German recall@1 0.58 → 0.62. A measure stated only in a passage that
// shares nothing but the measure's word with the question no longer answers
// it (2026-12-08): dev abstention 0.19 → 0.23. The story prior in ranking
// and the answer-kind nouns left out of what a story must mention (the same
// day) raised English recall@5 (dev 0.88 → 0.92, dev2 0.83 → 0.86, test
// 0.86 → 0.90), the answers' facts (test German 0.74 → 0.76, English 0.71 →
// 0.72; dev English 0.58 → 0.63) and dev2's German recall@1 (0.62 → 0.67),
// and cost abstentions (dev 0.23 → 0.14, test 0.12 → 0.09; dev2 0.05 →
// 0.10 the other way) and one English question's first place on dev (0.55
// → 0.53): README "The general sets" says why it was kept. A length only
// from a sentence that names its dimension ("breit" for "Wie breit …") then
// raised dev abstention 0.14 → 0.23 and cost test one English answer (0.72
// → 0.71). An offline answer's sentence that refers back to one that
// matches ("Sie zahlte 14.500 Euro") counting with that one's matches
// raised German facts (dev 0.84 → 0.86, dev2 0.52 → 0.58, test 0.77 →
// 0.78); preferring a number in the question's likely units then raised
// dev2 English facts 0.63 → 0.67; a sentence giving a number in those
// units that shares no word with the question then raised German facts on
// dev 0.86 → 0.92 and dev2 0.58 → 0.60 (test did not move).
var floors = map[string]map[string]float64{
	"dev.json": {
		"de.recall1": 0.90, "de.recall5": 1.00, "de.facts": 0.92,
		"en.recall1": 0.53, "en.recall5": 0.92, "en.facts": 0.63,
		"abstention": 0.23,
	},
	"dev2.json": {
		"de.recall1": 0.67, "de.recall5": 0.90, "de.facts": 0.59,
		"en.recall1": 0.55, "en.recall5": 0.86, "en.facts": 0.67,
		"abstention": 0.10,
	},
	"test.json": {
		"de.recall1": 0.78, "de.recall5": 0.96, "de.facts": 0.77,
		"en.recall1": 0.63, "en.recall5": 0.90, "en.facts": 0.71,
		"abstention": 0.09,
	},
}

// doneWhen is issue 10's bar for the general test set, offline.
var doneWhen = map[string]float64{
	"en.recall5": 0.90,
	"de.recall1": 0.93,
	"de.facts":   0.90,
	"en.facts":   0.60,
	"abstention": 0.80,
}
