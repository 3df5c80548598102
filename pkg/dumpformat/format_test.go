package dumpformat

import "testing"

func TestFormatInfo(t *testing.T) {
	all := All()
	if len(all) != len(formats)-1 {
		t.Fatalf("All() lists %d formats, want %d", len(all), len(formats)-1)
	}
	for _, f := range all {
		if !f.Known() || f.Description() == "" || f.Encoding() == EncodingNone {
			t.Errorf("%s: known=%v description=%q encoding=%q", f, f.Known(), f.Description(), f.Encoding())
		}
		if parsed, ok := Parse(string(f)); !ok || parsed != f {
			t.Errorf("Parse(%q) = %q, %v", f, parsed, ok)
		}
	}
	if Unknown.Known() {
		t.Error("Unknown must not be known")
	}
	if _, ok := Parse("pprof-nonsense"); ok {
		t.Error("Parse accepted a format that does not exist")
	}
	for f, profile := range map[Format]string{GoroutineText: "goroutine", CrashText: "goroutine", GoroutineDebug1: "goroutine", PprofGoroutine: "goroutine", PprofAllocs: "allocs", HeapDebug1: "heap"} {
		if f.Profile() != profile {
			t.Errorf("%s.Profile() = %q, want %q", f, f.Profile(), profile)
		}
	}
}
