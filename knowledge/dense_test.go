package knowledge

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// topicEmbed is a deterministic stand-in for an embeddings API: a text's
// vector counts its words from a few topics, across languages, the way a
// multilingual embedding model would put "refund" near "Rückerstattung".
func topicEmbed(calls *int) EmbedFunc {
	topics := [][]string{
		{"refund", "rückerstattung", "erstattet"},
		{"podcast", "rogan", "demo"},
		{"openai", "xai", "ki-unternehmen"},
	}
	return func(_ context.Context, texts []string) ([][]float32, error) {
		*calls++
		out := make([][]float32, len(texts))
		for i, t := range texts {
			v := make([]float32, len(topics)+1)
			v[len(topics)] = 0.01 // no text is the zero vector
			low := strings.ToLower(t)
			for j, words := range topics {
				for _, w := range words {
					v[j] += float32(strings.Count(low, w))
				}
			}
			out[i] = v
		}
		return out, nil
	}
}

func TestDenseSignalIsFusedIn(t *testing.T) {
	calls := 0
	ix, err := NewIndex(context.Background(), []*Story{Default()}, IndexOptions{Embed: topicEmbed(&calls)})
	if err != nil {
		t.Fatal(err)
	}
	if !ix.Dense() || calls != 1 {
		t.Fatalf("dense %v after %d embed calls, want one batch for all passages", ix.Dense(), calls)
	}
	res, err := ix.Search(context.Background(), "How did the refund go?", SearchOptions{K: 3})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("%d embed calls, want one more for the question", calls)
	}
	if res[0].Dense <= 0 {
		t.Errorf("the best result has no dense score: %+v", res[0])
	}
	best := res[0].Passage.ID
	if best != "§3" && best != "§6" {
		t.Errorf("best passage %s, want one about the refund (§3 or §6)", best)
	}
}

func TestDenseRetrievalFailures(t *testing.T) {
	boom := errors.New("embeddings API down")
	cases := []struct {
		name  string
		embed EmbedFunc
	}{
		{"an API error", func(context.Context, []string) ([][]float32, error) { return nil, boom }},
		{"too few vectors", func(context.Context, []string) ([][]float32, error) { return [][]float32{{1}}, nil }},
	}
	for _, c := range cases {
		t.Run(c.name+" fails building the index, not a search", func(t *testing.T) {
			if _, err := NewIndex(context.Background(), []*Story{Default()}, IndexOptions{Embed: c.embed}); err == nil {
				t.Error("no error")
			}
		})
	}
	t.Run("an API error at search time is returned", func(t *testing.T) {
		n := 0
		embed := func(ctx context.Context, texts []string) ([][]float32, error) {
			n++
			if n > 1 {
				return nil, boom
			}
			return topicEmbed(new(int))(ctx, texts)
		}
		ix, err := NewIndex(context.Background(), []*Story{Default()}, IndexOptions{Embed: embed})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ix.Search(context.Background(), "refund?", SearchOptions{}); !errors.Is(err, boom) {
			t.Errorf("err %v, want the embed error", err)
		}
	})
}
