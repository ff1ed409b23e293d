package main

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/storybot/storybot/bot"
)

// TestEveryVariableIsDocumented fails when a Config field is missing from
// .env.example or from the README's configuration table.
func TestEveryVariableIsDocumented(t *testing.T) {
	example, err := os.ReadFile("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range configVars() {
		t.Run(v, func(t *testing.T) {
			if !strings.Contains("\n"+string(example), "\n"+v+"=") {
				t.Errorf("%s is not in .env.example", v)
			}
			if !strings.Contains(string(readme), "| `"+v+"` |") {
				t.Errorf("%s is not in the README's configuration table (a row starting | `%s` |)", v, v)
			}
		})
	}
}

func TestExampleDefaultsMatchTheCode(t *testing.T) {
	example, err := os.ReadFile("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	cleanEnv(t, nil)
	os.Unsetenv("CACHE_DIR")
	defaults, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	// Load the example as the environment: it must mean the same as no environment.
	for _, line := range strings.Split(string(example), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") && v != "" {
			t.Setenv(k, v)
		}
	}
	fromExample, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromExample, defaults) {
		t.Errorf(".env.example's values differ from the defaults:\n%+v\n%+v", fromExample, defaults)
	}
}

func TestShardConfig(t *testing.T) {
	for _, tt := range []struct {
		count, id string
		wantCount int
		wantID    int
		wantErr   string
	}{
		{"1", "", 1, -1, ""},
		{"", "", 1, -1, ""},
		{"4", "3", 4, 3, ""},
		{"auto", "", bot.AutoShardCount, -1, ""},
		{"AUTO", "7", bot.AutoShardCount, 7, ""},
		{"0", "", 0, 0, "SHARD_COUNT must be a whole number of at least 1, or auto"},
		{"two", "", 0, 0, "SHARD_COUNT must be"},
		{"2", "2", 0, 0, "SHARD_ID 2 must be below SHARD_COUNT 2"},
		{"2", "-1", 0, 0, "SHARD_ID must be a whole number of at least 0"},
	} {
		t.Run(tt.count+"/"+tt.id, func(t *testing.T) {
			count, id, err := Config{ShardCount: tt.count, ShardID: tt.id}.Shards()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Shards() = %d, %d, %v; want error %q", count, id, err, tt.wantErr)
				}
				return
			}
			if err != nil || count != tt.wantCount || id != tt.wantID {
				t.Errorf("Shards() = %d, %d, %v; want %d, %d", count, id, err, tt.wantCount, tt.wantID)
			}
		})
	}
}
