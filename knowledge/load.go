package knowledge

import (
	_ "embed"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

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

// Load reads the stories at path: one file, or every .txt and .md file in a
// folder and its subfolders, in name order. Each story's id is its file name
// without extension (made unique with a suffix when two files share one).
// An empty path loads the embedded article.
func Load(path string) ([]*Story, error) {
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
	var files []string
	if info.IsDir() {
		err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && p != path && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if !d.IsDir() && isStoryFile(p) {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, fault.Wrap(fault.Invalid, err, "cannot read story folder %s", path)
		}
		if len(files) == 0 {
			return nil, fault.New(fault.Invalid, "story folder %s has no .txt or .md files", path)
		}
		sort.Strings(files)
	} else {
		files = []string{path}
	}
	var stories []*Story
	seen := map[string]int{}
	for _, f := range files {
		data, err := readLimited(f)
		if err != nil {
			return nil, err
		}
		id := storyID(f)
		if n := seen[id]; n > 0 {
			seen[id]++
			id = id + "-" + strconv.Itoa(n+1)
		} else {
			seen[id] = 1
		}
		s, err := Parse(id, f, data)
		if err != nil {
			return nil, err
		}
		stories = append(stories, s)
	}
	return stories, nil
}

func isStoryFile(p string) bool {
	ext := strings.ToLower(filepath.Ext(p))
	return ext == ".txt" || ext == ".md" || ext == ".markdown"
}

func storyID(p string) string {
	base := filepath.Base(p)
	if isStoryFile(base) {
		base = strings.TrimSuffix(base, filepath.Ext(base))
	}
	return base
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
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
