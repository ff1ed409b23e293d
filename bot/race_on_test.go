//go:build race

package bot

// raceEnabled: the race detector slows everything down several times, so
// latency budgets are not asserted under it.
const raceEnabled = true
