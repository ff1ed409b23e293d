package bot

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/storybot/storybot/answer"
)

func TestSourcesLine(t *testing.T) {
	cits := []answer.Citation{{ID: "§2", Story: "s"}, {ID: "§3", Story: "s"}, {ID: "§2", Story: "s"}}
	if got, want := sourcesLine(cits, langEN), "-# Sources: §2 · §3"; got != want {
		t.Errorf("en: %q, want %q", got, want)
	}
	if got, want := sourcesLine(cits, langDE), "-# Quellen: §2 · §3"; got != want {
		t.Errorf("de: %q, want %q", got, want)
	}
	if got := sourcesLine(nil, langEN); got != "" {
		t.Errorf("no citations: %q, want empty", got)
	}
}

func TestSourcesCustomID(t *testing.T) {
	t.Run("story and ids survive the round trip", func(t *testing.T) {
		cits := []answer.Citation{{ID: "§2", Story: "musk"}, {ID: "§10", Story: "musk"}, {ID: "§1", Story: "other"}}
		id := encodeSourcesID(cits)
		want := []storyCitations{{"musk", []string{"§2", "§10"}}, {"other", []string{"§1"}}}
		if got := decodeSourcesID(id); !reflect.DeepEqual(got, want) {
			t.Errorf("decode(%q) = %+v, want %+v", id, got, want)
		}
	})
	t.Run("many ids are cut to fit 100 characters", func(t *testing.T) {
		var cits []answer.Citation
		for i := 0; i < 60; i++ {
			cits = append(cits, answer.Citation{ID: "§" + strings.Repeat("9", 3), Story: "musk-altman-roadster.de"})
			cits[i].ID += string(rune('a' + i%26))
			cits[i].ID += string(rune('a' + i/26))
		}
		id := encodeSourcesID(cits)
		if n := utf8.RuneCountInString(id); n > maxCustomID {
			t.Fatalf("custom_id of %d characters", n)
		}
		got := decodeSourcesID(id)
		if len(got) != 1 || len(got[0].IDs) == 0 {
			t.Fatalf("decode = %+v", got)
		}
	})
	t.Run("nothing cited gives no button", func(t *testing.T) {
		if b := sourcesButton(nil, langEN); b != nil {
			t.Errorf("button %+v", b)
		}
	})
	t.Run("a foreign custom_id decodes to nothing", func(t *testing.T) {
		if got := decodeSourcesID("other:thing"); got != nil {
			t.Errorf("decode = %+v", got)
		}
	})
}

func TestRenderWithSourcesBoundsLongAnswers(t *testing.T) {
	for _, tt := range []struct {
		name    string
		body    string
		lang    string
		wantCut bool
	}{
		{"a 3,000-character answer fits in two messages, whole", longAnswer(3000), langEN, false},
		{"a 5,000-character answer is cut to two messages with a note", longAnswer(5000), langEN, true},
		{"a 50,000-character answer is cut to two messages with a note", longAnswer(50_000), langEN, true},
		{"a 50,000-character answer in one line without spaces too", strings.Repeat("ü", 50_000), langEN, true},
		{"the note is in German for a German user", longAnswer(50_000), langDE, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			parts, comps := renderWithSources(tt.body, "offline answer", []answer.Citation{{ID: "§1", Story: "s"}}, tt.lang)
			if len(parts) == 0 || len(parts) > maxAnswerMessages {
				t.Fatalf("%d parts, want 1 to %d", len(parts), maxAnswerMessages)
			}
			for i, p := range parts {
				if n := utf8.RuneCountInString(p); n > maxContent {
					t.Errorf("part %d has %d characters", i, n)
				}
				if strings.Count(p, "```")%2 != 0 {
					t.Errorf("part %d leaves a code block open", i)
				}
			}
			last := parts[len(parts)-1]
			sources := "-# " + txtSources.in(tt.lang) + ": §1"
			if !strings.Contains(last, sources) || !strings.HasSuffix(last, "-# offline answer") {
				t.Errorf("last part does not end with the sources line and note: %q", tail(last, 80))
			}
			if cut := strings.Contains(last, txtAnswerCut.in(tt.lang)); cut != tt.wantCut {
				t.Errorf("cut note shown = %v, want %v", cut, tt.wantCut)
			}
			if !tt.wantCut {
				checkParts(t, strings.TrimSpace(plainLinks(tt.body))+"\n\n"+sources+"\n-# offline answer", parts, maxContent)
			}
			if len(comps) != 1 {
				t.Errorf("components %+v", comps)
			}
		})
	}
}

