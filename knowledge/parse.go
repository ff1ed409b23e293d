package knowledge

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/storybot/storybot/fault"
)

// MaxStoryBytes bounds one story file. A news article is a few kB; 8 MiB is
// room for a long archive while keeping a mistaken path (a video, a dump)
// from being read into memory.
const MaxStoryBytes = 8 << 20

// maxPassageBytes is where a very long paragraph is cut into several passages
// (at sentence boundaries), so that one citation stays readable in Discord and
// retrieval can still tell its parts apart.
const maxPassageBytes = 1500

// Parse reads one story. id names it (usually the file name without
// extension) and source says where it came from. The text must be non-empty
// UTF-8 without binary content; a UTF-8 byte-order mark is dropped and CRLF
// line ends become LF, and otherwise Text keeps every byte, so that spans can
// be shown verbatim.
func Parse(id, source string, data []byte) (*Story, error) {
	if len(data) > MaxStoryBytes {
		return nil, fault.New(fault.Invalid, "story %s is too large (%d bytes, at most %d)", source, len(data), MaxStoryBytes)
	}
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fault.New(fault.Invalid, "story %s is empty", source)
	}
	if !utf8.Valid(data) {
		return nil, fault.New(fault.Invalid, "story %s is not UTF-8 text", source)
	}
	if isBinary(data) {
		return nil, fault.New(fault.Invalid, "story %s looks binary, not text", source)
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	sum := sha256.Sum256([]byte(text))
	s := &Story{ID: id, Source: source, Text: text, Version: hex.EncodeToString(sum[:8])}
	parseBlocks(s)
	s.Language = DetectLanguage(text)
	s.Quotes = extractQuotes(s)
	s.Events = extractEvents(s)
	return s, nil
}

// isBinary reports control characters other than tab, newline, carriage
// return and form feed: text files have none.
func isBinary(data []byte) bool {
	bad := 0
	for _, r := range string(data) {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f' || r == 0x7f {
			bad++
			if r == 0 || bad > 8 {
				return true
			}
		}
	}
	return false
}

// line is one line of the text with its byte range (without the newline).
type line struct {
	start, end int
}

// parseBlocks finds the title, the section headings and the paragraphs.
// Blocks are separated by blank lines; a block of one short line without
// closing punctuation is a heading, as is a Markdown "#" line.
func parseBlocks(s *Story) {
	text := s.Text
	var blocks [][]line
	var cur []line
	for off := 0; off <= len(text); {
		nl := strings.IndexByte(text[off:], '\n')
		end := len(text)
		if nl >= 0 {
			end = off + nl
		}
		start, stop := trimSpan(text, off, end)
		if start == stop {
			if len(cur) > 0 {
				blocks = append(blocks, cur)
				cur = nil
			}
		} else {
			cur = append(cur, line{start, stop})
		}
		if nl < 0 {
			break
		}
		off = end + 1
	}
	if len(cur) > 0 {
		blocks = append(blocks, cur)
	}

	section := Section{}
	first := true
	for _, b := range blocks {
		// A heading may stand on the first line of a block with its paragraph below.
		for len(b) > 0 && (first || isHeading(text, b[0], len(b) == 1)) {
			h := headingText(text, b[0])
			if first {
				s.Title = h
				first = false
			} else {
				section = Section{Heading: h, Span: Span{b[0].start, b[0].end}}
				s.Sections = append(s.Sections, section)
			}
			b = b[1:]
		}
		if len(b) == 0 {
			continue
		}
		addPassages(s, section.Heading, b[0].start, b[len(b)-1].end)
	}
}

func trimSpan(text string, start, end int) (int, int) {
	for start < end {
		r, n := utf8.DecodeRuneInString(text[start:end])
		if !unicode.IsSpace(r) {
			break
		}
		start += n
	}
	for end > start {
		r, n := utf8.DecodeLastRuneInString(text[start:end])
		if !unicode.IsSpace(r) {
			break
		}
		end -= n
	}
	return start, end
}

// isHeading decides whether a line is a section heading. alone is true when
// the line is a block by itself.
func isHeading(text string, l line, alone bool) bool {
	t := text[l.start:l.end]
	if strings.HasPrefix(t, "#") {
		return true
	}
	if !alone || utf8.RuneCountInString(t) > 120 || len(strings.Fields(t)) > 16 {
		return false
	}
	t = strings.TrimRight(t, "\"'“”„«»‚‘’)] ")
	if t == "" {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(t)
	return !strings.ContainsRune(".!?…;,", last)
}

func headingText(text string, l line) string {
	return strings.TrimSpace(strings.TrimLeft(text[l.start:l.end], "# "))
}

// addPassages adds the paragraph text[start:end] as one passage, or as several
// when it is longer than maxPassageBytes.
func addPassages(s *Story, section string, start, end int) {
	sents := SplitSentences(s.Text, start, end)
	var group []Span
	flush := func() {
		if len(group) == 0 {
			return
		}
		sp := Span{group[0].Start, group[len(group)-1].End}
		s.Passages = append(s.Passages, Passage{
			ID:        "§" + strconv.Itoa(len(s.Passages)+1),
			Story:     s.ID,
			Section:   section,
			Span:      sp,
			Text:      s.Text[sp.Start:sp.End],
			Sentences: group,
		})
		group = nil
	}
	for _, sent := range sents {
		if len(group) > 0 && sent.End-group[0].Start > maxPassageBytes {
			flush()
		}
		group = append(group, sent)
	}
	flush()
}
