package main

import "context"

func runDemo(_ context.Context, c *cli, _ []string) int { return notYet(c, "machina demo") }
