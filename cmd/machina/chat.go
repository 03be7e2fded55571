package main

import "context"

func runChat(_ context.Context, c *cli, _ []string) int { return notYet(c, "machina chat") }
