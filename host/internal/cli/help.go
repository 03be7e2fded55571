package cli

import (
	"embed"
	"strings"
)

// helpFiles holds the text every command prints for --help (and on a
// usage error): help/<path>.txt, where path is the command's words after
// "machina" joined by "-" (help/plugin-sign.txt is `machina plugin sign`;
// help/machina.txt is the top level). A leaf's flags are printed after it.
//
//go:embed help/*.txt
var helpFiles embed.FS

// helpFile is the name in helpFiles of the command at path.
func helpFile(path string) string {
	if rest, ok := strings.CutPrefix(path, "machina "); ok {
		path = strings.ReplaceAll(rest, " ", "-")
	}
	return "help/" + path + ".txt"
}

// helpText is the help of the command at path; a command without a file
// (a test forbids that) gets its usage line alone.
func helpText(path string) string {
	b, err := helpFiles.ReadFile(helpFile(path))
	if err != nil {
		return "Usage: " + path + " [flags]\n"
	}
	return string(b)
}
