package knowledge

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

type retrievalCase struct {
	Lang       string   `json:"lang"`
	Question   string   `json:"question"`
	AnswerText []string `json:"answer_text"` // any passage containing one of these answers it
}

func loadRetrievalCases(t testing.TB) []retrievalCase {
	t.Helper()
	data, err := os.ReadFile("testdata/retrieval.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Questions []retrievalCase `json:"questions"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	return f.Questions
}

func answers(p *Passage, c retrievalCase) bool {
	for _, a := range c.AnswerText {
		if strings.Contains(p.Text, a) || strings.Contains(p.Section, a) {
			return true
		}
	}
	return false
}

// TestRetrievalRecall holds retrieval to a number: recall@3 of at least 0.9
// over the questions in testdata/retrieval.json, in German and English.
func TestRetrievalRecall(t *testing.T) {
	cases := loadRetrievalCases(t)
	if len(cases) < 20 {
		t.Fatalf("need at least 20 evaluation questions, have %d", len(cases))
	}
	ix, err := NewIndex(context.Background(), []*Story{Default()}, IndexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hits1, hits3 := 0, 0
	byLang := map[string][2]int{}
	for _, c := range cases {
		res, err := ix.Search(context.Background(), c.Question, SearchOptions{K: 3})
		if err != nil {
			t.Fatal(err)
		}
		rank := 0
		for i, r := range res {
			if answers(r.Passage, c) {
				rank = i + 1
				break
			}
		}
		if rank == 1 {
			hits1++
		}
		if rank >= 1 {
			hits3++
		}
		l := byLang[c.Lang]
		l[0]++
		if rank >= 1 {
			l[1]++
		}
		byLang[c.Lang] = l
		if rank != 1 {
			var got []string
			for _, r := range res {
				got = append(got, r.Passage.ID)
			}
			t.Logf("rank %d for %q (got %v)", rank, c.Question, got)
		}
	}
	n := float64(len(cases))
	r1, r3 := float64(hits1)/n, float64(hits3)/n
	t.Logf("recall@1 = %.3f, recall@3 = %.3f over %d questions (%v)", r1, r3, len(cases), byLang)
	if r3 < 0.9 {
		t.Errorf("recall@3 = %.3f, want at least 0.9", r3)
	}
}
