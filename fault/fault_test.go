package fault

import (
	"errors"
	"fmt"
	"testing"
)

func TestKindAndMessageSurviveWrapping(t *testing.T) {
	cause := errors.New("POST https://api.example/v1: 500 body={secret-ish details}")
	cases := []struct {
		name     string
		err      error
		wantKind Kind
		wantMsg  string
	}{
		{"a plain error is internal with no user message", errors.New("boom"), Internal, ""},
		{"a fault error keeps its kind and message", New(Invalid, "the question is empty"), Invalid, "the question is empty"},
		{"wrapping with context keeps both", fmt.Errorf("ask: %w", Wrap(Unavailable, cause, "the model did not answer")), Unavailable, "the model did not answer"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if k := KindOf(c.err); k != c.wantKind {
				t.Errorf("kind %v, want %v", k, c.wantKind)
			}
			if m := MessageOf(c.err); m != c.wantMsg {
				t.Errorf("message %q, want %q", m, c.wantMsg)
			}
		})
	}
	w := Wrap(Unavailable, cause, "the model did not answer")
	if !errors.Is(w, cause) || w.Error() != "the model did not answer: "+cause.Error() {
		t.Errorf("Error() = %q; the log keeps the cause, the user message does not", w.Error())
	}
}

func TestKeyedErrorKeepsItsKeyThroughWrapping(t *testing.T) {
	err := fmt.Errorf("ask: %w", Keyed(Invalid, "question_too_long", "the question is too long (%d characters, at most %d)", 2500, 2000))
	if m := MessageOf(err); m != "the question is too long (2500 characters, at most 2000)" {
		t.Errorf("message %q", m)
	}
	key, args := KeyOf(err)
	if key != "question_too_long" || len(args) != 2 || args[0] != 2500 || args[1] != 2000 {
		t.Errorf("key %q args %v", key, args)
	}
	if key, _ := KeyOf(errors.New("plain")); key != "" {
		t.Errorf("a plain error has key %q", key)
	}
}
