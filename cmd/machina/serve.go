package main

import "context"

func runServe(_ context.Context, c *cli, _ []string) int { return notYet(c, "machina serve") }
