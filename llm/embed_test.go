package llm_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/storybot/storybot/fault"
	"github.com/storybot/storybot/llm"
	"github.com/storybot/storybot/llm/openaitest"
)

var passages = []string{
	"Musk antwortete auf Altmans Beschwerde.",
	"Die Reservierung für den Roadster wurde erstattet.",
	"Altman hatte 2018 eine Anzahlung geleistet.",
	"",
	"Musk antwortete auf Altmans Beschwerde.",
}

func TestEmbed(t *testing.T) {
	srv := openaitest.New(t)
	c, _ := newClient(t, srv, func(o *llm.Options) { o.EmbedBatchSize = 2 })
	vecs, err := c.Embed(context.Background(), passages)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("vectors come in input order", func(t *testing.T) {
		if len(vecs) != len(passages) {
			t.Fatalf("%d vectors for %d texts", len(vecs), len(passages))
		}
		for i, p := range passages {
			want := openaitest.Vector(p, openaitest.DefaultEmbeddingDim)
			if p == "" {
				want = openaitest.Vector(" ", openaitest.DefaultEmbeddingDim)
			}
			if !reflect.DeepEqual(vecs[i], want) {
				t.Errorf("vector %d differs from the server's for %q", i, p)
			}
		}
	})
	t.Run("each distinct text is sent once, in batches", func(t *testing.T) {
		var sent []string
		for _, r := range srv.Requests() {
			in := r.Embedding.Input.([]string)
			if len(in) > 2 {
				t.Errorf("a batch of %d, want at most 2", len(in))
			}
			sent = append(sent, in...)
		}
		if len(sent) != 4 || srv.EmbedCalls() != 2 {
			t.Errorf("sent %q in %d calls, want the 4 distinct texts in 2", sent, srv.EmbedCalls())
		}
	})
	t.Run("usage is recorded", func(t *testing.T) {
		if c.Usage().PromptTokens == 0 {
			t.Errorf("usage = %+v", c.Usage())
		}
	})
	t.Run("a second call comes from memory", func(t *testing.T) {
		vecs[0][0] = 42 // the caller's own copy
		again, err := c.Embed(context.Background(), passages[:2])
		if err != nil {
			t.Fatal(err)
		}
		if srv.EmbedCalls() != 2 {
			t.Errorf("%d calls, want no new one", srv.EmbedCalls())
		}
		if again[0][0] == 42 {
			t.Error("a caller's change reached the cache")
		}
	})
}

func TestEmbedDiskCache(t *testing.T) {
	dir := t.TempDir()
	srv := openaitest.New(t)
	client := func(model string) *llm.Client {
		c, _ := newClient(t, srv, func(o *llm.Options) { o.CacheDir, o.EmbeddingModel = dir, model })
		return c
	}
	first, err := client("text-embedding-3-small").Embed(context.Background(), passages[:3])
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		model string
		texts []string
		calls int // total embedding calls after this step
	}{
		{"a new client with the same model reads the disk and makes no request", "text-embedding-3-small", passages[:3], 1},
		{"a new text is sent alone", "text-embedding-3-small", []string{passages[0], "Neu."}, 2},
		{"another model makes a new request", "nomic-embed-text", passages[:3], 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vecs, err := client(tt.model).Embed(context.Background(), tt.texts)
			if err != nil {
				t.Fatal(err)
			}
			if srv.EmbedCalls() != tt.calls {
				t.Errorf("embedding calls = %d, want %d", srv.EmbedCalls(), tt.calls)
			}
			if !reflect.DeepEqual(vecs[0], first[0]) {
				t.Error("the cached vector differs")
			}
		})
	}
	last := srv.Requests()[len(srv.Requests())-1]
	if got := last.Embedding.Input.([]string); len(got) != 3 || string(last.Embedding.Model) != "nomic-embed-text" {
		t.Errorf("last request: %q with %q", got, last.Embedding.Model)
	}

	t.Run("a damaged cache file is fetched again", func(t *testing.T) {
		files, _ := filepath.Glob(filepath.Join(dir, "embeddings", "text-embedding-3-small-*", "*.f32"))
		if len(files) != 4 {
			t.Fatalf("%d cache files, want 4: %v", len(files), files)
		}
		for _, f := range files {
			if err := os.WriteFile(f, []byte("SBE1garbage"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		before := srv.EmbedCalls()
		vecs, err := client("text-embedding-3-small").Embed(context.Background(), passages[:1])
		if err != nil {
			t.Fatal(err)
		}
		if srv.EmbedCalls() != before+1 || !reflect.DeepEqual(vecs[0], first[0]) {
			t.Errorf("calls %d → %d; vector equal: %v", before, srv.EmbedCalls(), reflect.DeepEqual(vecs[0], first[0]))
		}
	})
}

func TestEmbedFailures(t *testing.T) {
	tests := []struct {
		name    string
		model   string
		replies []openaitest.Reply
		kind    fault.Kind
		msg     string // "": success
		calls   int
	}{
		{name: "no embedding model is invalid and makes no request", model: "-", kind: fault.Invalid, msg: "no embedding model configured"},
		{name: "a 429 is retried", replies: []openaitest.Reply{openaitest.RateLimited(time.Second)}, calls: 2},
		{name: "a 404 names the embedding model", replies: []openaitest.Reply{openaitest.Error(404, "")}, kind: fault.Unavailable, msg: "model not found: text-embedding-3-small", calls: 1},
		{name: "a malformed answer is unreadable", replies: []openaitest.Reply{{Malformed: true}}, kind: fault.Unavailable, msg: "the model sent an unreadable answer", calls: 1},
		{
			name:    "an answer with too few vectors is unreadable",
			replies: []openaitest.Reply{{Body: `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[1,0]}],"usage":{"prompt_tokens":1}}`}},
			kind:    fault.Unavailable, msg: "the model sent an unreadable answer", calls: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := openaitest.New(t)
			srv.QueueEmbeddings(tt.replies...)
			c, _ := newClient(t, srv, func(o *llm.Options) {
				if tt.model == "-" {
					o.EmbeddingModel = ""
				}
			})
			vecs, err := c.Embed(context.Background(), []string{"a", "b"})
			if tt.msg == "" {
				if err != nil || len(vecs) != 2 {
					t.Fatalf("Embed = %d vectors, %v", len(vecs), err)
				}
			} else {
				wantFault(t, err, tt.kind, tt.msg)
			}
			if srv.EmbedCalls() != tt.calls {
				t.Errorf("embedding calls = %d, want %d", srv.EmbedCalls(), tt.calls)
			}
		})
	}
}

func TestEmbedQueriesAreNotCached(t *testing.T) {
	dir := t.TempDir()
	srv := openaitest.New(t)
	c, _ := newClient(t, srv, func(o *llm.Options) { o.CacheDir, o.EmbeddingModel = dir, "text-embedding-3-small" })
	for i := 0; i < 2; i++ {
		vecs, err := c.EmbedQueries(context.Background(), []string{"When did Altman reserve?"})
		if err != nil || len(vecs) != 1 || len(vecs[0]) == 0 {
			t.Fatalf("%v %v", vecs, err)
		}
	}
	if n := srv.EmbedCalls(); n != 2 {
		t.Errorf("%d requests for a question asked twice, want 2 (no cache)", n)
	}
	var files int
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, _ error) error {
		if d != nil && !d.IsDir() {
			files++
		}
		return nil
	})
	if files != 0 {
		t.Errorf("%d files in the cache after questions only", files)
	}
}
