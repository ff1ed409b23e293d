package bot

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/storybot/storybot/answer"
)

// questionQuote heads an /ask answer with the question as a quote line,
// so that a reply to the answer carries its question in the chain.
func questionQuote(q string) string {
	q = strings.Join(strings.Fields(plainLinks(q)), " ")
	return "> " + truncate(q, 300) + "\n\n"
}

// maskedLink is a Markdown link, [text](url) or [text](<url>), optionally
// with a title: Discord shows only the text, as a link to any address.
var maskedLink = regexp.MustCompile(`\[([^\[\]]*)\]\(\s*<?([^()<>\s]*)>?(?:\s+"[^"]*")?\s*\)`)

// plainLinks shows every masked link in text a user or the model wrote as
// what it is: "text (<url>)", the address in plain sight (the angle
// brackets keep it from unfurling). Whatever is left that Discord could
// still read as a masked link ("](" with something the pattern did not
// take, such as parentheses in the address) is broken up with a space.
func plainLinks(text string) string {
	if !strings.Contains(text, "](") {
		return text
	}
	// Each pass removes a link, innermost first, so [[a](b)](c) goes too.
	for i := 0; i < 64 && maskedLink.MatchString(text); i++ {
		text = maskedLink.ReplaceAllStringFunc(text, func(m string) string {
			sub := maskedLink.FindStringSubmatch(m)
			label, url := strings.TrimSpace(sub[1]), sub[2]
			if url == "" {
				return label
			}
			return label + " (<" + url + ">)"
		})
	}
	return strings.ReplaceAll(text, "](", "] (")
}

// truncate shortens s to at most n runes, ending with "…" when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 1 {
		return "…"
	}
	return strings.TrimSpace(s[:byteIndexOfRune(s, n-1)]) + "…"
}

// progressContent is what the first message shows while the answer is
// being written: the beginning of it, with an ellipsis.
func progressContent(prefix, text string) string {
	s := prefix + strings.TrimSpace(plainLinks(text)) + " …"
	if utf8.RuneCountInString(s) <= maxContent {
		return s
	}
	return splitMessage(s, maxContent)[0]
}

// renderWithSources appends the compact sources line and the engine's
// note to body (the model's text: its masked links are shown plainly),
// splits it into at most maxAnswerMessages messages and builds the "Show
// sources" button (nil when nothing is cited).
func renderWithSources(body, note string, cits []answer.Citation, lang string) ([]string, []discordgo.MessageComponent) {
	var tail []string
	if line := sourcesLine(cits, lang); line != "" {
		tail = append(tail, truncate(line, maxContent/4))
	}
	if note = strings.Join(strings.Fields(note), " "); note != "" {
		tail = append(tail, "-# "+truncate(plainLinks(note), maxContent/4))
	}
	return boundedParts(plainLinks(body), strings.Join(tail, "\n"), maxAnswerMessages, lang), sourcesButton(cits, lang)
}

// maxAnswerMessages is how many messages one answer (/ask, a mention,
// /summary) posts at most: about 4,000 characters, however much text the
// model sends. maxListMessages bounds /timeline and /quote, whose items
// come from the story.
const (
	maxAnswerMessages = 2
	maxListMessages   = 5
)

// boundedParts splits body, followed by tail (small print such as the
// sources line), into at most maxParts messages. A body too long for them
// is cut at a good boundary and ends with a visible note saying so; the
// tail is always kept.
func boundedParts(body, tail string, maxParts int, lang string) []string {
	body, tail = strings.TrimSpace(body), strings.TrimSpace(tail)
	join := func(b, t string) string {
		if t == "" {
			return b
		}
		if b == "" {
			return t
		}
		return b + "\n\n" + t
	}
	// More than the messages can hold is cut anyway: do not split it all.
	capacity := maxParts * maxContent
	cut := longerThan(body, capacity)
	if cut {
		body = body[:byteIndexOfRune(body, capacity)]
	} else if parts := splitMessage(join(body, tail), maxContent); len(parts) <= maxParts {
		return parts
	}
	note := "-# " + txtAnswerCut.in(lang)
	parts := splitMessage(body, maxContent)
	if len(parts) > maxParts {
		parts = parts[:maxParts]
	}
	// The last message keeps what fits beside the note and the tail.
	room := maxContent - utf8.RuneCountInString(join("…\n"+note, tail)) - 1
	last := parts[len(parts)-1]
	if longerThan(last, room) {
		last = splitMessage(last, room)[0]
	}
	parts[len(parts)-1] = join(last+" …\n"+note, tail)
	return parts
}

// sourcesLine is "-# Sources: §2 · §3" (German "Quellen: …"), "" when nothing is cited.
func sourcesLine(cits []answer.Citation, lang string) string {
	ids := citedIDs(cits)
	if len(ids) == 0 {
		return ""
	}
	return "-# " + txtSources.in(lang) + ": " + strings.Join(ids, " · ")
}

