package answer

import (
	"encoding/json"
	"errors"
	"strings"
)

// decodeLooseJSON decodes a model's JSON reply into v, tolerating what
// models wrap around it: a Markdown code fence, a sentence before or after,
// trailing commas.
func decodeLooseJSON(s string, v any) error {
	s = strings.TrimSpace(s)
	if err := json.Unmarshal([]byte(s), v); err == nil {
		return nil
	}
	if i := strings.Index(s, "```"); i >= 0 {
		rest := s[i+3:]
		if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
			rest = rest[nl+1:]
		}
		if j := strings.Index(rest, "```"); j >= 0 {
			rest = rest[:j]
		}
		s = strings.TrimSpace(rest)
	}
	start := strings.IndexAny(s, "{[")
	if start < 0 {
		return errors.New("no JSON object in the reply")
	}
	open := s[start]
	closeCh := byte('}')
	if open == '[' {
		closeCh = ']'
	}
	end := strings.LastIndexByte(s, closeCh)
	if end <= start {
		return errors.New("unterminated JSON in the reply")
	}
	body := trailingComma.Replace(s[start : end+1])
	if open == '[' {
		// A bare array: wrap it as the object's only list field.
		var list json.RawMessage = []byte(body)
		return json.Unmarshal(wrapList(list), v)
	}
	return json.Unmarshal([]byte(body), v)
}

var trailingComma = strings.NewReplacer(",]", "]", ",}", "}", ", ]", "]", ", }", "}", ",\n]", "]", ",\n}", "}")

// wrapList turns a bare array into {"events": [...], "quotes": [...]}, so
// either kind of reply decodes.
func wrapList(list json.RawMessage) []byte {
	b, _ := json.Marshal(map[string]json.RawMessage{"events": list, "quotes": list})
	return b
}
