// Package nifti reads and writes NIfTI-1 single-file images (.nii, and .nii.gz
// compressed with gzip), the format of BIDS fMRI data such as ds001761.
//
// # Format
//
// A NIfTI-1 file is a 348-byte header, a 4-byte extension flag, optional header
// extensions, then the voxel data starting at byte vox_offset (≥ 352):
//
//	offset  size  field
//	     0     4  sizeof_hdr, int32 = 348; its byte order is the file's byte order
//	    40    16  dim[8], int16: dim[0] = number of axes (1..7), dim[1..] = sizes
//	    70     2  datatype, int16 (2 uint8, 4 int16, 8 int32, 16 float32, 64 float64,
//	              256 int8, 512 uint16, 768 uint32)
//	    72     2  bitpix, int16 = 8 × bytes per voxel
//	    76    32  pixdim[8], float32: pixdim[0] = qfac (±1), [1..3] voxel size, [4] TR
//	   108     4  vox_offset, float32: where the data start
//	   112     8  scl_slope, scl_inter, float32: value = stored × slope + inter
//	              (slope 0 means no scaling)
//	   123     1  xyzt_units: spatial (bits 0-2) and temporal (bits 3-5) units
//	   252     4  qform_code, sform_code, int16
//	   256    24  quatern_b, c, d, qoffset_x, y, z, float32: the qform
//	   280    48  srow_x, srow_y, srow_z, float32[4]: the sform
//	   344     4  magic "n+1\0"
//	   348     4  extension flag: byte 0 ≠ 0 when extensions follow
//	   352   ...  extensions: int32 esize (multiple of 16, counts these 8 bytes),
//	              int32 ecode, esize-8 bytes of content; repeated up to vox_offset
//
// Voxels are stored with x fastest, then y, z, t. Every field is documented in
// https://nifti.nimh.nih.gov/pub/dist/src/niftilib/nifti1.h.
//
// # Reading
//
// Open returns a Reader that streams a 4-D image volume by volume
// (NextVolume / NextVolume64), so a 200 MB BOLD run never needs more than one
// volume in memory; ReadFile loads a whole image. Values come out with
// scl_slope/scl_inter applied. Files are untrusted: the header is validated
// (axes, datatype, bitpix, vox_offset, extension sizes) and the declared data
// size is checked against the file size before anything is allocated; the
// streaming reader itself holds only a few 64 KiB buffers. A truncated gzip stream,
// data shorter than the header says, or an invalid header give an error that
// names the file and the numbers; nothing panics. Bytes after the data (some
// converters pad files; nibabel ignores them) are read past, not rejected:
// Reader.Warnings (and Image.Warnings) name the file and count them, up to a
// bound (the data size or 64 MiB) past which a gzip stream is an error.
//
// # Writing
//
// Create (or WriteFile) writes a file atomically (a temporary file renamed into
// place on Close), gzip-compressed when the name ends in ".gz". Values are
// converted to the header's datatype with its scaling: integers are rounded to
// nearest-even and a value outside the type's range is an error, not a silent
// clamp. ScaleFor picks slope and intercept for an int16 file from a value range.
//
// Affines: Header.Affine returns the voxel → world matrix from the sform when
// sform_code > 0, else from the qform quaternion when qform_code > 0, else the
// pixdim diagonal (NIfTI "method 1"; nibabel instead centres the grid when no
// transform code is set). SetSform and SetQform fill them from a 4×4 matrix.
package nifti
