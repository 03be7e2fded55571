package main

import "context"

func runSim(_ context.Context, c *cli, _ []string) int { return notYet(c, "machina sim") }
