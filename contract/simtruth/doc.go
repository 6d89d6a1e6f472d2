// Package simtruth is the contract between the simulator (neuro/sim), which
// makes virtual subjects, and the analysis (neuro/analysis), which decodes
// them: the ground truth a simulated dataset keeps in
// <root>/derivatives/fmriface-sim (Dir) about what each subject saw.
//
// Three tab-separated tables per subject, in <Dir>/sub-XX/:
//
//	sub-XX_stimuli.tsv    stim_file image trial_type celeba_file split male
//	                      one row per distinct stim_file of the subject's events
//	sub-XX_testfaces.tsv  image celeba_file male
//	                      the test faces, sorted by image name
//	sub-XX_imagery.tsv    celeba_file male imagined
//	                      the imagery candidates, exactly one imagined
//
// WriteStimulusMap, WriteTestFaces and WriteImagery write them (the simulator);
// ReadStimulusMap, ReadTestFaces and ReadImagery read them back (the analysis,
// the tests). Writers and readers apply the same checks (the header, trial
// types, splits, 0/1 flags, one imagined face), so a table one side writes is
// one the other reads; errors name the file, the line and the column. The
// rest of the ground truth (masks, ROI labels, tuning, confounds) is written
// and read by neuro/sim itself; docs/virtual-subjects.md describes it all.
package simtruth
