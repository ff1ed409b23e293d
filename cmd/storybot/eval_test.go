package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const generalDev = "../../evaluation/sets/general/dev.json"

// oneStoryFolder is a folder with a story none of the general questions is
// about.
func oneStoryFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "nordheim.txt"), []byte("Der Hafen von Nordheim\n\nDer Hafen von Nordheim wurde 1850 gebaut.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestEvalOverTheFoldersAQuestionFileNames(t *testing.T) {
	// The file names its stories folder: it wins over STORY_PATH.
	r := runCLI(t, map[string]string{"STORY_PATH": oneStoryFolder(t)}, "eval", "--json", "--answers", generalDev)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rep struct {
		Results []struct{ Story, Lang string }
		Totals  struct {
			Questions      int
			Recall5        *float64
			AnswerCharsP50 float64 `json:"answer_chars_p50"`
			ByLang         map[string]struct {
				Questions               int
				Recall1, Recall5, Facts *float64
			} `json:"by_lang"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	stories := map[string]bool{}
	for _, x := range rep.Results {
		stories[x.Story] = true
	}
	en, de := rep.Totals.ByLang["en"], rep.Totals.ByLang["de"]
	if rep.Totals.Questions < 100 || len(stories) < 4 || rep.Totals.Recall5 == nil || rep.Totals.AnswerCharsP50 <= 0 ||
		en.Questions == 0 || de.Questions == 0 || en.Questions+de.Questions != rep.Totals.Questions || en.Recall5 == nil || de.Facts == nil {
		t.Errorf("report: %d questions over %d stories, totals %+v", rep.Totals.Questions, len(stories), rep.Totals)
	}

	table := runCLI(t, nil, "eval", generalDev)
	for _, want := range []string{"recall@5", "\n  de ", "\n  en ", "hallenbad-en-cost"} {
		if !strings.Contains(table.stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, table.stdout)
		}
	}

	// --stories wins over the file: these questions' stories are not there.
	r = runCLI(t, nil, "eval", "--stories", oneStoryFolder(t), generalDev)
	if r.code != 2 || !strings.Contains(r.stderr, "which is not loaded") {
		t.Errorf("--stories over the file's folder: exit %d, %q", r.code, r.stderr)
	}

	gate := runCLI(t, nil, "eval", "--fail-under", "en.recall5=1.0,de.recall5=0", generalDev)
	if gate.code != 1 || !strings.Contains(gate.stderr, "en.recall5") || strings.Contains(gate.stderr, "de.recall5") {
		t.Errorf("a per-language gate: exit %d, %q", gate.code, gate.stderr)
	}
}

func TestEvalTakesItsStoriesFromStoryPathWhenTheFileNamesNone(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "q.json")
	if err := os.WriteFile(file, []byte(`{"story":"nordheim","questions":[{"lang":"de","question":"Wann wurde der Hafen von Nordheim gebaut?","passages":["1850"]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, map[string]string{"STORY_PATH": oneStoryFolder(t)}, "eval", file); r.code != 0 || !strings.Contains(r.stdout, "recall@1 1.00") {
		t.Errorf("exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, nil, "eval", file); r.code != 2 || !strings.Contains(r.stderr, `"nordheim", which is not loaded`) {
		t.Errorf("without STORY_PATH: exit %d, %q", r.code, r.stderr)
	}
}
