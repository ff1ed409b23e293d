package knowledge

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestStoryIDsAreUniqueStableAndNonEmpty(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.txt", "a-2.txt", "sub/a.txt", "b.txt", "b.md", "b.md.txt", "c.markdown"} {
		mustWrite(t, filepath.Join(dir, name), "Titel "+name+"\n\nEin Absatz über "+name+".")
	}
	stories, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range stories {
		if s.ID == "" {
			t.Errorf("%s has an empty id", s.Source)
		}
		if prev, ok := got[s.ID]; ok {
			t.Errorf("id %q given to %s and %s", s.ID, prev, s.Source)
		}
		got[s.ID] = filepath.ToSlash(strings.TrimPrefix(s.Source, dir+string(filepath.Separator)))
	}
	want := map[string]string{
		"a": "a.txt", "a-2": "a-2.txt", "sub/a": "sub/a.txt",
		"b.txt": "b.txt", "b.md": "b.md", "b.md.txt": "b.md.txt", "c": "c.markdown",
	}
	if len(got) != len(want) {
		t.Errorf("ids %v, want %v", got, want)
	}
	for id, file := range want {
		if got[id] != file {
			t.Errorf("id %q names %q, want %q", id, got[id], file)
		}
	}
	again, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range stories {
		if stories[i].ID != again[i].ID {
			t.Errorf("id of %s changed between loads: %q, %q", stories[i].Source, stories[i].ID, again[i].ID)
		}
	}
}

func TestAStoryFileNamedOnlyByItsExtension(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, ".txt"), "Versteckt\n\nEin Absatz.")
	mustWrite(t, filepath.Join(dir, "x.txt"), "Sichtbar\n\nEin Absatz.")
	stories, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(stories) != 1 || stories[0].ID != "x" {
		t.Errorf("in a folder a hidden file is skipped: got %d stories, first %q", len(stories), stories[0].ID)
	}
	one, err := Load(filepath.Join(dir, ".txt"))
	if err != nil {
		t.Fatal(err)
	}
	if one[0].ID != ".txt" {
		t.Errorf("a single file named .txt got id %q, want \".txt\"", one[0].ID)
	}
}

func TestAFIFOIsSkippedOrRefusedWithoutBlocking(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "x.txt")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	mustWrite(t, filepath.Join(dir, "y.txt"), "Titel\n\nEin Absatz.")
	type result struct {
		stories []*Story
		err     error
	}
	load := func(path string) result {
		t.Helper()
		done := make(chan result, 1)
		go func() {
			s, err := Load(path)
			done <- result{s, err}
		}()
		select {
		case r := <-done:
			return r
		case <-time.After(10 * time.Second):
			t.Fatalf("Load(%s) blocked on a FIFO", path)
			return result{}
		}
	}
	r := load(dir)
	if r.err != nil || len(r.stories) != 1 || r.stories[0].ID != "y" {
		t.Errorf("folder with a FIFO: %v, %d stories", r.err, len(r.stories))
	}
	r = load(fifo)
	if r.err == nil || !strings.Contains(r.err.Error(), "not a regular file") {
		t.Errorf("a FIFO given as the story: err %v", r.err)
	}
}

func TestLoadingStopsWhenCancelled(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "a.txt"), "Titel\n\nEin Absatz.")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := LoadContext(ctx, dir)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled load: %v, want context.Canceled", err)
	}
}

func mustWrite(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
