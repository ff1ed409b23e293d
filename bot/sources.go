package bot

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/storybot/storybot/answer"
	"github.com/storybot/storybot/fault"
)

// handleSources lists the loaded stories (ephemeral, instant: no model
// involved) in one message, a page of them at a time, with Previous and
// Next buttons when there is more than one page.
func (b *Bot) handleSources(ctx context.Context, ix *interaction) error {
	if err := ix.reply(ctx, b.storiesPage(ix.lang, 0)); err != nil {
		return fmt.Errorf("reply /sources: %w", err)
	}
	return nil
}

// handleStoriesPage turns the /sources message to the page a Previous or
// Next button names. The page number is all the state there is, in the
// button's custom_id, so any replica in either mode can serve the click.
func (b *Bot) handleStoriesPage(ctx context.Context, ix *interaction, customID string) error {
	page, ok := decodeStoriesPageID(customID)
	if !ok {
		return &notice{kind: fault.Invalid, reason: "unknown", msg: txtUnknownCommand}
	}
	if err := ix.update(ctx, b.storiesPage(ix.lang, page)); err != nil {
		return fmt.Errorf("turn /sources to page %d: %w", page+1, err)
	}
	return nil
}

// storiesPage is page (from 0; clamped) of the loaded stories: at most 10
// embeds and 6,000 characters of them, the page number and the buttons.
func (b *Bot) storiesPage(lang string, page int) *discordgo.InteractionResponseData {
	stories := b.ans.Stories()
	if len(stories) == 0 {
		return &discordgo.InteractionResponseData{Content: txtNoStories.in(lang), Flags: discordgo.MessageFlagsEphemeral}
	}
	var embeds []*discordgo.MessageEmbed
	for _, s := range stories {
		title := s.Title
		if title == "" {
			title = s.ID
		}
		var lines []string
		if s.Source != "" {
			lines = append(lines, txtSource.in(lang)+": "+s.Source)
		}
		lines = append(lines, txtPassages.f(lang, s.Passages))
		if len(stories) > 1 {
			lines = append(lines, "-# id: `"+s.ID+"`")
		}
		embeds = append(embeds, textEmbeds(title, strings.Join(lines, "\n"), "", lang)...)
	}
	pages := embedPages(embeds)
	page = min(max(page, 0), len(pages)-1)
	data := &discordgo.InteractionResponseData{
		Content: "**" + txtStories.in(lang) + "**", Embeds: pages[page], Flags: discordgo.MessageFlagsEphemeral,
		// An update must clear the buttons of a list that shrank to one page.
		Components: []discordgo.MessageComponent{},
	}
	if len(pages) > 1 {
		data.Content += " · " + txtPage.f(lang, page+1, len(pages))
		data.Components = []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: txtPrevious.in(lang), Style: discordgo.SecondaryButton, CustomID: storiesPageID(page-1, "prev"), Disabled: page == 0},
			discordgo.Button{Label: txtNext.in(lang), Style: discordgo.SecondaryButton, CustomID: storiesPageID(page+1, "next"), Disabled: page == len(pages)-1},
		}}}
	}
	return data
}

// storiesPrefix starts the custom_id of a /sources page button:
// "stories:3:next" shows page 3 (from 0); the direction keeps the two
// buttons' ids apart even when both are disabled.
const storiesPrefix = "stories:"

func storiesPageID(page int, direction string) string {
	return storiesPrefix + strconv.Itoa(max(page, 0)) + ":" + direction
}

func decodeStoriesPageID(id string) (int, bool) {
	rest, ok := strings.CutPrefix(id, storiesPrefix)
	if !ok {
		return 0, false
	}
	num, _, _ := strings.Cut(rest, ":")
	page, err := strconv.Atoi(num)
	if err != nil || page < 0 {
		return 0, false
	}
	return page, true
}

// handleShowSources answers a "Show sources" click with the cited
// passages verbatim, visible to the clicker alone. Everything it needs is
// in the button's custom_id.
func (b *Bot) handleShowSources(ctx context.Context, ix *interaction, customID string) error {
	var cits []answer.Citation
	for _, g := range decodeSourcesID(customID) {
		cits = append(cits, b.ans.Citations(g.Story, g.IDs)...)
	}
	if len(cits) == 0 {
		return ix.reply(ctx, &discordgo.InteractionResponseData{Content: txtNoCitations.in(ix.lang), Flags: discordgo.MessageFlagsEphemeral})
	}
	titles := b.storyTitles()
	var embeds []*discordgo.MessageEmbed
	for _, c := range cits {
		title := c.ID
		if c.Section != "" {
			title += " · " + c.Section
		}
		footer := ""
		if b.multi {
			footer = titles[c.Story]
		}
		embeds = append(embeds, textEmbeds(title, c.Text, footer, ix.lang)...)
	}
	pages := embedPages(embeds)
	if err := ix.reply(ctx, &discordgo.InteractionResponseData{Embeds: pages[0], Flags: discordgo.MessageFlagsEphemeral}); err != nil {
		return fmt.Errorf("reply sources: %w", err)
	}
	for _, page := range pages[1:] {
		if err := ix.followup(ctx, &discordgo.WebhookParams{Embeds: page, Flags: discordgo.MessageFlagsEphemeral}); err != nil {
			return fmt.Errorf("follow up sources: %w", err)
		}
	}
	return nil
}

