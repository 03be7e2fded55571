package main

import (
	"strings"
	"unicode"
)

// maxMessageUnits is Telegram's text limit in UTF-16 code units.
const maxMessageUnits = 4096

func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// splitText splits text into parts of at most limit UTF-16 code units,
// preferring to cut after a line break, then at a space, and only then in
// the middle of a word. Surrogate pairs are never split. Parts that would
// be blank are dropped; the separator at a cut is dropped.
func splitText(text string, limit int) []string {
	runes := []rune(text)
	var parts []string
	start := 0
	for start < len(runes) {
		end, units := start, 0
		for end < len(runes) && units+utf16Len(runes[end]) <= limit {
			units += utf16Len(runes[end])
			end++
		}
		cut, next := end, end
		if end < len(runes) {
			// Look back for a line break, then a space, in the second half
			// of the window so parts do not become tiny.
			// The rune just past the window counts: a window that ends right
			// before a separator needs no look-back.
			lo := start + (end-start)/2
			isNL := func(r rune) bool { return r == '\n' }
			if i := lastIndex(runes[lo:end+1], isNL); i >= 0 {
				cut, next = lo+i, lo+i+1
			} else if i := lastIndex(runes[lo:end+1], unicode.IsSpace); i >= 0 {
				cut, next = lo+i, lo+i+1
			}
		}
		if p := strings.TrimRightFunc(string(runes[start:cut]), unicode.IsSpace); strings.TrimSpace(p) != "" {
			parts = append(parts, p)
		}
		start = next
	}
	return parts
}

func lastIndex(rs []rune, f func(rune) bool) int {
	for i := len(rs) - 1; i >= 0; i-- {
		if f(rs[i]) {
			return i
		}
	}
	return -1
}
