// Package bids finds and reads the fMRI runs of a BIDS dataset laid out like
// OpenNeuro ds001761 (VanRullen & Reddy 2019), and of its fMRIPrep derivatives,
// and writes datasets in the same layout (for the virtual-subject simulator).
//
// Raw data:
//
//	<root>/dataset_description.json
//	<root>/sub-01/ses-01/func/sub-01_ses-01_task-faces_run-01_bold.nii.gz
//	<root>/sub-01/ses-01/func/sub-01_ses-01_task-faces_run-01_events.tsv
//	<root>/sub-01/ses-01/func/sub-01_ses-01_task-faces_run-01_bold.json
//
// fMRIPrep derivatives (found automatically in <root>/derivatives/fmriprep, or
// opened on their own with OpenDerivatives):
//
//	sub-01/ses-01/func/sub-01_ses-01_task-faces_run-01[_space-X]_desc-preproc_bold.nii.gz
//	sub-01/ses-01/func/sub-01_ses-01_task-faces_run-01_desc-confounds_timeseries.tsv
//	sub-01/ses-01/func/sub-01_ses-01_task-faces_run-01[_space-X]_desc-brain_mask.nii.gz
//
// Open validates dataset_description.json and Runs lists a subject's runs of a
// task, sorted by session and run, with the path of each file that exists (an
// empty path means the file is absent: the ds001761 design skeleton has events
// and sidecars but no images). ReadEvents, ReadSidecar and ReadConfounds read
// the text files strictly, with errors that name the file, the line and the
// column. Entities builds file names; WriteDescription, WriteEvents,
// WriteSidecar and WriteConfounds write them atomically.
//
// Only what these studies use is covered: the session level is optional,
// sidecars inherit from the dataset, subject and session levels as BIDS says,
// and file names that do not parse as BIDS are ignored.
package bids
