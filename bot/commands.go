package bot

import (
	"github.com/bwmarrin/discordgo"
)

// Command and option names (the English ones are what interactions carry,
// whatever the user's locale).
const (
	cmdAsk      = "ask"
	cmdTimeline = "timeline"
	cmdQuote    = "quote"
	cmdSummary  = "summary"
	cmdSources  = "sources"
	cmdHelp     = "help"

	optQuestion = "question"
	optSpeaker  = "speaker"
	optTopic    = "topic"
	optLength   = "length"
	optStory    = "story"
)

// loc is a localized name or description: English is the default, German
// the localization (en-US and en-GB say the same as the default).
func loc(en, de string) (string, map[discordgo.Locale]string) {
	return en, map[discordgo.Locale]string{discordgo.EnglishUS: en, discordgo.EnglishGB: en, discordgo.German: de}
}

func command(name, nameDE, desc, descDE string, opts ...*discordgo.ApplicationCommandOption) *discordgo.ApplicationCommand {
	n, nl := loc(name, nameDE)
	d, dl := loc(desc, descDE)
	if opts == nil {
		opts = []*discordgo.ApplicationCommandOption{}
	}
	return &discordgo.ApplicationCommand{
		Type:                     discordgo.ChatApplicationCommand,
		Name:                     n,
		NameLocalizations:        &nl,
		Description:              d,
		DescriptionLocalizations: &dl,
		Options:                  opts,
	}
}

func stringOption(name, nameDE, desc, descDE string, required, autocomplete bool) *discordgo.ApplicationCommandOption {
	n, nl := loc(name, nameDE)
	d, dl := loc(desc, descDE)
	return &discordgo.ApplicationCommandOption{
		Type:                     discordgo.ApplicationCommandOptionString,
		Name:                     n,
		NameLocalizations:        nl,
		Description:              d,
		DescriptionLocalizations: dl,
		Required:                 required,
		Autocomplete:             autocomplete,
	}
}

func storyOption() *discordgo.ApplicationCommandOption {
	return stringOption(optStory, "artikel", "Which story (default: all loaded stories)", "Welcher Artikel (Standard: alle geladenen)", false, true)
}

// commandDefinitions returns the slash commands; with several stories each
// content command gets an optional, autocompleted story option.
func commandDefinitions(multiStory bool) []*discordgo.ApplicationCommand {
	question := stringOption(optQuestion, "frage", "Your question about the story", "Deine Frage zum Artikel", true, false)
	maxQ := 500
	minQ := 2
	question.MaxLength, question.MinLength = maxQ, &minQ

	speaker := stringOption(optSpeaker, "sprecher", "Who is quoted (suggestions from the story)", "Wer zitiert wird (Vorschläge aus dem Artikel)", false, true)
	topic := stringOption(optTopic, "thema", "What the quotation is about", "Worum es im Zitat geht", false, false)
	topic.MaxLength = 200

	length := stringOption(optLength, "länge", "Short or long", "Kurz oder lang", false, false)
	short, shortL := loc("short", "kurz")
	long, longL := loc("long", "lang")
	length.Choices = []*discordgo.ApplicationCommandOptionChoice{
		{Name: short, NameLocalizations: shortL, Value: "short"},
		{Name: long, NameLocalizations: longL, Value: "long"},
	}

	withStory := func(opts ...*discordgo.ApplicationCommandOption) []*discordgo.ApplicationCommandOption {
		if multiStory {
			opts = append(opts, storyOption())
		}
		return opts
	}
	return []*discordgo.ApplicationCommand{
		command(cmdAsk, "frage", "Ask a question about the story", "Stell eine Frage zum Artikel", withStory(question)...),
		command(cmdTimeline, "zeitleiste", "The story's dated events in order", "Die datierten Ereignisse des Artikels der Reihe nach", withStory()...),
		command(cmdQuote, "zitat", "Verbatim quotations, by speaker and topic", "Wörtliche Zitate, nach Sprecher und Thema", withStory(speaker, topic)...),
		command(cmdSummary, "zusammenfassung", "A summary of the story", "Eine Zusammenfassung des Artikels", withStory(length)...),
		command(cmdSources, "quellen", "The loaded stories and where they come from", "Die geladenen Artikel und ihre Herkunft"),
		command(cmdHelp, "hilfe", "What I can do", "Was ich kann"),
	}
}
