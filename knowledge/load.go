package knowledge

import (
	"context"
	_ "embed"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/storybot/storybot/fault"
)

//go:embed stories/musk-altman-roadster.de.txt
var defaultStory []byte

// DefaultStoryID is the id of the embedded article.
const DefaultStoryID = "musk-altman-roadster.de"

// Default returns the embedded article, parsed.
func Default() *Story {
	s, err := Parse(DefaultStoryID, "embedded: "+DefaultStoryID+".txt", defaultStory)
	if err != nil {
		panic("embedded story does not parse: " + err.Error()) // covered by a test
	}
	return s
}

// Load is LoadContext without cancellation.
func Load(path string) ([]*Story, error) {
	return LoadContext(context.Background(), path)
}

// LoadContext reads the stories at path: one file, or every .txt and .md
// file in a folder and its subfolders, in name order. An empty path loads
// the embedded article.
//
// Story ids are unique, non-empty and stable (they depend only on the
// files' paths, so cached results and Discord buttons keep meaning the same
// story across restarts): the path relative to the folder, with "/" as
// separator and without the extension ("a", "sub/a"); where two files would
// get the same id ("a.txt" and "a.md"), each of them keeps its extension. A
// single file's id is its name without extension.
//
// In a folder, hidden files and folders (a leading dot: editor and VCS
// leftovers) and anything that is not a regular file (a FIFO, a socket, a
// device) are skipped; a single path that is not a regular file is refused.
// Files are opened without blocking, so a FIFO cannot hang start-up, and
// loading stops when ctx is cancelled (SIGTERM during start-up).
func LoadContext(ctx context.Context, path string) ([]*Story, error) {
	if path == "" {
		return []*Story{Default()}, nil
	}
	info, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fault.Wrap(fault.Invalid, err, "story path %s does not exist", path)
		}
		return nil, fault.Wrap(fault.Invalid, err, "cannot read story path %s", path)
	}
	var files []storyFile
	if info.IsDir() {
		files, err = storyFiles(ctx, path)
		if err != nil {
			return nil, err
		}
	} else {
		files = []storyFile{{path: path, id: trimStoryExt(filepath.Base(path))}}
	}
	var stories []*Story
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, fault.Wrap(fault.Invalid, err, "loading stories interrupted")
		}
		data, err := readLimited(f.path)
		if err != nil {
			return nil, err
		}
		s, err := Parse(f.id, f.path, data)
		if err != nil {
			return nil, err
		}
		stories = append(stories, s)
	}
	return stories, nil
}

type storyFile struct{ path, id string }

// storyFiles lists the story files under dir with their ids, in name order
// (WalkDir's lexical order).
func storyFiles(ctx context.Context, dir string) ([]storyFile, error) {
	var rels []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !isStoryFile(p) {
			return nil
		}
		if !d.Type().IsRegular() {
			// A symbolic link counts when it leads to a regular file.
			if d.Type()&fs.ModeSymlink == 0 {
				return nil
			}
			if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
				return nil
			}
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rels = append(rels, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, fault.Wrap(fault.Invalid, err, "loading stories interrupted")
		}
		return nil, fault.Wrap(fault.Invalid, err, "cannot read story folder %s", dir)
	}
	if len(rels) == 0 {
		return nil, fault.New(fault.Invalid, "story folder %s has no .txt or .md files", dir)
	}
	ids := storyIDs(rels)
	files := make([]storyFile, len(rels))
	for i, rel := range rels {
		files[i] = storyFile{path: filepath.Join(dir, filepath.FromSlash(rel)), id: ids[i]}
	}
	return files, nil
}

// storyIDs gives each relative path (unique, "/"-separated) its id: the
// path without extension, or the whole path where that would collide.
// Whole paths are unique, so falling back to them until nothing collides
// ends after at most len(rels) rounds.
func storyIDs(rels []string) []string {
	ids := make([]string, len(rels))
	for i, r := range rels {
		ids[i] = trimStoryExt(r)
	}
	for {
		byID := map[string][]int{}
		for i, id := range ids {
			byID[id] = append(byID[id], i)
		}
		changed := false
		for _, idx := range byID {
			if len(idx) < 2 {
				continue
			}
			for _, i := range idx {
				if ids[i] != rels[i] {
					ids[i], changed = rels[i], true
				}
			}
		}
		if !changed {
			return ids
		}
	}
}

func isStoryFile(p string) bool {
	ext := strings.ToLower(filepath.Ext(p))
	return ext == ".txt" || ext == ".md" || ext == ".markdown"
}

// trimStoryExt drops a story extension, unless nothing would be left of the
// file's name (".txt" keeps its name as its id).
func trimStoryExt(p string) string {
	if !isStoryFile(p) {
		return p
	}
	t := strings.TrimSuffix(p, filepath.Ext(p))
	if t == "" || strings.HasSuffix(t, "/") {
		return p
	}
	return t
}

func readLimited(path string) ([]byte, error) {
	// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
	// writer forever. It changes nothing for a regular file.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fault.Wrap(fault.Invalid, err, "cannot read story file %s", path)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fault.Wrap(fault.Invalid, err, "cannot read story file %s", path)
	}
	if !st.Mode().IsRegular() {
		return nil, fault.New(fault.Invalid, "story path %s is not a regular file", path)
	}
	if st.Size() > MaxStoryBytes {
		return nil, fault.New(fault.Invalid, "story %s is too large (%d bytes, at most %d)", path, st.Size(), MaxStoryBytes)
	}
	data := make([]byte, st.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, fault.Wrap(fault.Invalid, err, "cannot read story file %s", path)
	}
	return data, nil
}
