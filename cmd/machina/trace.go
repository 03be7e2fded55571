package main

import "context"

func runTrace(_ context.Context, c *cli, _ []string) int { return notYet(c, "machina trace") }
