package answer_test

import (
	"context"
	"fmt"

	"github.com/storybot/storybot/answer"
	"github.com/storybot/storybot/knowledge"
)

// Without a model the engine answers offline, from the story's own sentences.
func ExampleEngine_Ask_offline() {
	e, err := answer.New(context.Background(), answer.Options{Stories: []*knowledge.Story{knowledge.Default()}})
	if err != nil {
		panic(err)
	}
	a, err := e.Ask(context.Background(), answer.AskRequest{Question: "Which AI company did Musk found?"}, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Mode, a.Language, a.Citations[0].ID)
	fmt.Println(a.Answer)
	// Output:
	// offline en §6
	// > Die Spannungen eskalierten weiter, als Musk sein eigenes KI-Unternehmen, xAI, gründete. [§6]
}

func ExampleEngine_Timeline() {
	e, _ := answer.New(context.Background(), answer.Options{Stories: []*knowledge.Story{knowledge.Default()}})
	t, _ := e.Timeline(context.Background(), answer.TimelineRequest{})
	for _, ev := range t.Events[:4] {
		fmt.Println(ev.Sort, ev.Date, ev.ID)
	}
	// Output:
	// 2015 2015 §6
	// 2017 2017 §4
	// 2018-07 Juli 2018 §2
	// 2018 2018 §6
}
