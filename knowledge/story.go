package knowledge

// Story is one parsed text: the default article or a file from STORY_PATH.
// Everything storybot says about it points back into Text by byte ranges, so
// any passage, quotation or dated sentence can be shown verbatim.
type Story struct {
	ID       string // from the file name without extension, e.g. "musk-altman-roadster.de"
	Title    string // the first line
	Source   string // where it was read from: a path, or "embedded"
	Text     string // the source text, exactly as read (only a UTF-8 BOM removed)
	Version  string // a hash of Text: changes whenever the text does
	Language string // "de" or "en", detected from the text
	Sections []Section
	Passages []Passage
	Quotes   []Quote // every direct quotation, in text order
	Events   []Event // every dated statement, in timeline order (dated first, then the rest in text order)
}

// Span is a byte range [Start, End) in Story.Text.
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Section is a heading and the paragraphs under it. The lead (paragraphs
// before the first heading) has an empty Heading.
type Section struct {
	Heading string
	Span    Span // the heading line; zero for the lead
}

// Passage is one paragraph: the unit of retrieval and citation.
type Passage struct {
	ID        string // "§1", "§2", ...: stable for a given text, in reading order
	Story     string // Story.ID
	Section   string // the heading the paragraph stands under ("" for the lead)
	Span      Span   // the paragraph in Story.Text
	Text      string // Story.Text[Span.Start:Span.End]
	Sentences []Span // the paragraph's sentences, as ranges in Story.Text
}

// Quote is a direct quotation, verbatim.
type Quote struct {
	Text      string // the quoted words without their quotation marks, verbatim
	Speaker   string // who said it ("Elon Musk"), "" when the quoted words are not speech
	PassageID string // the passage it stands in (for a heading: the section's first passage)
	Section   string
	Context   string // the sentence (or heading) that contains it
	Span      Span   // the quoted words in Story.Text (without marks)
}

// Event is a dated (or relatively timed) statement from the text.
type Event struct {
	Date      string // as the text writes it: "Juli 2018", "2015", "innerhalb von 24 Stunden"
	Sort      string // sortable: "2015", "2018-07", "2018-07-04"; "" when the date is relative or absent
	Relative  bool   // Date is relative ("kürzlich", "innerhalb von 24 Stunden"), not on a calendar
	Event     string // the sentence it comes from, verbatim
	PassageID string
	Span      Span // the sentence in Story.Text
	DateSpan  Span // the date expression in Story.Text (zero when undated)
}

// Passage returns the passage with the given id, or nil.
func (s *Story) Passage(id string) *Passage {
	for i := range s.Passages {
		if s.Passages[i].ID == id {
			return &s.Passages[i]
		}
	}
	return nil
}

// PassageAt returns the passage whose span contains byte offset off, or nil.
func (s *Story) PassageAt(off int) *Passage {
	for i := range s.Passages {
		if off >= s.Passages[i].Span.Start && off < s.Passages[i].Span.End {
			return &s.Passages[i]
		}
	}
	return nil
}
