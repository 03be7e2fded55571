package docstore

import "regexp"

// injectionPattern is one instruction-like pattern the ingestion scanner
// looks for, with the short reason reported when it matches.
type injectionPattern struct {
	reason string
	re     *regexp.Regexp
}

// injectionPatterns are phrases that address a model rather than a
// technician. They are heuristics: a match marks the chunk, it never drops
// it (a manual may legitimately say "disregard the reading").
var injectionPatterns = []injectionPattern{
	{"ignore-instructions", regexp.MustCompile(`(?i)\b(ignore|forget|skip|bypass)\s+(all\s+|any\s+|the\s+|your\s+|every\s+)*(previous|prior|above|earlier|preceding|former|system|safety|original)?\s*(instructions?|prompts?|rules|directives|guidelines|context|messages)`)},
	{"disregard", regexp.MustCompile(`(?i)\bdisregard\s+(all\s+|any\s+|the\s+|your\s+|previous\s+|prior\s+|above\s+|earlier\s+)+(instructions?|prompts?|rules|directives|guidelines|context|messages|text)`)},
	{"role-change", regexp.MustCompile(`(?i)\byou\s+are\s+now\b|\bfrom\s+now\s+on,?\s+you\b|\bact\s+as\s+(an?\s+)?(unrestricted|different|new|admin|system|developer)|\bpretend\s+(to\s+be|you\s+are)`)},
	{"system-prompt", regexp.MustCompile(`(?i)\bsystem\s+prompt\b|\b(reveal|print|show|repeat|leak)\s+(me\s+)?(your|the)\s+(hidden\s+|secret\s+|initial\s+)?(instructions|prompt|rules)`)},
	{"new-instructions", regexp.MustCompile(`(?i)\bnew\s+instructions?\b|\bupdated\s+instructions?\s*:|\boverride\s+(the\s+|your\s+|all\s+)?(instructions?|rules|safety|policy|guidelines)`)},
	{"role-marker", regexp.MustCompile(`(?im)^\s*(system|assistant|developer)\s*:\s|<\|im_(start|end)\|>|\[/?INST\]|<\|(system|user|assistant)\|>|###\s*(system|instruction)s?\b`)},
	{"tool-call-json", regexp.MustCompile(`(?i)"(tool_calls?|function_call|tool_use|tool_name)"\s*:|"(name|tool)"\s*:\s*"[a-z0-9_.-]+"\s*,\s*"(arguments|parameters|input|args)"\s*:`)},
	{"covert-action", regexp.MustCompile(`(?i)\b(do\s+not|don't|never)\s+(tell|inform|mention\s+(this\s+)?to|alert|notify)\s+(the\s+)?(user|operator|technician|human)`)},
	{"exfiltration", regexp.MustCompile(`(?i)\b(send|email|post|upload|forward)\s+(all\s+|the\s+)?(credentials|passwords?|api\s*keys?|tokens?|secrets?)\b`)},
}

// scanInjection returns the reasons text looks like a prompt-injection
// attempt, in pattern order and without duplicates; nil when it looks clean.
func scanInjection(text string) []string {
	var reasons []string
	for _, p := range injectionPatterns {
		if p.re.MatchString(text) {
			reasons = append(reasons, p.reason)
		}
	}
	return reasons
}
