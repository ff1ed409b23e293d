package discordtest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// Discord limits checked by the fake (see DisableValidation).
const (
	maxContent         = 2000
	maxEmbeds          = 10
	maxEmbedTotal      = 6000
	maxEmbedTitle      = 256
	maxEmbedDesc       = 4096
	maxEmbedFields     = 25
	maxFieldName       = 256
	maxFieldValue      = 1024
	maxFooter          = 2048
	maxAuthorName      = 256
	maxActionRows      = 5
	maxRowItems        = 5
	maxCustomID        = 100
	maxButtonLabel     = 80
	maxSelectOptions   = 25
	maxChoices         = 25
	maxCommandOptions  = 25
	maxDescription     = 100
	maxModalTitle      = 45
	maxTextInputLabel  = 45
	maxGlobalCommands  = 100
	flagComponentsV2   = 1 << 15
	codeEmptyMessage   = 50006
	codeInvalidFormBdy = 50035
)

// invalidForm builds Discord's "Invalid Form Body" error for one field.
func invalidForm(field, code, msg string) *apiErr {
	return &apiErr{Status: 400, Message: "Invalid Form Body", Code: codeInvalidFormBdy,
		Errors: map[string]any{field: map[string]any{"_errors": []any{map[string]any{"code": code, "message": msg}}}}}
}

func tooLong(field string, limit int) *apiErr {
	return invalidForm(field, "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", limit))
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// validateMessage checks a message create/edit payload against Discord's
// limits. create additionally requires a non-empty message.
func validateMessage(p *msgPayload, create, hasFiles bool) *apiErr {
	if p.Content != nil && runes(*p.Content) > maxContent {
		return tooLong("content", maxContent)
	}
	flags := 0
	if p.Flags != nil {
		flags = *p.Flags
	}
	nEmbeds, e := validateEmbeds(p.Embeds)
	if e != nil {
		return e
	}
	nComps, e := validateComponents(p.Components, flags&flagComponentsV2 != 0)
	if e != nil {
		return e
	}
	if flags&flagComponentsV2 != 0 && p.Content != nil && *p.Content != "" {
		return invalidForm("content", "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2", "The 'content' field cannot be used when using MessageFlags.IS_COMPONENTS_V2")
	}
	if create {
		empty := (p.Content == nil || *p.Content == "") && nEmbeds == 0 && nComps == 0 && !hasFiles &&
			rawOptional(p.Poll) == nil && len(p.StickerIDs) == 0
		if empty {
			return &apiErr{Status: 400, Message: "Cannot send an empty message", Code: codeEmptyMessage}
		}
	}
	return nil
}

// validateStored checks the state of a message after an edit.
func validateStored(m *wireMessage) *apiErr {
	if m.Content == "" && len(m.Attachments) == 0 && rawOptional(m.Poll) == nil &&
		string(rawArray(m.Embeds)) == "[]" && string(rawArray(m.Components)) == "[]" {
		return &apiErr{Status: 400, Message: "Cannot send an empty message", Code: codeEmptyMessage}
	}
	return nil
}

