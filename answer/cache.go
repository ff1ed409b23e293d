package answer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// cache keeps computed timelines and summaries, in memory and, with a
// directory, on disk as one JSON file per key, so that a repeat (or a restart)
// costs no model call. Keys carry everything the result depends on: the story
// version, the language, the options and the model. With a SharedCache
// (Redis) behind memory and disk, replicas reuse each other's results.
type cache struct {
	dir    string
	shared SharedCache
	mu     sync.Mutex
	mem    map[string][]byte
}

// SharedCache is a cache tier shared by several replicas, behind memory and
// CACHE_DIR. A miss and an unreachable store are the same to the engine;
// each call is bounded by the implementation.
type SharedCache interface {
	Get(ctx context.Context, kind, key string) ([]byte, bool)
	Put(ctx context.Context, kind, key string, data []byte)
}

func newCache(dir string, shared SharedCache) *cache {
	return &cache{dir: dir, shared: shared, mem: map[string][]byte{}}
}

func cacheKey(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:12])
}

// get decodes the cached value of key into v and reports whether there was one.
func (c *cache) get(kind, key string, v any) bool {
	c.mu.Lock()
	data, ok := c.mem[kind+"/"+key]
	c.mu.Unlock()
	if !ok && c.dir != "" {
		var err error
		data, err = os.ReadFile(filepath.Join(c.dir, kind, key+".json"))
		ok = err == nil
	}
	if !ok && c.shared != nil {
		data, ok = c.shared.Get(context.Background(), kind, key)
	}
	if !ok || json.Unmarshal(data, v) != nil {
		return false
	}
	c.mu.Lock()
	c.mem[kind+"/"+key] = data
	c.mu.Unlock()
	return true
}

// put stores v under key. A disk failure only costs the next start a model
// call, so it is returned for logging, not treated as fatal.
func (c *cache) put(kind, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.mem[kind+"/"+key] = data
	c.mu.Unlock()
	if c.shared != nil {
		c.shared.Put(context.Background(), kind, key, data)
	}
	if c.dir == "" {
		return nil
	}
	dir := filepath.Join(c.dir, kind)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// Write then rename, so a crash never leaves half a file to be read back.
	tmp, err := os.CreateTemp(dir, key+".*.tmp")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, key+".json"))
}
