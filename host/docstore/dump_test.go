package docstore

import (
	"os"
	"testing"
)

func TestDumpChunks(t *testing.T) {
	if os.Getenv("DUMP") == "" {
		t.Skip()
	}
	s, _, sum := ingestSamples(t)
	t.Logf("%+v", sum)
	for _, c := range s.slots {
		t.Logf("%s p%d [%s] table=%v flag=%v meta=%v len=%d\n%.150q", filepathBase(c.Source), c.Page, c.SectionTitle, c.IsTable, c.FlagReasons, c.Meta, len(c.Content), c.Content)
	}
}

func filepathBase(s string) string { return s[len(s)-min(len(s), 30):] }
