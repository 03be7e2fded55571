package main

import (
	"strings"
	"unicode"
	"unicode/utf8"
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
// preferring to cut at a line break, then at a space, in the second half
// of the window (so parts do not become tiny), and only then in the middle
// of a word. Runes (and so surrogate pairs) are never split. The separator
// at a cut is dropped, trailing blanks are trimmed and blank parts are
// skipped. Parts are substrings of text: no copying.
func splitText(text string, limit int) []string {
	var parts []string
	for len(text) > 0 {
		units, end := 0, 0
		nl, sp, spSize := -1, -1, 0
		for end < len(text) {
			r, size := utf8.DecodeRuneInString(text[end:])
			u := utf16Len(r)
			if units+u > limit {
				break
			}
			if units >= limit/2 {
				if r == '\n' {
					nl = end
				} else if unicode.IsSpace(r) {
					sp, spSize = end, size
				}
			}
			units += u
			end += size
		}
		cut, next := end, end
		if end < len(text) {
			// The rune just past the window counts: a window that ends
			// right before a separator needs no look-back.
			r, size := utf8.DecodeRuneInString(text[end:])
			switch {
			case r == '\n':
				cut, next = end, end+size
			case nl >= 0:
				cut, next = nl, nl+1
			case unicode.IsSpace(r):
				cut, next = end, end+size
			case sp >= 0:
				cut, next = sp, sp+spSize
			}
		}
		if p := strings.TrimRightFunc(text[:cut], unicode.IsSpace); strings.TrimSpace(p) != "" {
			parts = append(parts, p)
		}
		text = text[next:]
	}
	return parts
}