func validateEmbeds(raw json.RawMessage) (int, *apiErr) {
	if rawOptional(raw) == nil {
		return 0, nil
	}
	var embeds []*discordgo.MessageEmbed
	if err := json.Unmarshal(raw, &embeds); err != nil {
		return 0, invalidForm("embeds", "MODEL_TYPE_CONVERT", "Only iterables may be used in a ListType")
	}
	if len(embeds) > maxEmbeds {
		return 0, tooLong("embeds", maxEmbeds)
	}
	total := 0
	for i, em := range embeds {
		if em == nil {
			continue
		}
		f := func(name string) string { return fmt.Sprintf("embeds.%d.%s", i, name) }
		if runes(em.Title) > maxEmbedTitle {
			return 0, tooLong(f("title"), maxEmbedTitle)
		}
		if runes(em.Description) > maxEmbedDesc {
			return 0, tooLong(f("description"), maxEmbedDesc)
		}
		if len(em.Fields) > maxEmbedFields {
			return 0, tooLong(f("fields"), maxEmbedFields)
		}
		total += runes(em.Title) + runes(em.Description)
		for j, fl := range em.Fields {
			if fl == nil {
				continue
			}
			if fl.Name == "" || fl.Value == "" {
				return 0, invalidForm(f(fmt.Sprintf("fields.%d", j)), "BASE_TYPE_REQUIRED", "This field is required")
			}
			if runes(fl.Name) > maxFieldName {
				return 0, tooLong(f(fmt.Sprintf("fields.%d.name", j)), maxFieldName)
			}
			if runes(fl.Value) > maxFieldValue {
				return 0, tooLong(f(fmt.Sprintf("fields.%d.value", j)), maxFieldValue)
			}
			total += runes(fl.Name) + runes(fl.Value)
		}
		if em.Footer != nil {
			if runes(em.Footer.Text) > maxFooter {
				return 0, tooLong(f("footer.text"), maxFooter)
			}
			total += runes(em.Footer.Text)
		}
		if em.Author != nil {
			if runes(em.Author.Name) > maxAuthorName {
				return 0, tooLong(f("author.name"), maxAuthorName)
			}
			total += runes(em.Author.Name)
		}
	}
	if total > maxEmbedTotal {
		return 0, invalidForm("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
	}
	return len(embeds), nil
}

type rawComponent struct {
	Type       int               `json:"type"`
	CustomID   *string           `json:"custom_id"`
	Label      string            `json:"label"`
	Style      int               `json:"style"`
	URL        string            `json:"url"`
	SKUID      string            `json:"sku_id"`
	Options    []json.RawMessage `json:"options"`
	Components []json.RawMessage `json:"components"`
}

var knownComponentTypes = map[int]bool{1: true, 2: true, 3: true, 4: true, 5: true, 6: true, 7: true, 8: true,
	9: true, 10: true, 11: true, 12: true, 13: true, 14: true, 17: true}

// validateComponents checks message components. With components v2 only
// the component types are checked (discordgo cannot decode others).
func validateComponents(raw json.RawMessage, v2 bool) (int, *apiErr) {
	if rawOptional(raw) == nil {
		return 0, nil
	}
	var rows []json.RawMessage
	if err := json.Unmarshal(raw, &rows); err != nil {
		return 0, invalidForm("components", "MODEL_TYPE_CONVERT", "Only iterables may be used in a ListType")
	}
	ids := map[string]bool{}
	var walk func(field string, r json.RawMessage, depth int) *apiErr
	walk = func(field string, r json.RawMessage, depth int) *apiErr {
		var c rawComponent
		if err := json.Unmarshal(r, &c); err != nil {
			return invalidForm(field, "MODEL_TYPE_CONVERT", "Invalid component")
		}
		if !knownComponentTypes[c.Type] {
			return invalidForm(field+".type", "BASE_TYPE_CHOICES", fmt.Sprintf("Value must be one of known component types (got %d).", c.Type))
		}
		if c.CustomID != nil {
			if *c.CustomID == "" || runes(*c.CustomID) > maxCustomID {
				return invalidForm(field+".custom_id", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
			}
			if ids[*c.CustomID] {
				return invalidForm(field+".custom_id", "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
			}
			ids[*c.CustomID] = true
		}
		if !v2 {
			switch {
			case depth == 0 && c.Type != 1:
				return invalidForm(field+".type", "UNION_TYPE_CHOICES", "Top-level components must be action rows")
			case depth > 0 && c.Type == 1:
				return invalidForm(field+".type", "UNION_TYPE_CHOICES", "Action rows cannot be nested")
			case c.Type == 1 && (len(c.Components) == 0 || len(c.Components) > maxRowItems):
				return invalidForm(field+".components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
			case c.Type == 2:
				if runes(c.Label) > maxButtonLabel {
					return tooLong(field+".label", maxButtonLabel)
				}
				switch c.Style {
				case 5:
					if c.URL == "" || c.CustomID != nil {
						return invalidForm(field, "COMPONENT_INVALID_URL", "Link buttons need a url and no custom_id")
					}
				case 6:
					if c.SKUID == "" {
						return invalidForm(field+".sku_id", "BASE_TYPE_REQUIRED", "This field is required")
					}
				case 1, 2, 3, 4:
					if c.CustomID == nil {
						return invalidForm(field+".custom_id", "BASE_TYPE_REQUIRED", "This field is required")
					}
				default:
					return invalidForm(field+".style", "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3, 4, 5, 6).")
				}
			case c.Type == 3 || (c.Type >= 5 && c.Type <= 8):
				if c.CustomID == nil {
					return invalidForm(field+".custom_id", "BASE_TYPE_REQUIRED", "This field is required")
				}
				if c.Type == 3 && (len(c.Options) == 0 || len(c.Options) > maxSelectOptions) {
					return invalidForm(field+".options", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25 in length.")
				}
			case c.Type == 4:
				return invalidForm(field+".type", "UNION_TYPE_CHOICES", "Text inputs are only valid in modals")
			}
		}
		if c.Type == 1 && !v2 {
			hasSelect := false
			for _, sub := range c.Components {
				var t struct {
					Type int `json:"type"`
				}
				_ = json.Unmarshal(sub, &t)
				if t.Type == 3 || (t.Type >= 5 && t.Type <= 8) {
					hasSelect = true
				}
			}
			if hasSelect && len(c.Components) > 1 {
				return invalidForm(field+".components", "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "A select menu must be alone in its action row")
			}
		}
		for i, sub := range c.Components {
			if e := walk(fmt.Sprintf("%s.components.%d", field, i), sub, depth+1); e != nil {
				return e
			}
		}
		return nil
	}
	if !v2 && len(rows) > maxActionRows {
		return 0, tooLong("components", maxActionRows)
	}
	for i, r := range rows {
		if e := walk(fmt.Sprintf("components.%d", i), r, 0); e != nil {
			return 0, e
		}
	}
	return len(rows), nil
}

// validateModal checks the data of a type 9 (modal) callback.
func validateModal(customID, title string, raw json.RawMessage) *apiErr {
	if customID == "" || runes(customID) > maxCustomID {
		return invalidForm("data.custom_id", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
	}
	if title == "" || runes(title) > maxModalTitle {
		return invalidForm("data.title", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 45 in length.")
	}
	var rows []rawComponent
	if err := json.Unmarshal(rawArray(raw), &rows); err != nil || len(rows) == 0 || len(rows) > maxActionRows {
		return invalidForm("data.components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
	}
	for i, row := range rows {
		if row.Type != 1 || len(row.Components) != 1 {
			return invalidForm(fmt.Sprintf("data.components.%d", i), "UNION_TYPE_CHOICES", "Modal rows must be action rows with one text input")
		}
		var ti rawComponent
		_ = json.Unmarshal(row.Components[0], &ti)
		if ti.Type != 4 || ti.CustomID == nil || *ti.CustomID == "" || runes(*ti.CustomID) > maxCustomID {
			return invalidForm(fmt.Sprintf("data.components.%d.components.0", i), "UNION_TYPE_CHOICES", "Expected a text input with a custom_id")
		}
		if ti.Label == "" || runes(ti.Label) > maxTextInputLabel {
			return invalidForm(fmt.Sprintf("data.components.%d.components.0.label", i), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 45 in length.")
		}
	}
	return nil
}

// validateChoices checks autocomplete results (type 8).
func validateChoices(choices []*discordgo.ApplicationCommandOptionChoice) *apiErr {
	if len(choices) > maxChoices {
		return tooLong("data.choices", maxChoices)
	}
	for i, c := range choices {
		if c == nil || c.Name == "" || runes(c.Name) > 100 {
			return invalidForm(fmt.Sprintf("data.choices.%d.name", i), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
		}
		if s, ok := c.Value.(string); ok && runes(s) > 100 {
			return tooLong(fmt.Sprintf("data.choices.%d.value", i), 100)
		}
	}
	return nil
}

// Command names: lowercase letters/digits of any script, '-', '_', '\”.
var commandNameRE = regexp.MustCompile(`^[-_'\p{L}\p{N}\p{Devanagari}\p{Thai}]{1,32}$`)

func validChatName(n string) bool {
	return commandNameRE.MatchString(n) && strings.ToLower(n) == n
}

// validateCommands checks a list of commands as Discord does on
// registration.
func validateCommands(cmds []*discordgo.ApplicationCommand) *apiErr {
	seen := map[string]bool{}
	chat := 0
	for i, c := range cmds {
		if c == nil {
			return invalidForm(fmt.Sprintf("%d", i), "BASE_TYPE_REQUIRED", "This field is required")
		}
		typ := c.Type
		if typ == 0 {
			typ = discordgo.ChatApplicationCommand
		}
		key := fmt.Sprintf("%d/%s", typ, c.Name)
		if seen[key] {
			return invalidForm(fmt.Sprintf("%d.name", i), "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
		}
		seen[key] = true
		if e := validateCommand(fmt.Sprintf("%d", i), c); e != nil {
			return e
		}
		if typ == discordgo.ChatApplicationCommand {
			chat++
		}
	}
	if chat > maxGlobalCommands {
		return tooLong("commands", maxGlobalCommands)
	}
	return nil
}

func validateCommand(field string, c *discordgo.ApplicationCommand) *apiErr {
	typ := c.Type
	if typ == 0 {
		typ = discordgo.ChatApplicationCommand
	}
	if typ != discordgo.ChatApplicationCommand {
		if c.Name == "" || runes(c.Name) > 32 {
			return invalidForm(field+".name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
		}
		if c.Description != "" || len(c.Options) > 0 {
			return invalidForm(field+".description", "APPLICATION_COMMAND_CONTEXT_MENU_FIELDS", "Context menu commands cannot have a description or options")
		}
		return nil
	}
	if !validChatName(c.Name) {
		return invalidForm(field+".name", "APPLICATION_COMMAND_INVALID_NAME", fmt.Sprintf("Command name %q is invalid", c.Name))
	}
	if c.Description == "" || runes(c.Description) > maxDescription {
		return invalidForm(field+".description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
	}
	if c.NameLocalizations != nil {
		if e := validateLocalizations(field+".name_localizations", *c.NameLocalizations, true); e != nil {
			return e
		}
	}
	if c.DescriptionLocalizations != nil {
		if e := validateLocalizations(field+".description_localizations", *c.DescriptionLocalizations, false); e != nil {
			return e
		}
	}
	return validateOptions(field+".options", c.Options)
}

func validateLocalizations(field string, m map[discordgo.Locale]string, names bool) *apiErr {
	for loc, v := range m {
		if _, ok := discordgo.Locales[loc]; !ok {
			return invalidForm(field+"."+string(loc), "LOCALE_INVALID", fmt.Sprintf("Invalid locale %q", loc))
		}
		if names && !validChatName(v) {
			return invalidForm(field+"."+string(loc), "APPLICATION_COMMAND_INVALID_NAME", fmt.Sprintf("Localized name %q is invalid", v))
		}
		if !names && (v == "" || runes(v) > maxDescription) {
			return invalidForm(field+"."+string(loc), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
		}
	}
	return nil
}

func validateOptions(field string, opts []*discordgo.ApplicationCommandOption) *apiErr {
	if len(opts) > maxCommandOptions {
		return tooLong(field, maxCommandOptions)
	}
	seen := map[string]bool{}
	optionalSeen := false
	for i, o := range opts {
		f := fmt.Sprintf("%s.%d", field, i)
		if o == nil {
			return invalidForm(f, "BASE_TYPE_REQUIRED", "This field is required")
		}
		if !validChatName(o.Name) {
			return invalidForm(f+".name", "APPLICATION_COMMAND_INVALID_NAME", fmt.Sprintf("Option name %q is invalid", o.Name))
		}
		if seen[o.Name] {
			return invalidForm(f+".name", "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option names must be unique")
		}
		seen[o.Name] = true
		if o.Description == "" || runes(o.Description) > maxDescription {
			return invalidForm(f+".description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
		}
		if o.Type < discordgo.ApplicationCommandOptionSubCommand || o.Type > discordgo.ApplicationCommandOptionAttachment {
			return invalidForm(f+".type", "BASE_TYPE_CHOICES", "Value must be a valid option type")
		}
		if e := validateLocalizations(f+".name_localizations", o.NameLocalizations, true); e != nil {
			return e
		}
		if e := validateLocalizations(f+".description_localizations", o.DescriptionLocalizations, false); e != nil {
			return e
		}
		sub := o.Type == discordgo.ApplicationCommandOptionSubCommand || o.Type == discordgo.ApplicationCommandOptionSubCommandGroup
		if sub {
			if e := validateOptions(f+".options", o.Options); e != nil {
				return e
			}
			continue
		}
		if o.Required && optionalSeen {
			return invalidForm(f+".required", "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be placed before non-required options")
		}
		if !o.Required {
			optionalSeen = true
		}
		if len(o.Choices) > maxChoices {
			return tooLong(f+".choices", maxChoices)
		}
		if o.Autocomplete && len(o.Choices) > 0 {
			return invalidForm(f+".autocomplete", "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID", "Autocomplete cannot be set with choices")
		}
		if e := validateChoices(o.Choices); e != nil {
			e.Errors = map[string]any{f + ".choices": e.Errors}
			return e
		}
		if o.MaxLength != 0 && (o.MaxLength < 1 || o.MaxLength > 6000) {
			return invalidForm(f+".max_length", "NUMBER_TYPE_MAX", "max_length must be between 1 and 6000")
		}
	}
	return nil
}
