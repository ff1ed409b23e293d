package redisstate

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultCacheTTL keeps a cached timeline, summary or quote context for a
// week: keys carry the story version and the model, so an old entry is
// never wrong, only unused.
const DefaultCacheTTL = 7 * 24 * time.Hour

// maxCacheValue bounds what goes to Redis; larger values stay local.
const maxCacheValue = 4 << 20

// Cache is the shared tier of the result cache (timelines, summaries,
// quote contexts): values with a time to live. The local tier (memory and
// CACHE_DIR) stays in front of it; a miss or an unreachable Redis is the
// same to the caller.
type Cache struct {
	st  *Store
	ttl time.Duration
}

// NewCache returns the shared cache; ttl <= 0 is DefaultCacheTTL.
func NewCache(st *Store, ttl time.Duration) *Cache {
	if ttl <= 0 {
		ttl = DefaultCacheTTL
	}
	return &Cache{st: st, ttl: ttl}
}

// Get returns the value cached under kind and key.
func (c *Cache) Get(ctx context.Context, kind, key string) ([]byte, bool) {
	var data []byte
	found := false
	c.st.call(ctx, "cache", func(ctx context.Context, rdb *redis.Client) error {
		b, err := rdb.Get(ctx, c.st.key("cache", kind, key)).Bytes()
		if err == nil {
			data, found = b, true
		}
		return err
	})
	return data, found
}

// Put stores data under kind and key; a failure only costs a later miss.
func (c *Cache) Put(ctx context.Context, kind, key string, data []byte) {
	if len(data) > maxCacheValue {
		return
	}
	c.st.call(ctx, "cache", func(ctx context.Context, rdb *redis.Client) error {
		return rdb.Set(ctx, c.st.key("cache", kind, key), data, c.ttl).Err()
	})
}
