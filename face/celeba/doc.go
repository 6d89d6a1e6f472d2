// Package celeba reads a CelebA-style face folder (aligned JPEGs plus the official
// attribute and identity label files) and turns it into training tensors for the
// face model: float32 pixels in [0,1], CHW layout, one fixed pre-processing for
// every image.
//
// Folder layout (see ../shared/faces/celeba/README.md):
//
//	img_89x109/           NNNNNN.jpg, aligned faces already downsampled 2× to 89×109
//	img_align_178x218/    NNNNNN.jpg, aligned faces at the original 178×218
//	list_attr_celeba.txt  count line, 40 attribute names, then "NNNNNN.jpg ±1 ×40"
//	identity_CelebA.txt   "NNNNNN.jpg person"
//
// A CelebA id that appears in both image folders is the same picture; the
// img_89x109 copy is kept so that each id appears once.
//
// Pre-processing (PreprocVersion) follows the paper and is the same code path for
// both folders: an image of exactly 178×218 is first box-downsampled 2× to 89×109;
// then the central square of side min(W,H) is taken and 10 % is trimmed from each
// side (crop factor 0.8, side rounded to whole pixels: 71 px from 89×109, offset
// (9,19)); that square is resized to Size×Size with golang.org/x/image/draw's
// CatmullRom kernel (which widens its support when shrinking, so it anti-aliases).
//
// Load decodes in parallel and can keep a pixel cache (uint8 .npy + JSON index)
// keyed by the file list, file sizes and times, Size and PreprocVersion.
// SplitByPerson makes a deterministic train/validation/test split in which no
// person (identity) appears in two parts.
package celeba