func (b *Bot) storyTitles() map[string]string {
	m := make(map[string]string, len(b.stories))
	for _, s := range b.stories {
		m[s.ID] = s.Title
	}
	return m
}

// handleHelp explains the commands (ephemeral).
func (b *Bot) handleHelp(ctx context.Context, ix *interaction) error {
	var sb strings.Builder
	for _, l := range helpLines {
		fmt.Fprintf(&sb, "**%s** — %s\n", l.usage.in(ix.lang), l.what.in(ix.lang))
	}
	footer := txtHelpFooter.in(ix.lang)
	if b.opts.Version != "" {
		footer += " · storybot " + b.opts.Version
	}
	embeds := textEmbeds(txtHelpTitle.in(ix.lang), sb.String(), footer, ix.lang)
	return ix.reply(ctx, &discordgo.InteractionResponseData{Embeds: embeds, Flags: discordgo.MessageFlagsEphemeral})
}

// autocomplete suggests speakers (for /quote speaker) and stories (for
// the story option). It is not rate limited and never fails loudly.
func (b *Bot) autocomplete(ctx context.Context, ix *interaction) error {
	if b.checkAllowed(ix.GuildID, ix.ChannelID) != nil {
		return ix.respond(ctx, autocompleteResponse(nil), ackReplied)
	}
	data := ix.ApplicationCommandData()
	var focused *discordgo.ApplicationCommandInteractionDataOption
	for _, o := range data.Options {
		if o != nil && o.Focused {
			focused = o
		}
	}
	values := optionValues(data.Options)
	var choices []*discordgo.ApplicationCommandOptionChoice
	if focused != nil {
		typed, _ := focused.Value.(string)
		switch focused.Name {
		case optSpeaker:
			choices = matchChoices(b.ans.Speakers(values[optStory]), typed, func(s string) (string, string) { return s, s })
		case optStory:
			names := make([]string, 0, len(b.stories))
			titles := map[string]string{}
			for _, s := range b.stories {
				names = append(names, s.ID)
				titles[s.ID] = s.Title
			}
			choices = matchChoices(names, typed, func(id string) (string, string) {
				name := titles[id]
				if name == "" {
					name = id
				}
				return name, id
			})
		}
	}
	return ix.respond(ctx, autocompleteResponse(choices), ackReplied)
}

// matchChoices keeps the candidates that contain what the user typed
// (case-insensitive; prefix matches first, the given order otherwise), at
// most 25, each name and value within 100 characters.
func matchChoices(candidates []string, typed string, label func(string) (name, value string)) []*discordgo.ApplicationCommandOptionChoice {
	q := strings.ToLower(strings.TrimSpace(typed))
	type scored struct {
		name, value string
		prefix      bool
		order       int
	}
	var hits []scored
	for i, c := range candidates {
		name, value := label(c)
		if utf8.RuneCountInString(value) > maxChoiceLength {
			continue // a value cut short would not match anything
		}
		ln, lv := strings.ToLower(name), strings.ToLower(value)
		if q != "" && !strings.Contains(ln, q) && !strings.Contains(lv, q) {
			continue
		}
		hits = append(hits, scored{name, value, q != "" && (strings.HasPrefix(ln, q) || strings.HasPrefix(lv, q)), i})
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].prefix != hits[j].prefix {
			return hits[i].prefix
		}
		return hits[i].order < hits[j].order
	})
	if len(hits) > maxChoices {
		hits = hits[:maxChoices]
	}
	out := make([]*discordgo.ApplicationCommandOptionChoice, 0, len(hits))
	for _, h := range hits {
		out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: truncate(h.name, maxChoiceLength), Value: h.value})
	}
	return out
}

func autocompleteResponse(choices []*discordgo.ApplicationCommandOptionChoice) *discordgo.InteractionResponse {
	if choices == nil {
		choices = []*discordgo.ApplicationCommandOptionChoice{}
	}
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: choices},
	}
}
