// Package fault is storybot's one error type. It separates what a user may be
// shown (Message, already safe and short) from what only the log should see
// (the wrapped Err), and carries a Kind that the CLI maps to an exit code and
// the bot maps to a localized reply.
package fault

import (
	"errors"
	"fmt"
)

// Kind classifies a failure by what the user can do about it.
type Kind int

const (
	// Internal is a bug or an unexpected failure: nothing the user did.
	Internal Kind = iota
	// Invalid is bad input: an empty question, an unreadable story file, an unknown option.
	Invalid
	// Unavailable is a dependency that failed after retries: the model API, Discord.
	Unavailable
	// NotFound is a story, speaker or passage that does not exist.
	NotFound
	// Limited is a rate limit or capacity limit; RetryAfter-style details live in the message.
	Limited
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case Unavailable:
		return "unavailable"
	case NotFound:
		return "not_found"
	case Limited:
		return "limited"
	default:
		return "internal"
	}
}

// Error is a failure with a user-safe message. Err may hold details (URLs,
// status codes, bodies) that belong in the log only; Error() includes them,
// Message does not.
type Error struct {
	Kind    Kind
	Message string
	Err     error
	// Key names the message for translation ("question_too_long"), Args
	// are its arguments in the order of Message's verbs; "" when the
	// message is not meant to be translated. A front end with its own
	// strings (the bot) shows its text for Key, and Message otherwise.
	Key  string
	Args []any
}

func (e *Error) Error() string {
	if e.Err == nil {
		return e.Message
	}
	if e.Message == "" {
		return e.Err.Error()
	}
	return e.Message + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an Error of kind k with a user-safe message.
func New(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Keyed returns an Error of kind k whose user-safe message has a key for
// translation: format and args make the English Message; key and args
// let a front end say the same in the user's language.
func Keyed(k Kind, key, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...), Key: key, Args: args}
}

// Wrap returns an Error of kind k with a user-safe message and the underlying cause.
func Wrap(k Kind, err error, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...), Err: err}
}

// KindOf reports the Kind of the first *Error in err's chain, Internal when there is none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// MessageOf returns the user-safe message of err, or "" when err carries none.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return ""
}

// KeyOf returns the translation key and arguments of the first *Error in
// err's chain ("" when it has none).
func KeyOf(err error) (key string, args []any) {
	var e *Error
	if errors.As(err, &e) {
		return e.Key, e.Args
	}
	return "", nil
}
