module github.com/storybot/storybot

go 1.26

require (
	github.com/blevesearch/snowballstem v0.9.0 // indirect
	github.com/bwmarrin/discordgo v0.29.0 // indirect
	github.com/gorilla/websocket v1.5.3 // indirect
	github.com/kelseyhightower/envconfig v1.4.0 // indirect
	github.com/prometheus/client_golang v1.23.2 // indirect
	github.com/sashabaranov/go-openai v1.43.0 // indirect
	golang.org/x/crypto v0.0.0-20210421170649-83a5a9bb288b // indirect
	golang.org/x/sys v0.35.0 // indirect
)
