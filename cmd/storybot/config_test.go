package main

import (
	"os"
	"reflect"
	"strings"
	"testing"
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