func TestEmbedPagesRespectDiscordLimits(t *testing.T) {
	var embeds []*discordgo.MessageEmbed
	for i := 0; i < 7; i++ {
		embeds = append(embeds, textEmbeds("§1 · Title", longAnswer(3000), "footer", langEN)...)
	}
	pages := embedPages(embeds)
	total := 0
	for i, p := range pages {
		size := 0
		for _, e := range p {
			if n := utf8.RuneCountInString(e.Description); n > maxEmbedDescription {
				t.Errorf("page %d: description of %d characters", i, n)
			}
			size += embedSize(e)
		}
		if size > maxEmbedTotal || len(p) > maxEmbeds {
			t.Errorf("page %d: %d embeds, %d characters", i, len(p), size)
		}
		total += len(p)
	}
	if total != len(embeds) {
		t.Errorf("%d embeds laid out, want %d", total, len(embeds))
	}
}

func TestOriginTransportKeepsPaths(t *testing.T) {
	var gotPath, gotQuery, gotHost string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotQuery, gotHost = r.URL.Path, r.URL.RawQuery, r.Host
	}))
	defer srv.Close()
	origin, err := parseOrigin(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	client := newHTTPClient(origin)
	resp, err := client.Get(discordgo.EndpointWebhookToken("1", "tok") + "?wait=true")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if gotPath != "/api/v9/webhooks/1/tok" || gotQuery != "wait=true" {
		t.Errorf("request arrived as %s?%s", gotPath, gotQuery)
	}
	if !strings.HasPrefix(srv.URL, "http://"+gotHost) {
		t.Errorf("Host header %q, want the origin's", gotHost)
	}
}

func TestParseOrigin(t *testing.T) {
	for _, tt := range []struct {
		in string
		ok bool
	}{
		{"https://discord.com", true},
		{"http://127.0.0.1:8081", true},
		{"http://proxy:8080/", true},
		{"http://proxy:8080/api", false},
		{"discord.com", false},
		{"ftp://x", false},
	} {
		_, err := parseOrigin(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("parseOrigin(%q) error %v, want ok=%v", tt.in, err, tt.ok)
		}
	}
}

// The engine bounds an answer to answer.MaxAnswerChars so that, with the
// longest echoed question and a sources line, it fits the bot's messages:
// a cut answer then carries the engine's note alone, not a second one.
func TestAnAnswerAtTheEnginesBoundFitsWithoutASecondCut(t *testing.T) {
	sentence := "Tesla erstattete die Anzahlung von 45.000 Dollar innerhalb von 24 Stunden. "
	body := strings.Repeat(sentence, answer.MaxAnswerChars/utf8.RuneCountInString(sentence))
	body = questionQuote(strings.Repeat("Warum? ", 100)) + body
	cits := []answer.Citation{{ID: "§1", Story: "s"}, {ID: "§2", Story: "s"}, {ID: "§3", Story: "s"}, {ID: "§12", Story: "s"}}
	for _, lang := range []string{langEN, langDE} {
		parts, _ := renderWithSources(body, "", cits, lang)
		if last := parts[len(parts)-1]; strings.Contains(last, txtAnswerCut.in(lang)) {
			t.Errorf("%s: an answer of %d characters was cut again by the bot", lang, answer.MaxAnswerChars)
		}
	}
}
