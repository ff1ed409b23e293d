// Command dictionary-from-ding converts the Ding German–English dictionary
// (Debian package trans-de-en, /usr/share/trans/de-en) into storybot's
// embedded dictionary format. scripts/build-dictionary runs it; see there.
//
//	go run ./scripts/dictionary-from-ding IN OUT
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/storybot/storybot/knowledge"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: dictionary-from-ding DING-FILE OUT")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "dictionary-from-ding:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	entries, lines, err := parseDing(f)
	if err != nil {
		return fmt.Errorf("read %s: %w", in, err)
	}
	data, err := knowledge.EncodeDictionary(entries)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%d lines, %d aligned senses → %s (%d bytes)\n", lines, len(entries), out, len(data))
	return nil
}

// parseDing reads Ding's format: one line per meaning, "German :: English";
// both sides cut by " | " into aligned parts (the word, then its inflections
// and phrases), each part a "; "-separated list of synonyms annotated with
// {grammar}, [usage], (context) and <search variants>.
func parseDing(r io.Reader) ([]knowledge.DictionaryEntry, int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var out []knowledge.DictionaryEntry
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		de, en, ok := strings.Cut(line, " :: ")
		if !ok {
			continue
		}
		n++
		deParts, enParts := strings.Split(de, " | "), strings.Split(en, " | ")
		if len(deParts) != len(enParts) {
			continue // misaligned: which part translates which is unknown
		}
		for i := range deParts {
			e := knowledge.DictionaryEntry{Line: n, Part: i,
				English: synonyms(enParts[i], englishFiller), German: synonyms(deParts[i], germanFiller)}
			if len(e.English) > 0 && len(e.German) > 0 {
				out = append(out, e)
			}
		}
	}
	return out, n, sc.Err()
}

var (
	braces   = regexp.MustCompile(`\{[^{}]*\}|<[^<>]*>`)
	brackets = regexp.MustCompile(`\[[^\[\]]*\]|\([^()]*\)`)
	slash    = regexp.MustCompile(`\s*/\s*`)
	// An abbreviation stands between slashes after its word: "Zeitung
	// /Ztg./", "per Adresse /p. A.; p. Adr./", "enclosure /enc./". Alternatives
	// are slashed without a space before them ("newspaper/news/press
	// clipping"), and survive as words (slash above).
	abbreviation = regexp.MustCompile(`(^|\s)/[^/|]*[^/|\s]/(;|\s|$)`)
	outOfUse     = regexp.MustCompile(`\[(obs|archaic|rare|dated|veraltet|selten|altertümlich|poet|vulg|slang|pej|humor|iron)\.?\]`)
	sentence     = regexp.MustCompile(`\s.*[.!?…]$`)
	space        = regexp.MustCompile(`\s+`)
)

// Placeholders for the object of a verb carry no meaning of their own.
var (
	englishFiller = regexp.MustCompile(`(?i)(^|\s)(to|sth\.|sb\.|sb\.'s|sth\.'s|sb\.’s|sth\.’s|one's|one’s|oneself|someone|something)(\s|$)`)
	germanFiller  = regexp.MustCompile(`(^|\s)(etw\.|jdn\.|jdm\.|jds\.|jd\.|jemand|jemandem|jemanden)(\s|$)`)
)

// synonyms cleans one part of a line into its synonyms: annotations and
// placeholders dropped, out-of-use and sentence-like ones left out.
func synonyms(part string, filler *regexp.Regexp) []string {
	part = braces.ReplaceAllString(part, " ")
	part = abbreviation.ReplaceAllStringFunc(part, func(m string) string {
		if strings.HasSuffix(m, ";") {
			return " ;"
		}
		return " "
	})
	var out []string
	for _, s := range splitOutside(part, ';') {
		if outOfUse.MatchString(s) {
			continue
		}
		for {
			t := brackets.ReplaceAllString(s, " ")
			if t == s {
				break
			}
			s = t
		}
		s = slash.ReplaceAllString(s, " ")
		for {
			t := filler.ReplaceAllString(s, " ")
			if t == s {
				break
			}
			s = t
		}
		s = strings.TrimSpace(space.ReplaceAllString(s, " "))
		if s == "" || sentence.MatchString(s) {
			continue
		}
		out = append(out, s)
	}
	return out
}

// splitOutside cuts s at each sep that stands outside brackets and
// parentheses: "Waage (Sternbild; Sternzeichen); Libra" is two synonyms,
// not three with a parenthesis torn apart (whose halves would no longer be
// removed as annotations, leaving "Waage Sternbild" as a two-word rendering).
func splitOutside(s string, sep rune) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(', '[':
			depth++
		case ')', ']':
			depth = max(depth-1, 0)
		case sep:
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}
