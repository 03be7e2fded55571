package docstore

import (
	"regexp"
	"strings"
)

// injectionPattern is one instruction-like pattern the ingestion scanner
// looks for, with the short reason reported when it matches. need is a
// cheap prefilter on the lower-cased text: every group must have at least
// one substring present before the regular expression runs.
type injectionPattern struct {
	reason string
	need   [][]string
	re     *regexp.Regexp
}

// Prefilter groups shared by several patterns.
var (
	needDirective = []string{"instruction", "prompt", "rule", "directive", "guideline", "context", "message", "text"}
	needPerson    = []string{"user", "operator", "technician", "human"}
)

// injectionPatterns are phrases that address a model rather than a
// technician. They are heuristics: a match marks the chunk, it never drops
// it (a manual may legitimately say "disregard the reading").
var injectionPatterns = []injectionPattern{
	{"ignore-instructions", [][]string{{"ignore", "forget", "skip", "bypass"}, needDirective}, regexp.MustCompile(`(?i)\b(ignore|forget|skip|bypass)\s+(all\s+|any\s+|the\s+|your\s+|every\s+)*(previous|prior|above|earlier|preceding|former|system|safety|original)?\s*(instructions?|prompts?|rules|directives|guidelines|context|messages)`)},
	{"disregard", [][]string{{"disregard"}, needDirective}, regexp.MustCompile(`(?i)\bdisregard\s+(all\s+|any\s+|the\s+|your\s+|previous\s+|prior\s+|above\s+|earlier\s+)+(instructions?|prompts?|rules|directives|guidelines|context|messages|text)`)},
	{"role-change", [][]string{{"you are now", "from now on", "act as", "pretend"}}, regexp.MustCompile(`(?i)\byou\s+are\s+now\b|\bfrom\s+now\s+on,?\s+you\b|\bact\s+as\s+(an?\s+)?(unrestricted|different|new|admin|system|developer)|\bpretend\s+(to\s+be|you\s+are)`)},
	{"system-prompt", [][]string{{"system prompt", "instructions", "prompt", "rules"}}, regexp.MustCompile(`(?i)\bsystem\s+prompt\b|\b(reveal|print|show|repeat|leak)\s+(me\s+)?(your|the)\s+(hidden\s+|secret\s+|initial\s+)?(instructions|prompt|rules)`)},
	{"new-instructions", [][]string{{"new instruction", "updated instruction", "override"}}, regexp.MustCompile(`(?i)\bnew\s+instructions?\b|\bupdated\s+instructions?\s*:|\boverride\s+(the\s+|your\s+|all\s+)?(instructions?|rules|safety|policy|guidelines)`)},
	{"role-marker", [][]string{{"system", "assistant", "developer", "<|", "[inst", "[/inst", "###"}}, regexp.MustCompile(`(?im)^\s*(system|assistant|developer)\s*:\s|<\|im_(start|end)\|>|\[/?INST\]|<\|(system|user|assistant)\|>|###\s*(system|instruction)s?\b`)},
	{"tool-call-json", [][]string{{`":`, `" :`}}, regexp.MustCompile(`(?i)"(tool_calls?|function_call|tool_use|tool_name)"\s*:|"(name|tool)"\s*:\s*"[a-z0-9_.-]+"\s*,\s*"(arguments|parameters|input|args)"\s*:`)},
	{"covert-action", [][]string{{"tell", "inform", "mention", "alert", "notify"}, needPerson}, regexp.MustCompile(`(?i)\b(do\s+not|don't|never)\s+(tell|inform|mention\s+(this\s+)?to|alert|notify)\s+(the\s+)?(user|operator|technician|human)`)},
	{"exfiltration", [][]string{{"credential", "password", "api key", "apikey", "token", "secret"}}, regexp.MustCompile(`(?i)\b(send|email|post|upload|forward)\s+(all\s+|the\s+)?(credentials|passwords?|api\s*keys?|tokens?|secrets?)\b`)},
}

// scanInjection returns the reasons text looks like a prompt-injection
// attempt, in pattern order and without duplicates; nil when it looks clean.
func scanInjection(text string) []string {
	var reasons []string
	lower := strings.ToLower(text)
patterns:
	for _, p := range injectionPatterns {
		for _, group := range p.need {
			hit := false
			for _, n := range group {
				if strings.Contains(lower, n) {
					hit = true
					break
				}
			}
			if !hit {
				continue patterns
			}
		}
		if p.re.MatchString(text) {
			reasons = append(reasons, p.reason)
		}
	}
	return reasons
}
