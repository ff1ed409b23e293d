package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestRunPrintsTheBaseURLAndAnswers(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"a canned answer", []string{"-answer", "Ja [§2]."}, "Ja [§2]."},
		{"the default echo cites the prompt's first passage", nil, "Echo: Wer? [§7]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			out, w := io.Pipe()
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, append([]string{"-addr", "127.0.0.1:0", "-key", "test"}, tt.args...), w, io.Discard)
				w.Close()
			}()
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil {
				t.Fatalf("first line: %v", err)
			}
			base, ok := strings.CutPrefix(strings.TrimSpace(line), "OPENAI_BASE_URL=")
			if !ok || !strings.HasPrefix(base, "http://127.0.0.1:") || !strings.HasSuffix(base, "/v1") {
				t.Fatalf("first line = %q", line)
			}
			req, _ := http.NewRequest(http.MethodPost, base+"/chat/completions",
				strings.NewReader(`{"model":"m","messages":[{"role":"user","content":"[§7] Text\nWer?"}]}`))
			req.Header.Set("Authorization", "Bearer test")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var got struct {
				Choices []struct {
					Message struct{ Content string }
				}
			}
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || len(got.Choices) != 1 {
				t.Fatalf("response %d: %+v, %v", resp.StatusCode, got, err)
			}
			if got.Choices[0].Message.Content != tt.want {
				t.Errorf("answer = %q, want %q", got.Choices[0].Message.Content, tt.want)
			}
			cancel()
			if err := <-done; err != nil {
				t.Errorf("run: %v", err)
			}
		})
	}
}

func TestRunRejectsUnknownFlags(t *testing.T) {
	if err := run(context.Background(), []string{"-nope"}, io.Discard, io.Discard); err == nil {
		t.Error("run accepted an unknown flag")
	}
}
