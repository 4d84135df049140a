package sip

// This file is where sipgo's package-level settings would be set, and the
// only place allowed to: sipgo keeps them as globals shared by every user
// of the library in the process, so an SDK must not change them behind its
// host's back. Today we rely on the defaults (RFC 3261 timers) and on the
// per-component loggers passed to NewServer and NewClient.
