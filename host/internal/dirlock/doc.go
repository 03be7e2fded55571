// Package dirlock gives a directory one owner at a time across processes:
// an advisory lock on a file inside the directory, held by the process
// until Release (or until it exits, whatever the way), and a record of the
// holder (pid, command, purpose, start time) that a refused process can
// print.
//
// Machina uses it so that a trace directory has exactly one writer (two
// hash chains interleaved in one file would make `machina trace verify`
// report a false break) and a demo's state directory has one demo.
//
// It must not remove a lock file it does not hold, wait for a lock (a
// second owner is refused at once), or store anything but the holder
// record in the lock file.
package dirlock
