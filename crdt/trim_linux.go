package crdt

// #include <malloc.h>
import "C"

// releaseCMemory returns the C heap's free memory to the system. automerge-go
// frees a document's Rust memory in Go finalizers; glibc keeps the freed
// pages in its arenas unless asked.
func releaseCMemory() { C.malloc_trim(0) }
