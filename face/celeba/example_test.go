package celeba_test

import (
	"fmt"
	"log"
	"os"

	"fmriface/face/celeba"
)

// Load the faces at 64×64 with a pixel cache, split them by person and keep
// the split next to the model.
func Example() {
	ds, err := celeba.Load(celeba.Options{
		Dir:      "../../../shared/faces/celeba",
		Size:     64,
		Progress: os.Stderr,
		CacheDir: "cache",
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range ds.Skipped {
		log.Printf("skipped %s: %v", s.File, s.Err)
	}
	male, err := ds.AttrIndex("Male")
	if err != nil {
		log.Fatal(err)
	}
	split := celeba.SplitByPerson(ds.Faces, 1, celeba.DefaultValFrac, celeba.DefaultTestFrac)
	if err := split.WriteJSON("split.json", ds.Faces); err != nil {
		log.Fatal(err)
	}
	first := split.Train[0]
	fmt.Println(ds.Faces[first].File, ds.Faces[first].Attr[male] == 1, len(ds.Image(first)))
}
