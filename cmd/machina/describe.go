package main

import "context"

func runDescribe(_ context.Context, c *cli, _ []string) int { return notYet(c, "machina describe") }
