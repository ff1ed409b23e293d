package bot

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the bot's Prometheus metrics, in a registry of its own (so
// several bots in one test process do not collide).
type metrics struct {
	registry      *prometheus.Registry
	interactions  *prometheus.CounterVec
	ackLatency    prometheus.Histogram
	answerLatency *prometheus.HistogramVec
	tokens        *prometheus.CounterVec
	rateLimited   *prometheus.CounterVec
	inProgress    prometheus.Gauge
	httpRefused   *prometheus.CounterVec
	shardReady    *prometheus.GaugeVec
	gatewayEvents *prometheus.CounterVec
}

func newMetrics(extra ...prometheus.Collector) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		interactions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "storybot_interactions_total",
			Help: "Interactions and mentions handled, by command and outcome (ok, rate_limited, busy, refused, shutting_down, shutdown (cut short by a shutdown), invalid, unavailable, not_found, limited, internal, panic).",
		}, []string{"command", "outcome"}),
		ackLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "storybot_ack_latency_seconds",
			Help:    "Time from receiving an interaction to its first response (Discord allows 3 s).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2, 3, 5},
		}),
		answerLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "storybot_answer_latency_seconds",
			Help:    "Time from starting an answer to its final message, by command.",
			Buckets: []float64{.1, .25, .5, 1, 2, 5, 10, 20, 30, 60, 120},
		}, []string{"command"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "storybot_model_tokens_total",
			Help: "Model tokens spent on answers, by type (prompt, completion).",
		}, []string{"type"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "storybot_rate_limited_total",
			Help: "Requests refused by a limit: the per-user rate (user) or the cap on answers in progress (capacity).",
		}, []string{"reason"}),
		inProgress: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "storybot_answers_in_progress",
			Help: "Answers being written now.",
		}),
		httpRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "storybot_http_refused_total",
			Help: "Requests to /interactions refused before any work, by reason (" + refusalReasons + ").",
		}, []string{"reason"}),
		shardReady: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "storybot_shard_ready",
			Help: "1 while this process's gateway shard is ready (READY or RESUMED received), 0 while it waits, connects or reconnects.",
		}, []string{"shard"}),
		gatewayEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "storybot_gateway_events_total",
			Help: "Interactions and messages received over the gateway, by shard and event (interaction, message).",
		}, []string{"shard", "event"}),
	}
	m.registry.MustRegister(m.interactions, m.ackLatency, m.answerLatency, m.tokens, m.rateLimited, m.inProgress, m.httpRefused,
		m.shardReady, m.gatewayEvents,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.registry.MustRegister(extra...)
	for _, reason := range []string{"user", "capacity"} {
		m.rateLimited.WithLabelValues(reason)
	}
	for _, reason := range strings.Split(refusalReasons, ", ") {
		m.httpRefused.WithLabelValues(reason)
	}
	for _, typ := range []string{"prompt", "completion"} {
		m.tokens.WithLabelValues(typ)
	}
	return m
}

// refusalReasons are the reasons of storybot_http_refused_total.
const refusalReasons = "too_large, busy, unreadable, bad_signature, malformed, replay"
