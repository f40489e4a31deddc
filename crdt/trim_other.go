//go:build !linux

package crdt

func releaseCMemory() {}
