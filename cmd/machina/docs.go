package main

import "context"

func runDocs(_ context.Context, c *cli, _ []string) int { return notYet(c, "machina docs") }
