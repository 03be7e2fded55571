package sanitize

import "testing"

func TestSafeSource(t *testing.T) {
	cases := []sanitizeCase{
		{"empty", "", ""},
		// Remote identifiers pass unchanged.
		{"http", "http://example.com/docs/manual.pdf", "http://example.com/docs/manual.pdf"},
		{"url credentials dropped", "https://svc:hunter2@docs.example.com/m/p101.pdf", "https://docs.example.com/m/p101.pdf"},
		{"at in path kept", "https://docs.example.com/m/a@b.pdf", "https://docs.example.com/m/a@b.pdf"},
		{"https", "https://wiki.plant.local/a/b/pump.md", "https://wiki.plant.local/a/b/pump.md"},
		{"s3", "s3://bucket/manuals/pump.pdf", "s3://bucket/manuals/pump.pdf"},
		{"gs", "gs://bucket/x/y.pdf", "gs://bucket/x/y.pdf"},
		{"ftp", "ftp://files.example.com/pub/m.txt", "ftp://files.example.com/pub/m.txt"},
		{"ftps", "ftps://files.example.com/pub/m.txt", "ftps://files.example.com/pub/m.txt"},
		// Other schemes are stripped and treated as paths.
		{"file url windows", "file:///C:/Users/x/secret.md", "secret.md"},
		{"file url posix", "file:///home/jdoe/plant/secret.md", "secret.md"},
		{"scp", "scp://user@host/var/lib/secret.md", "secret.md"},
		{"smb", "smb://fileserver/share/maint/pump.pdf", "pump.pdf"},
		{"jar", "jar:///opt/jars/lib.jar", "lib.jar"},
		{"upper-case scheme", "HTTPS://example.com/a/b.md", "b.md"},
		{"unknown scheme", "foo://a/b/c.txt", "c.txt"},
		{"scheme only", "file://", Placeholder},
		{"scheme opaque rest", "custom://chunk_7", "chunk_7"},
		// Structured shapes become the placeholder.
		{"repr", "PosixPath('/home/me/x.md')", Placeholder},
		{"json", `{"source": "/var/data/x.md", "page": 2}`, Placeholder},
		{"list", "['a.md', 'b.md']", Placeholder},
		{"parens", "manual (v2).md", Placeholder},
		{"double quote", `"manual.md"`, Placeholder},
		{"brackets in path", "/srv/[old]/m.md", Placeholder},
		// Opaque ids and bare names pass unchanged.
		{"opaque id", "chunk_42", "chunk_42"},
		{"bare name", "manual.md", "manual.md"},
		{"bare with spaces", "pump manual.md", "pump manual.md"},
		{"not a drive", "urn:isbn:123", "urn:isbn:123"},
		// Windows paths.
		{"windows user path", `C:\Users\tedib\Desktop\manuals\manual.md`, "manual.md"},
		{"windows lower drive", `d:\data\report.pdf`, "report.pdf"},
		{"windows forward slashes", "C:/Users/jdoe/x.md", "x.md"},
		{"windows mixed", `C:\data/sub\final.md`, "final.md"},
		{"windows trailing sep", `C:\Users\jdoe\`, Placeholder},
		{"UNC", `\\fileserver\share\maint\pump.pdf`, "pump.pdf"},
		{"UNC trailing", `\\fileserver\share\`, Placeholder},
		// POSIX paths.
		{"posix root file", "/file.txt", "file.txt"},
		{"posix abs", "/var/data/manuals/pump.md", "pump.md"},
		{"posix home", "/home/jdoe/plant/secret.md", "secret.md"},
		{"posix home dir", "/home/me/", Placeholder},
		{"posix relative", "manuals/pump.md", "pump.md"},
		{"posix dot relative", "./manuals/pump.md", "pump.md"},
		{"root only", "/", Placeholder},
		// Drive-relative paths.
		{"drive relative", "C:filename.md", "filename.md"},
		{"drive only", "C:", Placeholder},
	}
	runCases(t, "SafeSource", SafeSource, cases)
}

func TestSafeText(t *testing.T) {
	cases := []sanitizeCase{
		{"no paths", "Replace the seal every 8000 h.", "Replace the seal every 8000 h."},
		{"posix home", "See /home/jdoe/plant/secret.md for details", "See secret.md for details"},
		{"posix home trailing period", "Details are in /home/jdoe/plant/secret.md.", "Details are in secret.md."},
		{"mac users", "open /Users/anna/Documents/pump.pdf now", "open pump.pdf now"},
		{"home without file", "cd /home/jdoe and run", "cd <document> and run"},
		{"home trailing sep", "cd /home/jdoe/ and run", "cd <document> and run"},
		{"windows user", `copy C:\Users\jdoe\x.md please`, "copy x.md please"},
		{"windows user forward", "copy c:/users/jdoe/docs/x.md!", "copy x.md!"},
		{"windows user case", `in D:\USERS\Admin\Desktop\notes.txt;`, "in notes.txt;"},
		{"windows user only", `profile C:\Users\jdoe, ok`, "profile <document>, ok"},
		{"UNC", `stored on \\fs01\maint\pumps\p101.pdf, see`, "stored on p101.pdf, see"},
		{"UNC share only", `map \\fs01\maint now`, "map <document> now"},
		{"multiple punct", "files: /home/a/x.md?!", "files: x.md?!"},
		{"colon after", "at /home/a/x.md: line 3", "at x.md: line 3"},
		{"two paths", `/home/a/1.md and C:\Users\b\2.md`, "1.md and 2.md"},
		{"parenthesised", "(see /home/jdoe/x.md)", "(see x.md)"},
		{"quoted", `"/home/jdoe/x.md"`, `"x.md"`},
		// System paths are instructional and kept.
		{"etc", "Edit /etc/fstab and reboot.", "Edit /etc/fstab and reboot."},
		{"usr bin", "Run /usr/bin/python3 -V", "Run /usr/bin/python3 -V"},
		{"program files", `C:\Program Files\Vendor\tool.exe`, `C:\Program Files\Vendor\tool.exe`},
		{"windows non user", `D:\data\report.pdf`, `D:\data\report.pdf`},
		// Not home directories.
		{"url", "https://example.com/home/jdoe/page", "https://example.com/home/jdoe/page"},
		{"nested home", "/srv/home/jdoe/x.md", "/srv/home/jdoe/x.md"},
	}
	runCases(t, "SafeText", SafeText, cases)
}

func FuzzSafeText(f *testing.F) {
	for _, s := range []string{"/home/a/b.md.", `C:\Users\x\y`, `\\h\s\f`, "plain"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := SafeText(s)
		if SafeText(out) != out {
			t.Fatalf("SafeText not idempotent on %q: %q", s, out)
		}
	})
}

// sanitizeCase is one input of a sanitizer and the output it must give.
type sanitizeCase struct{ name, in, want string }

// runCases runs the sanitizer f, named fn, on every case as a subtest.
func runCases(t *testing.T, fn string, f func(string) string, cases []sanitizeCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := f(tc.in); got != tc.want {
				t.Errorf("%s(%q) = %q, want %q", fn, tc.in, got, tc.want)
			}
		})
	}
}
