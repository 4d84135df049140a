// Command tones writes a country's call progress tone to an 8 kHz WAV file.
//
// # Usage
//
//	go run ./examples/tones -country us -tone busy -seconds 4 -out busy.wav
//	go run ./examples/tones -cpt media/tone/testdata/usa_tones.ini -tone ringback -out rb.wav
package main
