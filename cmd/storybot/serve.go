package main

import "context"

func (c *cli) serve(ctx context.Context, args []string) error {
	return usagef("serve: not wired yet")
}
