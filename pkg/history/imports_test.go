package history

import (
	"testing"
)

func TestImportTwiceStoresOnce(t *testing.T) {
	s, _ := openTemp(t)
	seg := []Record{
		{"api-1", Sample{at(0), map[string]float64{"up": 1, "goroutines": 120}}},
		{"api-1", Sample{at(15), map[string]float64{"up": 1, "goroutines": 130}}},
	}
	if ok, err := s.Imported("seg-1"); err != nil || ok {
		t.Fatalf("before: imported=%v, %v", ok, err)
	}
	for range 2 {
		if err := s.Import("seg-1", seg); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := s.Imported("seg-1"); err != nil || !ok {
		t.Fatalf("after: imported=%v, %v", ok, err)
	}
	got, err := s.Range("api-1", at(0), at(60))
	if err != nil || len(got) != 2 || got[1].Values["goroutines"] != 130 {
		t.Fatalf("range after importing twice: %v, %v", got, err)
	}
	// The mark goes with the segment's samples.
	if _, err := s.Prune(at(16)); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.Imported("seg-1"); ok {
		t.Error("the segment is still marked after its samples were pruned")
	}
	if err := s.Import("", seg); err == nil {
		t.Error("a segment without a name was imported")
	}
}
