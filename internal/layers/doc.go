// Package layers holds no code: its test checks that the packages import
// only what ARCHITECTURE.md allows each layer, so a shortcut across layers
// fails the build's tests instead of waiting for a reviewer.
package layers
