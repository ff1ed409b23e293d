package redisstate

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// LocalBudget is the in-process daily token budget used while Redis is
// unreachable.
type LocalBudget interface {
	Reserve(tokens int) bool
	Settle(reserved, used int)
}

// Budget is the daily model token budget (LLM_DAILY_TOKEN_BUDGET) shared
// by every replica: one counter per UTC day, which expires two days later.
// A call reserves its worst case before it runs and settles the real
// usage after, so concurrent calls cannot all pass a check that only one
// of them fits.
type Budget struct {
	st    *Store
	limit int
	now   func() time.Time
	local LocalBudget
}

// Reservation is what Reserve took; pass it to Settle.
type Reservation struct {
	day    string
	tokens int
	shared bool // taken in Redis (else in the local budget)
}

// budgetKeyTTL keeps a day's counter past the day in every time zone.
const budgetKeyTTL = 48 * time.Hour

// reserveScript admits a reservation while the day's total (reserved and
// settled) is below the limit: only the call that crosses it can pass it,
// so the budget is exceeded by at most one call.
var reserveScript = redis.NewScript(`
local used = tonumber(redis.call("GET", KEYS[1]) or "0")
local limit = tonumber(ARGV[2])
if used >= limit then
  return {0, used}
end
used = redis.call("INCRBY", KEYS[1], ARGV[1])
redis.call("PEXPIRE", KEYS[1], ARGV[3])
return {1, used}
`)

// NewBudget limits model tokens to limit per UTC day; limit <= 0 is no
// limit. now is the clock of the day (nil: time.Now).
func NewBudget(st *Store, limit int, now func() time.Time, local LocalBudget) *Budget {
	if now == nil {
		now = time.Now
	}
	return &Budget{st: st, limit: limit, now: now, local: local}
}

// Reserve takes tokens from today's budget; false means it is spent.
func (b *Budget) Reserve(ctx context.Context, tokens int) (Reservation, bool) {
	r := Reservation{day: b.now().UTC().Format("2006-01-02"), tokens: tokens}
	if b.limit <= 0 {
		return r, true
	}
	var ok bool
	if b.st.call(ctx, "budget", func(ctx context.Context, rdb *redis.Client) error {
		res, err := reserveScript.Run(ctx, rdb, []string{b.st.key("budget", r.day)},
			tokens, b.limit, budgetKeyTTL.Milliseconds()).Int64Slice()
		if err == nil {
			ok = res[0] == 1
		}
		return err
	}) {
		r.shared = true
		return r, ok
	}
	return r, b.local.Reserve(tokens)
}

// Settle replaces the reservation by the tokens really used.
func (b *Budget) Settle(ctx context.Context, r Reservation, used int) {
	if b.limit <= 0 {
		return
	}
	if !r.shared {
		b.local.Settle(r.tokens, used)
		return
	}
	// If Redis went away since Reserve, the reservation (the call's worst
	// case) stays counted in Redis: the shared total errs on the safe side.
	b.st.call(ctx, "budget", func(ctx context.Context, rdb *redis.Client) error {
		key := b.st.key("budget", r.day)
		_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.IncrBy(ctx, key, int64(used-r.tokens))
			p.PExpire(ctx, key, budgetKeyTTL)
			return nil
		})
		return err
	})
}

// Used returns today's shared total (for tests and diagnostics); false
// when Redis is unreachable.
func (b *Budget) Used(ctx context.Context) (int, bool) {
	var n int
	ok := b.st.call(ctx, "budget", func(ctx context.Context, rdb *redis.Client) error {
		v, err := rdb.Get(ctx, b.st.key("budget", b.now().UTC().Format("2006-01-02"))).Result()
		if err != nil {
			return err
		}
		n, err = strconv.Atoi(v)
		return err
	})
	return n, ok
}
