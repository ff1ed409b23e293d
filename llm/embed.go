package llm

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"

	openai "github.com/sashabaranov/go-openai"

	"github.com/storybot/storybot/fault"
)

const opEmbed = "embeddings"

var _ EmbedFunc = (*Client)(nil).Embed

// Embed returns one vector per text, in order. Texts already embedded with
// this embedding model come from the cache (memory, then CacheDir); the rest
// are sent in batches of EmbedBatchSize, each text once, and cached. The
// returned slices are the caller's own.
func (c *Client) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if c.embedModel == "" {
		return nil, fault.New(fault.Invalid, "no embedding model configured")
	}
	out := make([][]float32, len(texts))
	wanted := map[string][]int{} // text → positions in out
	var missing []string
	for i, t := range texts {
		if v, ok := c.cache.get(t); ok {
			out[i] = v
			continue
		}
		if _, seen := wanted[t]; !seen {
			missing = append(missing, t)
		}
		wanted[t] = append(wanted[t], i)
	}
	for start := 0; start < len(missing); start += c.embedBatch {
		batch := missing[start:min(start+c.embedBatch, len(missing))]
		vecs, err := c.embedBatchOf(ctx, batch)
		if err != nil {
			return nil, err
		}
		for j, t := range batch {
			c.cache.put(t, vecs[j])
			for n, i := range wanted[t] {
				if n == 0 {
					out[i] = vecs[j]
				} else {
					out[i] = append([]float32(nil), vecs[j]...)
				}
			}
		}
	}
	return out, nil
}

// EmbedQueries embeds texts like Embed but leaves the cache alone: questions
// are many and rarely repeat, and caching them would grow CacheDir with
// every question asked.
func (c *Client) EmbedQueries(ctx context.Context, texts []string) ([][]float32, error) {
	if c.embedModel == "" {
		return nil, fault.New(fault.Invalid, "no embedding model configured")
	}
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += c.embedBatch {
		vecs, err := c.embedBatchOf(ctx, texts[start:min(start+c.embedBatch, len(texts))])
		if err != nil {
			return nil, err
		}
		out = append(out, vecs...)
	}
	return out, nil
}

func (c *Client) embedBatchOf(ctx context.Context, texts []string) ([][]float32, error) {
	input := make([]string, len(texts))
	for i, t := range texts {
		if t == "" {
			t = " " // the API rejects empty strings
		}
		input[i] = t
	}
	req := openai.EmbeddingRequestStrings{Input: input, Model: openai.EmbeddingModel(c.embedModel)}
	var (
		vecs  [][]float32
		usage Usage
	)
	err := c.call(ctx, opEmbed, func(actx context.Context) error {
		resp, err := c.api.CreateEmbeddings(actx, req)
		if err != nil {
			return err
		}
		vecs, err = orderEmbeddings(resp.Data, len(texts))
		if err != nil {
			return err
		}
		usage = Usage{PromptTokens: resp.Usage.PromptTokens}
		return nil
	}, nil, nil)
	if err != nil {
		return nil, err
	}
	if usage.PromptTokens == 0 {
		for _, t := range texts {
			usage.PromptTokens += estimateTokens(t)
		}
	}
	c.record(usage)
	return vecs, nil
}

// errBadEmbeddings is a response whose data does not match the request.
type errBadEmbeddings struct{ reason string }

func (e errBadEmbeddings) Error() string { return "bad embeddings response: " + e.reason }

// orderEmbeddings puts the vectors in input order by their index and checks
// that there is exactly one non-empty vector of one length per input.
func orderEmbeddings(data []openai.Embedding, n int) ([][]float32, error) {
	if len(data) != n {
		return nil, errBadEmbeddings{fmt.Sprintf("%d vectors for %d texts", len(data), n)}
	}
	out := make([][]float32, n)
	for _, d := range data {
		switch {
		case d.Index < 0 || d.Index >= n:
			return nil, errBadEmbeddings{fmt.Sprintf("index %d out of range", d.Index)}
		case out[d.Index] != nil:
			return nil, errBadEmbeddings{fmt.Sprintf("index %d twice", d.Index)}
		case len(d.Embedding) == 0:
			return nil, errBadEmbeddings{fmt.Sprintf("empty vector at index %d", d.Index)}
		case len(d.Embedding) != len(data[0].Embedding):
			return nil, errBadEmbeddings{"vectors of different lengths"}
		}
		out[d.Index] = d.Embedding
	}
	return out, nil
}

// embedCache keeps vectors of one embedding model by the SHA-256 of their
// text: in memory (the most recent memCap), and on disk when dir is set, one
// file per text under dir/embeddings/<model>/, written atomically.
type embedCache struct {
	dir string
	log *slog.Logger

	mu    sync.Mutex
	mem   map[string][]float32
	order []string // insertion order, for eviction
}

const memCap = 50000

func newEmbedCache(cacheDir, model string, log *slog.Logger) *embedCache {
	c := &embedCache{mem: map[string][]float32{}, log: log}
	if cacheDir != "" && model != "" {
		c.dir = filepath.Join(cacheDir, "embeddings", modelDir(model))
	}
	return c
}

// modelDir is a directory name for a model: readable, and unique thanks to
// a short hash (so "a/b" and "a_b" differ).
func modelDir(model string) string {
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, model)
	if len(safe) > 64 {
		safe = safe[:64]
	}
	sum := sha256.Sum256([]byte(model))
	return safe + "-" + hex.EncodeToString(sum[:4])
}

func textKey(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

func (c *embedCache) get(text string) ([]float32, bool) {
	key := textKey(text)
	c.mu.Lock()
	v, ok := c.mem[key]
	c.mu.Unlock()
	if ok {
		return append([]float32(nil), v...), true
	}
	if c.dir == "" {
		return nil, false
	}
	v, ok = readVector(filepath.Join(c.dir, key+".f32"))
	if ok {
		c.remember(key, v)
		return append([]float32(nil), v...), true
	}
	return nil, false
}

func (c *embedCache) put(text string, v []float32) {
	key := textKey(text)
	c.remember(key, append([]float32(nil), v...))
	if c.dir == "" {
		return
	}
	if err := writeVector(c.dir, key+".f32", v); err != nil {
		// Not returned: the vector is good, only the cache is not.
		c.log.Warn("could not cache an embedding on disk", "dir", c.dir, "err", err)
	}
}

func (c *embedCache) remember(key string, v []float32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.mem[key]; !ok {
		c.order = append(c.order, key)
	}
	c.mem[key] = v
	for len(c.order) > memCap {
		delete(c.mem, c.order[0])
		c.order = c.order[1:]
	}
}

// The file format: "SBE1", the length as uint32, the floats, little-endian.
var vectorMagic = []byte("SBE1")

func readVector(path string) ([]float32, bool) {
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 8 || string(b[:4]) != string(vectorMagic) {
		return nil, false
	}
	n := int(binary.LittleEndian.Uint32(b[4:8]))
	if n == 0 || len(b) != 8+4*n {
		return nil, false
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[8+4*i:]))
	}
	return v, true
}

func writeVector(dir, name string, v []float32) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b := make([]byte, 8+4*len(v))
	copy(b, vectorMagic)
	binary.LittleEndian.PutUint32(b[4:], uint32(len(v)))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[8+4*i:], math.Float32bits(f))
	}
	tmp, err := os.CreateTemp(dir, name+".*.tmp")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), filepath.Join(dir, name))
	}
	if werr != nil {
		_ = os.Remove(tmp.Name())
	}
	return werr
}
