package knowledge_test

import (
	"context"
	"fmt"

	"github.com/storybot/storybot/knowledge"
)

func ExampleIndex_Search() {
	story := knowledge.Default()
	ix, err := knowledge.NewIndex(context.Background(), []*knowledge.Story{story}, knowledge.IndexOptions{})
	if err != nil {
		panic(err)
	}
	results, _ := ix.Search(context.Background(), "When did Altman make his reservation?", knowledge.SearchOptions{K: 1})
	fmt.Println(results[0].Passage.ID, results[0].Passage.Section)
	// Output: §2 Altmans Vorwurf: Der $45,000-Aufreger
}

func ExampleSelectContext() {
	story := knowledge.Default()
	ix, _ := knowledge.NewIndex(context.Background(), []*knowledge.Story{story}, knowledge.IndexOptions{})
	results, _ := ix.Search(context.Background(), "Wann gründete Musk OpenAI mit?", knowledge.SearchOptions{K: 7})
	// A small budget keeps only the best passages.
	for _, r := range knowledge.SelectContext(results, 200) {
		fmt.Println(r.Passage.ID)
	}
	// Output: §6
}
