// Package ini reads and writes the gateway's ini configuration format, the
// format an MP-11x administrator already knows.
//
// # Format
//
//	; a comment line
//	[ SIP Params ]                 section headers are decoration
//	RegistrationTime = 3600        Name = Value, names case-insensitive
//	CallProgressTonesFilename = 'usa_tones_13.dat'
//	EmergencyNumbers = '911', '112', '', ''
//
//	[ PREFIX ]
//	FORMAT PREFIX_Index = PREFIX_DestinationPrefix, PREFIX_DestAddress;
//	PREFIX 0 = "10", "10.0.0.1";
//	PREFIX 1 = *, $$;
//	[ \PREFIX ]
//
// A FORMAT line may list a subset of a table's columns in any order; each row
// follows it; `$$` stands for the column's default and `*` for a secret that
// an export hid. Both LF and CRLF line ends are read.
//
// # Model and errors
//
// [Parse] turns text into a [File]: parameters and tables in file order,
// each value remembering how it was quoted, each element its [Pos]. The
// package knows nothing of which parameters exist: that is the job of the
// provisioning package, which validates a File against its registry. Syntax
// errors are collected, not stopped at: the returned [ErrorList] names every
// bad line as file:line:column with what was wrong.
//
// [Write] is the inverse of Parse: for any File that Parse returned,
// Parse(Write(f)) yields the same parameters, tables and values.
package ini
