package main

import "context"

func runDoctor(_ context.Context, c *cli, _ []string) int { return notYet(c, "machina doctor") }