// citedIDs are the distinct passage ids in citation order.
func citedIDs(cits []answer.Citation) []string {
	seen := make(map[string]bool, len(cits))
	var ids []string
	for _, c := range cits {
		if c.ID == "" || seen[c.ID] {
			continue
		}
		seen[c.ID] = true
		ids = append(ids, c.ID)
	}
	return ids
}

// sourcesPrefix starts the custom_id of a "Show sources" button.
const sourcesPrefix = "src:"

// sourcesButton is the "Show sources" button. Its custom_id carries the
// story ids and cited passage ids ("src:story=§1,§2;other=§3"), so that
// any replica, in either mode, can answer the click without state.
func sourcesButton(cits []answer.Citation, lang string) []discordgo.MessageComponent {
	id := encodeSourcesID(cits)
	if id == "" {
		return nil
	}
	return []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: txtShowSources.in(lang), Style: discordgo.SecondaryButton, CustomID: id, Emoji: &discordgo.ComponentEmoji{Name: "📄"}},
	}}}
}

// storyCitations is one story's cited passage ids.
type storyCitations struct {
	Story string
	IDs   []string
}

// encodeSourcesID packs the cited ids by story into at most 100
// characters; ids that do not fit are left out (the sources line still
// names them).
func encodeSourcesID(cits []answer.Citation) string {
	var groups []storyCitations
	index := map[string]int{}
	seen := map[[2]string]bool{}
	for _, c := range cits {
		if c.ID == "" || strings.ContainsAny(c.ID, ",;=") || strings.ContainsAny(c.Story, ",;=") {
			continue
		}
		key := [2]string{c.Story, c.ID}
		if seen[key] {
			continue
		}
		seen[key] = true
		i, ok := index[c.Story]
		if !ok {
			i = len(groups)
			index[c.Story] = i
			groups = append(groups, storyCitations{Story: c.Story})
		}
		groups[i].IDs = append(groups[i].IDs, c.ID)
	}
	var sb strings.Builder
	sb.WriteString(sourcesPrefix)
	n := utf8.RuneCountInString(sourcesPrefix)
	wrote := false
	for gi, g := range groups {
		head := g.Story + "="
		if gi > 0 {
			head = ";" + head
		}
		first := true
		for _, id := range g.IDs {
			piece := id
			if first {
				piece = head + id
			} else {
				piece = "," + id
			}
			l := utf8.RuneCountInString(piece)
			if n+l > maxCustomID {
				break
			}
			sb.WriteString(piece)
			n += l
			first, wrote = false, true
		}
	}
	if !wrote {
		return ""
	}
	return sb.String()
}

// decodeSourcesID reverses encodeSourcesID.
func decodeSourcesID(s string) []storyCitations {
	body, ok := strings.CutPrefix(s, sourcesPrefix)
	if !ok {
		return nil
	}
	var out []storyCitations
	for _, group := range strings.Split(body, ";") {
		story, ids, ok := strings.Cut(group, "=")
		if !ok || ids == "" {
			continue
		}
		var list []string
		for _, id := range strings.Split(ids, ",") {
			if id != "" {
				list = append(list, id)
			}
		}
		if len(list) > 0 {
			out = append(out, storyCitations{Story: story, IDs: list})
		}
	}
	return out
}

// embedPages lays embeds out over messages: at most 10 embeds and 6,000
// characters of embed text per message.
func embedPages(embeds []*discordgo.MessageEmbed) [][]*discordgo.MessageEmbed {
	var pages [][]*discordgo.MessageEmbed
	var cur []*discordgo.MessageEmbed
	size := 0
	for _, e := range embeds {
		n := embedSize(e)
		if len(cur) > 0 && (len(cur) == maxEmbeds || size+n > maxEmbedTotal) {
			pages = append(pages, cur)
			cur, size = nil, 0
		}
		cur = append(cur, e)
		size += n
	}
	if len(cur) > 0 {
		pages = append(pages, cur)
	}
	return pages
}

// embedSize counts the characters Discord counts towards the 6,000 total.
func embedSize(e *discordgo.MessageEmbed) int {
	n := utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description)
	if e.Footer != nil {
		n += utf8.RuneCountInString(e.Footer.Text)
	}
	if e.Author != nil {
		n += utf8.RuneCountInString(e.Author.Name)
	}
	for _, f := range e.Fields {
		n += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
	}
	return n
}

// textEmbeds renders a title and a long text as embeds of at most 4,096
// characters each, split like messages; later ones are titled "(continued)".
func textEmbeds(title, body, footer, lang string) []*discordgo.MessageEmbed {
	parts := splitMessage(body, maxEmbedDescription)
	if len(parts) == 0 {
		parts = []string{"—"}
	}
	out := make([]*discordgo.MessageEmbed, 0, len(parts))
	for i, p := range parts {
		t := title
		if i > 0 {
			t = title + " (" + txtContinued.in(lang) + ")"
		}
		e := &discordgo.MessageEmbed{Title: truncate(t, maxEmbedTitle), Description: p}
		if footer != "" {
			e.Footer = &discordgo.MessageEmbedFooter{Text: truncate(footer, 2048)}
		}
		out = append(out, e)
	}
	return out
}
