package main

import "context"

func runPlugin(_ context.Context, c *cli, _ []string) int { return notYet(c, "machina plugin") }
