package redisstate

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/storybot/storybot/answer"
)

// Budget is the daily model token budget (LLM_DAILY_TOKEN_BUDGET) shared
// by every replica: one counter per UTC day, which expires two days later.
// A call reserves its worst case before it runs and settles what it cost
// after, atomically in Redis, so calls made at the same time on different
// replicas cannot all slip under the limit: it is passed by at most one
// call. While Redis is unreachable the local budget (the in-process
// answer.DailyBudget) decides.
type Budget struct {
	st    *Store
	limit int
	now   func() time.Time
	local answer.TokenBudget
}

var _ answer.TokenBudget = (*Budget)(nil)

// budgetKeyTTL keeps a day's counter past the day in every time zone.
const budgetKeyTTL = 48 * time.Hour

// reserveScript admits a reservation while the day's total (open
// reservations and settled costs) is below the limit: only the call that
// crosses it can pass it.
var reserveScript = redis.NewScript(`
local used = tonumber(redis.call("GET", KEYS[1]) or "0")
if used >= tonumber(ARGV[2]) then
  return 0
end
redis.call("INCRBY", KEYS[1], ARGV[1])
redis.call("PEXPIRE", KEYS[1], ARGV[3])
return 1
`)

// NewBudget limits model tokens to limit per UTC day (limit <= 0: no
// limit); now is the clock of the day (nil: time.Now).
func NewBudget(st *Store, limit int, now func() time.Time, local answer.TokenBudget) *Budget {
	if now == nil {
		now = time.Now
	}
	return &Budget{st: st, limit: limit, now: now, local: local}
}

func (b *Budget) day() string { return b.now().UTC().Format("2006-01-02") }

// Reserve implements answer.TokenBudget.
func (b *Budget) Reserve(ctx context.Context, tokens int) (answer.Reservation, bool) {
	if b.limit <= 0 {
		return b.local.Reserve(ctx, tokens)
	}
	tokens = max(tokens, 1) // a reservation always holds the door for the others
	r := &sharedReservation{b: b, key: b.st.key("budget", b.day()), reserved: tokens}
	var ok bool
	if !b.st.call(ctx, "budget", func(ctx context.Context, rdb *redis.Client) error {
		n, err := reserveScript.Run(ctx, rdb, []string{r.key}, tokens, b.limit, budgetKeyTTL.Milliseconds()).Int()
		ok = n == 1
		return err
	}) {
		return b.local.Reserve(ctx, tokens)
	}
	if !ok {
		return nil, false
	}
	return r, true
}

// Used returns today's shared total (settled costs and open
// reservations); false when Redis cannot be asked.
func (b *Budget) Used(ctx context.Context) (int, bool) {
	var n int
	ok := b.st.call(ctx, "budget", func(ctx context.Context, rdb *redis.Client) error {
		v, err := rdb.Get(ctx, b.st.key("budget", b.day())).Result()
		if err == redis.Nil {
			return nil
		}
		if err != nil {
			return err
		}
		n, err = strconv.Atoi(v)
		return err
	})
	return n, ok
}

type sharedReservation struct {
	b        *Budget
	key      string // the day it was reserved on
	reserved int
	once     sync.Once
}

// Settle replaces the reservation with what the call cost. Should Redis be
// gone by then, the reservation (the call's worst case) stays counted:
// the shared total errs on the safe side.
func (r *sharedReservation) Settle(ctx context.Context, tokens int) {
	r.once.Do(func() {
		// A context of its own: the call's may have ended, the cost stands.
		r.b.st.call(context.WithoutCancel(ctx), "budget", func(ctx context.Context, rdb *redis.Client) error {
			_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.IncrBy(ctx, r.key, int64(max(tokens, 0)-r.reserved))
				p.PExpire(ctx, r.key, budgetKeyTTL)
				return nil
			})
			return err
		})
	})
}
