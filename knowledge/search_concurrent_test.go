package knowledge

import (
	"context"
	"reflect"
	"sync"
	"testing"
)

// Searches reuse pooled working memory (the question's analyzer, the
// per-passage scores and fused results): searches at the same time, and one
// after another on reused memory, must each get what a search alone gets.
func TestConcurrentSearchesMatchSearchesAlone(t *testing.T) {
	ix, err := NewIndex(context.Background(), []*Story{Default()}, IndexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	questions := append([]string{
		"How much did the Roadster reservation cost?",
		"Warum verließ Musk den Vorstand von OpenAI?",
		"When did the driver fall asleep?",
		"Was sagte Altman über die Rückerstattung?",
	}, benchQuestions...)
	ctx := context.Background()
	want := make([][]Result, len(questions))
	for i, q := range questions {
		// A fresh index for each, so no pooled memory is reused.
		fresh, err := NewIndex(ctx, []*Story{Default()}, IndexOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if want[i], err = fresh.Search(ctx, q, SearchOptions{K: 8}); err != nil {
			t.Fatal(err)
		}
		if len(want[i]) == 0 {
			t.Fatalf("%q: no results", q)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range 40 {
				i := (g + n*3) % len(questions)
				got, err := ix.Search(ctx, questions[i], SearchOptions{K: 8})
				if err != nil || !reflect.DeepEqual(got, want[i]) {
					errs <- questions[i]
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for q := range errs {
		t.Errorf("%q: results differ from a search alone", q)
	}
}
