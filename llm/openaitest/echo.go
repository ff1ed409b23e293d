package openaitest

import (
	"encoding/json"
	"hash/fnv"
	"math"
	"regexp"
	"sort"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

var passageID = regexp.MustCompile(`§\d+`)

// Echo is the default chat reply. It answers briefly, echoing the last line
// of the last user message and citing the first passage id ("§3") found in
// the user messages (then in the others), as "Echo: <line> [§3]". When the
// request asks for a json_schema response format, it answers with a JSON
// value shaped by the schema instead: strings hold that echo, properties
// named like "id" or "ids" hold the passage id.
func Echo(req openai.ChatCompletionRequest) Reply {
	id := firstPassageID(req.Messages)
	line := lastUserLine(req.Messages)
	text := "Echo: " + line
	if id != "" {
		text += " [" + id + "]"
	}
	if schema := requestSchema(req); schema != nil {
		b, err := json.Marshal(exampleOf(schema, "", text, id))
		if err == nil {
			return Reply{Content: string(b)}
		}
	}
	return Reply{Content: text}
}

func firstPassageID(msgs []openai.ChatCompletionMessage) string {
	for _, pass := range []bool{true, false} {
		for _, m := range msgs {
			if (m.Role == openai.ChatMessageRoleUser) != pass {
				continue
			}
			if id := passageID.FindString(m.Content); id != "" {
				return id
			}
		}
	}
	return ""
}

func lastUserLine(msgs []openai.ChatCompletionMessage) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role != openai.ChatMessageRoleUser {
			continue
		}
		lines := strings.Split(strings.TrimSpace(msgs[i].Content), "\n")
		line := strings.TrimSpace(lines[len(lines)-1])
		if r := []rune(line); len(r) > 100 {
			line = string(r[:100]) + "…"
		}
		return line
	}
	return ""
}

func requestSchema(req openai.ChatCompletionRequest) map[string]any {
	rf := req.ResponseFormat
	if rf == nil || rf.Type != openai.ChatCompletionResponseFormatTypeJSONSchema || rf.JSONSchema == nil || rf.JSONSchema.Schema == nil {
		return nil
	}
	b, err := rf.JSONSchema.Schema.MarshalJSON()
	if err != nil {
		return nil
	}
	var schema map[string]any
	if json.Unmarshal(b, &schema) != nil {
		return nil
	}
	return schema
}

// exampleOf builds a small value that fits schema (the common subset of JSON
// Schema: type, properties, items, enum, const).
func exampleOf(schema map[string]any, name, text, id string) any {
	if c, ok := schema["const"]; ok {
		return c
	}
	if enum, ok := schema["enum"].([]any); ok && len(enum) > 0 {
		return enum[0]
	}
	typ, _ := schema["type"].(string)
	if types, ok := schema["type"].([]any); ok && len(types) > 0 {
		typ, _ = types[0].(string)
	}
	if typ == "" {
		if _, ok := schema["properties"]; ok {
			typ = "object"
		}
	}
	lname := strings.ToLower(name)
	isID := lname == "id" || strings.HasSuffix(lname, "_id") || lname == "ids" || strings.HasSuffix(lname, "_ids") || lname == "citations"
	switch typ {
	case "object":
		props, _ := schema["properties"].(map[string]any)
		keys := make([]string, 0, len(props))
		for k := range props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		obj := make(map[string]any, len(props))
		for _, k := range keys {
			if sub, ok := props[k].(map[string]any); ok {
				obj[k] = exampleOf(sub, k, text, id)
			}
		}
		return obj
	case "array":
		items, _ := schema["items"].(map[string]any)
		if items == nil {
			return []any{}
		}
		return []any{exampleOf(items, name, text, id)}
	case "string":
		if isID && id != "" {
			return id
		}
		return text
	case "integer", "number":
		return 1
	case "boolean":
		return false
	case "null":
		return nil
	}
	return text
}

// Vector is the embedding the server computes for text: a signed, hashed bag
// of the lower-cased text's character trigrams, normalized to length 1. Texts
// that share many trigrams get a high cosine similarity; unrelated texts get
// one near 0. An empty text gets the first unit vector.
func Vector(text string, dim int) []float32 {
	if dim <= 0 {
		dim = DefaultEmbeddingDim
	}
	v := make([]float64, dim)
	r := []rune(" " + strings.Join(strings.Fields(strings.ToLower(text)), " ") + " ")
	for i := 0; i+3 <= len(r); i++ {
		h := fnv.New64a()
		_, _ = h.Write([]byte(string(r[i : i+3])))
		sum := h.Sum64()
		sign := 1.0
		if sum>>63 == 1 {
			sign = -1
		}
		v[sum%uint64(dim)] += sign
	}
	var norm float64
	for _, x := range v {
		norm += x * x
	}
	out := make([]float32, dim)
	if norm == 0 {
		out[0] = 1
		return out
	}
	norm = math.Sqrt(norm)
	for i, x := range v {
		out[i] = float32(x / norm)
	}
	return out
}
