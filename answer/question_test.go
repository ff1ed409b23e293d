package answer

import (
	"context"
	"strings"
	"testing"

	"github.com/storybot/storybot/fault"
	"github.com/storybot/storybot/knowledge"
)

// The question's length is counted in characters, as the message says: a
// question in Chinese is not three times as long as one in English.
func TestQuestionLengthIsCountedInCharacters(t *testing.T) {
	e, err := New(context.Background(), Options{Stories: []*knowledge.Story{knowledge.Default()}})
	if err != nil {
		t.Fatal(err)
	}
	cjk := strings.Repeat("马", 700) // 700 characters, 2,100 bytes
	if _, err := e.Ask(context.Background(), AskRequest{Question: cjk}, nil); err != nil {
		t.Errorf("a 700-character question in Chinese: %v", err)
	}
	tooLong := strings.Repeat("马", MaxQuestionChars+1)
	_, err = e.Ask(context.Background(), AskRequest{Question: tooLong}, nil)
	want := "the question is too long (2001 characters, at most 2000)"
	if fault.KindOf(err) != fault.Invalid || fault.MessageOf(err) != want {
		t.Errorf("a 2,001-character question: %v, want %q", err, want)
	}
	if key, args := fault.KeyOf(err); key != "question_too_long" || len(args) != 2 {
		t.Errorf("key %q args %v: the bot cannot translate it", key, args)
	}
}
