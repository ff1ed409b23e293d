package discordtest

import (
	"slices"
	"strconv"
	"time"
)

// SessionStartLimit is the session_start_limit GET /gateway/bot reports.
type SessionStartLimit struct {
	Total, Remaining int
}

// IdentifyRecord is one IDENTIFY as the server received it.
type IdentifyRecord struct {
	// Shard is the identify's shard field, [id, count]; [0, 1] when absent.
	Shard [2]int
	At    time.Time
}

// ShardFor is the shard that receives guildID's events among count shards:
// (guild_id >> 22) % count, as Discord routes them. Direct messages (guild
// "") go to shard 0.
func ShardFor(guildID string, count int) int {
	if count <= 1 || guildID == "" {
		return 0
	}
	id, err := strconv.ParseUint(guildID, 10, 64)
	if err != nil {
		return 0
	}
	return int((id >> 22) % uint64(count))
}

// extraGuildChannel is the default channel of an extra guild: its id plus one.
func extraGuildChannel(guildID string) string {
	n, _ := strconv.ParseUint(guildID, 10, 64)
	return strconv.FormatUint(n+1, 10)
}

// GuildIDs returns every guild the bot is in: GuildID, then ExtraGuildIDs.
func (s *Server) GuildIDs() []string {
	return append([]string{s.opts.GuildID}, s.opts.ExtraGuildIDs...)
}

// GuildChannelID returns the default text channel of one of the bot's guilds.
func (s *Server) GuildChannelID(guildID string) string {
	if guildID == s.opts.GuildID {
		return s.opts.ChannelID
	}
	return extraGuildChannel(guildID)
}

func (s *Server) knownGuild(guildID string) bool {
	return guildID == s.opts.GuildID || slices.Contains(s.opts.ExtraGuildIDs, guildID)
}

// guildsOfShard lists the guilds whose events go to shard of count.
func (s *Server) guildsOfShard(shard [2]int) []string {
	var out []string
	for _, g := range s.GuildIDs() {
		if ShardFor(g, shard[1]) == shard[0] {
			out = append(out, g)
		}
	}
	return out
}

// Identifies returns every IDENTIFY received, oldest first.
func (s *Server) Identifies() []IdentifyRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.identifies)
}

// connForGuild is the connection that receives guildID's events: with
// sharded clients connected, the one of the guild's shard (nil if that
// shard is not connected); otherwise the newest identified connection.
func (s *Server) connForGuild(guildID string) *gwConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shardCount > 1 && len(s.shardConns) > 0 {
		return s.shardConns[ShardFor(guildID, s.shardCount)]
	}
	return s.current
}

// connectedShardsLocked lists the shard ids with an identified connection.
func (s *Server) connectedShardsLocked() []int {
	out := make([]int, 0, len(s.shardConns))
	for id := range s.shardConns {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}
