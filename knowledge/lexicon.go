package knowledge

import (
	_ "embed"
	"strings"
)

//go:embed lexicon/en-de.txt
var lexiconText string

// bridge maps a folded word of either language to folded words of the other:
// lexical retrieval across English and German, the way dictionary-based
// cross-language retrieval does it. Built once from lexicon/en-de.txt.
var bridge = func() map[string][]string {
	m := map[string][]string{}
	add := func(from, to string) {
		for _, x := range m[from] {
			if x == to {
				return
			}
		}
		m[from] = append(m[from], to)
	}
	for _, line := range strings.Split(lexiconText, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		en, de, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		for _, e := range strings.Split(en, ",") {
			for _, d := range strings.Split(de, ",") {
				e, d := lexiconKey(e), lexiconKey(d)
				if e == "" || d == "" || e == d {
					continue
				}
				// Keys as a question's words meet them ("co-found" as
				// "co found"), translations one word each ("künstliche
				// Intelligenz" as kuenstliche, intelligenz).
				words(d, func(w string) { add(e, w) })
				words(e, func(w string) { add(d, w) })
			}
		}
	}
	return m
}()

// lexiconKey is an entry as analysis sees it: folded words, space-separated.
func lexiconKey(s string) string {
	var ws []string
	words(s, func(w string) { ws = append(ws, w) })
	return strings.Join(ws, " ")
}

// translations returns the other language's words for a folded word (or
// phrase, its words space-separated), each one folded word, nil when the
// lexicon has none.
func translations(w string) []string { return bridge[w] }

// lexiconTranslations is bridge as translationsOf returns it, made once
// rather than per question.
var lexiconTranslations = func() map[string][]Translation {
	m := make(map[string][]Translation, len(bridge))
	for k, ts := range bridge {
		out := make([]Translation, len(ts))
		for i, t := range ts {
			out[i] = Translation{German: t, Weight: 1, either: true}
		}
		m[k] = out
	}
	return m
}()
