package dumpformat

// CarriesStates reports the formats that give each goroutine's state and
// wait time: goroutine?debug=2 dumps and crash output.
func (f Format) CarriesStates() bool { return f == GoroutineText || f == CrashText }
