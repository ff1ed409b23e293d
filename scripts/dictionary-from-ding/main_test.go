package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/storybot/storybot/knowledge"
)

func TestParseDing(t *testing.T) {
	const ding = `# Version :: devel 2023-01-30
finden; vorfinden {vt} | findend; vorfindend | gefunden; vorgefunden | ich/er/sie fand | Das Unternehmen wurde 2011 gegründet. :: to find {found; found} | finding | found | I/he/she found | The company was founded in 2011.
etw. gründen; begründen [econ.] | gegründet :: to found sth.; to establish | founded
Aal {m} | Aale {pl} :: eel | eels
Teil {n} | Teile {pl} :: part; piece [obs.] | parts [obs.]
kaputt; hin [ugs.] :: broken (of a thing)
Zeile ohne Trenner
falsch {adj} | richtig :: wrong
Zeitung {f} /Ztg./; Blatt {n} | Zeitungen {pl}; Blätter {pl} | per Adresse /p. A.; p. Adr./; bei :: newspaper; paper | newspapers; papers | care of /c.o./
Waage {f} (Sternbild; Sternzeichen) [astron.]; Libra :: Libra; Scale (sign; constellation)
`
	entries, lines, err := parseDing(strings.NewReader(ding))
	if err != nil {
		t.Fatal(err)
	}
	if lines != 8 {
		t.Errorf("lines = %d, want 8 (comments and lines without :: are not lines)", lines)
	}
	want := []knowledge.DictionaryEntry{
		{Line: 1, Part: 0, English: []string{"find"}, German: []string{"finden", "vorfinden"}},
		{Line: 1, Part: 1, English: []string{"finding"}, German: []string{"findend", "vorfindend"}},
		{Line: 1, Part: 2, English: []string{"found"}, German: []string{"gefunden", "vorgefunden"}},
		{Line: 1, Part: 3, English: []string{"I he she found"}, German: []string{"ich er sie fand"}},
		{Line: 2, Part: 0, English: []string{"found", "establish"}, German: []string{"gründen", "begründen"}},
		{Line: 2, Part: 1, English: []string{"founded"}, German: []string{"gegründet"}},
		{Line: 3, Part: 0, English: []string{"eel"}, German: []string{"Aal"}},
		{Line: 3, Part: 1, English: []string{"eels"}, German: []string{"Aale"}},
		{Line: 4, Part: 0, English: []string{"part"}, German: []string{"Teil"}},
		{Line: 4, Part: 1, English: nil, German: nil},
		{Line: 5, Part: 0, English: []string{"broken"}, German: []string{"kaputt", "hin"}},
		// An abbreviation between slashes is not a word of its synonym.
		{Line: 7, Part: 0, English: []string{"newspaper", "paper"}, German: []string{"Zeitung", "Blatt"}},
		{Line: 7, Part: 1, English: []string{"newspapers", "papers"}, German: []string{"Zeitungen", "Blätter"}},
		{Line: 7, Part: 2, English: []string{"care of"}, German: []string{"per Adresse", "bei"}},
		// A semicolon inside parentheses does not cut a synonym.
		{Line: 8, Part: 0, English: []string{"Libra", "Scale"}, German: []string{"Waage", "Libra"}},
	}
	// Part 1 of line 4 has only an out-of-use English word and is left out;
	// so is line 6, whose parts do not align, and line 1's example sentence.
	want = append(want[:9], want[10:]...)
	if !reflect.DeepEqual(entries, want) {
		t.Errorf("parseDing:\n got %+v\nwant %+v", entries, want)
	}
}

func FuzzParseDing(f *testing.F) {
	f.Add("a {n} | b :: c | d [obs.]\n")
	f.Add("(x; y) :: <z> {a; b}\n :: \n|||::|||\n")
	f.Fuzz(func(t *testing.T, s string) {
		entries, _, err := parseDing(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, e := range entries {
			if len(e.English) == 0 || len(e.German) == 0 {
				t.Fatalf("empty side in %+v", e)
			}
		}
		if _, err := knowledge.EncodeDictionary(entries); err != nil {
			t.Fatalf("encode: %v", err)
		}
	})
}
