package main

import "context"

func runOPCUA(_ context.Context, c *cli, _ []string) int { return notYet(c, "machina opcua") }
