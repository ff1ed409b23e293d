package llm_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/storybot/storybot/llm"
	"github.com/storybot/storybot/llm/openaitest"
)

func ExampleClient_Stream() {
	// A fake API; in production BaseURL is the real one (or Ollama, vLLM, ...).
	fake := openaitest.NewServer()
	fake.SetAnswer("Musk says the deposit was refunded [§2].")
	ts := httptest.NewServer(fake)
	defer ts.Close()

	client, err := llm.New(llm.Options{
		APIKey:     "sk-...",
		BaseURL:    ts.URL + "/v1",
		Model:      "gpt-4o-mini",
		Timeout:    llm.DefaultTimeout,
		MaxRetries: llm.DefaultMaxRetries,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	resp, err := client.Stream(ctx, llm.Request{Messages: []llm.Message{
		{Role: llm.System, Content: "Answer from the passages, citing them."},
		{Role: llm.User, Content: "[§2] ... \nDid Altman get his money back?"},
	}}, func(delta string) {
		fmt.Printf("%q\n", delta) // e.g. edit the Discord message
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Content)
	fmt.Println(resp.Usage.CompletionTokens > 0, client.Usage() == resp.Usage)
	// Output:
	// "Musk "
	// "says "
	// "the "
	// "deposit "
	// "was "
	// "refunded "
	// "[§2]."
	// Musk says the deposit was refunded [§2].
	// true true
}
