package bot

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/storybot/storybot/fault"
)

func TestUserMessage(t *testing.T) {
	retry := time.Unix(1_700_000_060, 0)
	secret := errors.New("POST https://api.openai.com/v1/chat: 500 internal, key sk-secret")
	tests := []struct {
		name     string
		err      error
		lang     string
		want     string
		mustNot  string
		wantKind string
	}{
		{"a model failure says the model is unreachable", fault.Wrap(fault.Unavailable, secret, "model unreachable"), langEN, "language model can't be reached", "sk-secret", "unavailable"},
		{"a model failure in German", fault.Wrap(fault.Unavailable, secret, "model unreachable"), langDE, "Sprachmodell ist gerade nicht erreichbar", "sk-secret", "unavailable"},
		{"bad input shows the fault's own message", fault.New(fault.Invalid, "the question is empty"), langEN, "the question is empty", "", "invalid"},
		{"an unknown story shows the fault's message", fault.New(fault.NotFound, "no story %q", "x"), langDE, `no story "x"`, "", "not_found"},
		{"a limit from the engine says try later", fault.New(fault.Limited, "budget"), langEN, "Try again later", "", "limited"},
		{"a limit in German says später", fault.New(fault.Limited, "budget"), langDE, "später", "", "limited"},
		{"a bug says something went wrong and hides the details", fmt.Errorf("render: %w", secret), langEN, "Something went wrong", "sk-secret", "internal"},
		{"a bug in German", secret, langDE, "schiefgelaufen", "sk-secret", "internal"},
		{"a panic is a bug", &panicError{value: "boom"}, langEN, "Something went wrong", "boom", "panic"},
		{"a deadline counts as the model being unavailable", fmt.Errorf("ask: %w", context.DeadlineExceeded), langEN, "can't be reached", "", "unavailable"},
		{"the rate limit says when to try again", &notice{kind: fault.Limited, reason: "rate_limited", msg: txtRateLimited, retryAt: retry}, langEN, "Try again <t:1700000060:R>.", "", "rate_limited"},
		{"the rate limit in German", &notice{kind: fault.Limited, reason: "rate_limited", msg: txtRateLimited, retryAt: retry}, langDE, "Versuch es <t:1700000060:R> wieder.", "", "rate_limited"},
		{"a refused channel says so", &notice{kind: fault.Invalid, reason: "refused", msg: txtNotAllowed}, langEN, "I don't answer here", "", "refused"},
		{"shutting down says to ask again", shuttingDown(), langDE, "starte gerade neu", "", "shutting_down"},
	}
	idLine := regexp.MustCompile("\n-# (error id|Fehler-ID): `[0-9a-f]{8}`$")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := newErrorID()
			got := userMessage(tt.err, tt.lang, id)
			if !strings.Contains(got, tt.want) {
				t.Errorf("message %q does not contain %q", got, tt.want)
			}
			if tt.mustNot != "" && strings.Contains(got, tt.mustNot) {
				t.Errorf("message %q leaks %q", got, tt.mustNot)
			}
			if !idLine.MatchString(got) || !strings.Contains(got, id) {
				t.Errorf("message %q does not end with the error id %s", got, id)
			}
			if o := outcome(tt.err); o != tt.wantKind {
				t.Errorf("outcome %q, want %q", o, tt.wantKind)
			}
		})
	}
}

func TestNoticeHasAFaultKind(t *testing.T) {
	n := &notice{kind: fault.Limited, reason: "busy", msg: txtBusy}
	if k := fault.KindOf(n); k != fault.Limited {
		t.Errorf("fault.KindOf(notice) = %v, want limited", k)
	}
}

func TestRedactRemovesInteractionTokens(t *testing.T) {
	in := `Patch "https://discord.com/api/v9/webhooks/123/aW50ZXJhY3Rpb246MTIz.abc-def_ghi/messages/@original": dial tcp: refused`
	got := redact(in)
	if strings.Contains(got, "aW50ZXJhY3Rpb246MTIz") {
		t.Errorf("token survived: %s", got)
	}
	if !strings.Contains(got, "/webhooks/123/REDACTED/messages/@original") {
		t.Errorf("path mangled: %s", got)
	}
}

func TestNewErrorIDIsEightHexCharacters(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		id := newErrorID()
		if !regexp.MustCompile(`^[0-9a-f]{8}$`).MatchString(id) {
			t.Fatalf("error id %q", id)
		}
		seen[id] = true
	}
	if len(seen) < 95 {
		t.Errorf("only %d distinct ids of 100", len(seen))
	}
}
