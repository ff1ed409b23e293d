package knowledge

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

var benchQuestions = []string{
	"When did Altman make his reservation?",
	"Wann hat sich Musk von OpenAI zurückgezogen?",
	"What did Musk say on the Joe Rogan podcast about the new Roadster?",
	"Welches KI-Unternehmen gründete Musk?",
}

// BenchmarkSearchDefaultStory is one question against the embedded article
// (target: under 50 µs).
func BenchmarkSearchDefaultStory(b *testing.B) {
	benchSearch(b, []*Story{Default()})
}

// syntheticStory builds a story of n passages of about 60 words each, drawn
// (with a fixed seed) from the default story's own vocabulary, so term
// statistics look like news German rather than random strings.
func syntheticStory(b *testing.B, n int) *Story {
	b.Helper()
	var vocab []string
	words(Default().Text, func(w string) { vocab = append(vocab, w) })
	rng := rand.New(rand.NewPCG(1, 2))
	var sb strings.Builder
	sb.WriteString("Synthetisches Archiv\n\n")
	for p := 0; p < n; p++ {
		if p%50 == 0 {
			fmt.Fprintf(&sb, "Abschnitt %d\n\n", p/50+1)
		}
		for s := 0; s < 4; s++ {
			for w := 0; w < 15; w++ {
				word := vocab[rng.IntN(len(vocab))]
				if w == 0 {
					word = strings.ToUpper(word[:1]) + word[1:]
				} else {
					sb.WriteByte(' ')
				}
				sb.WriteString(word)
			}
			sb.WriteString(". ")
		}
		sb.WriteString("\n\n")
	}
	s, err := Parse("synthetic", "synthetic", []byte(sb.String()))
	if err != nil {
		b.Fatal(err)
	}
	if len(s.Passages) != n {
		b.Fatalf("built %d passages, want %d", len(s.Passages), n)
	}
	return s
}

// BenchmarkBuildIndex10k indexes 10,000 passages (target: under 2 s).
func BenchmarkBuildIndex10k(b *testing.B) {
	s := syntheticStory(b, 10_000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewIndex(context.Background(), []*Story{s}, IndexOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearch10k is one question against 10,000 passages (target: under 5 ms).
func BenchmarkSearch10k(b *testing.B) {
	s := syntheticStory(b, 10_000)
	benchSearch(b, []*Story{s})
}

// BenchmarkSearchArchive10k is one question against 10,000 passages in 100
// stories of 100 each (target: under 5 ms): an archive, where the story
// prior weighs the stories of the leading results (see addStoryPrior).
func BenchmarkSearchArchive10k(b *testing.B) {
	whole := syntheticStory(b, 10_000)
	var stories []*Story
	for i := range 100 {
		var sb strings.Builder
		fmt.Fprintf(&sb, "Synthetische Geschichte %d\n\n", i+1)
		for _, p := range whole.Passages[i*100 : (i+1)*100] {
			sb.WriteString(p.Text)
			sb.WriteString("\n\n")
		}
		s, err := Parse(fmt.Sprintf("s%03d", i), "synthetic", []byte(sb.String()))
		if err != nil {
			b.Fatal(err)
		}
		stories = append(stories, s)
	}
	benchSearch(b, stories)
}

// benchSearch indexes stories and times Search over benchQuestions.
func benchSearch(b *testing.B, stories []*Story) {
	b.Helper()
	ix, err := NewIndex(context.Background(), stories, IndexOptions{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := ix.Search(ctx, benchQuestions[i%len(benchQuestions)], SearchOptions{K: 5}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearchLongQuestion is a question of 2,000 characters (the most a
// question may have) of words no story has, over 20 stories of 3,000
// distinct words each: the story prior looks each of its words up in each
// story's vocabulary (target: under 50 ms, far more than a real question
// costs).
func BenchmarkSearchLongQuestion(b *testing.B) {
	var stories []*Story
	for i := range 20 {
		var sb strings.Builder
		fmt.Fprintf(&sb, "Geschichte %d\n\n", i+1)
		for p := range 50 {
			for w := range 60 {
				fmt.Fprintf(&sb, "wort%dx%dy%d ", i, p, w)
			}
			sb.WriteString(".\n\n")
		}
		s, err := Parse(fmt.Sprintf("s%02d", i), "synthetic", []byte(sb.String()))
		if err != nil {
			b.Fatal(err)
		}
		stories = append(stories, s)
	}
	ix, err := NewIndex(context.Background(), stories, IndexOptions{})
	if err != nil {
		b.Fatal(err)
	}
	var q strings.Builder
	for i := 0; q.Len() < 2000; i++ {
		fmt.Fprintf(&q, "wort%dx1y%d unbekannt%d ", i%20, i%60, i)
	}
	question := q.String()[:2000]
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ix.Search(ctx, question, SearchOptions{K: 5}); err != nil {
			b.Fatal(err)
		}
	}
}
