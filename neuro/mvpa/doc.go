// Package mvpa decodes a category from multi-voxel activity patterns: one
// pattern per sample (e.g. a block's GLM betas), a class label and a run per
// sample, leave-one-run-out cross-validation, and a permutation test whose
// labels are shuffled within runs.
//
// Two classifiers implement Classifier:
//
//   - Correlation is the method of Haxby et al. (2001): each class's training
//     pattern is its mean over training samples, the mean over classes is
//     subtracted from every class pattern voxel by voxel, and a test pattern
//     is assigned to the class whose pattern it correlates with best
//     (Pearson r over voxels). Test patterns are expected to be centred the
//     same way: CentreRuns subtracts each run's mean pattern, which for a
//     design with one sample per class per run is exactly Haxby's "mean
//     response across all categories" of that run.
//   - ShrinkageLDA is a linear discriminant with a pooled within-class
//     covariance shrunk towards a scaled identity by the analytic
//     Ledoit–Wolf (2004) intensity, equal class priors. With far more voxels
//     than samples the plain covariance is singular; shrinkage makes it
//     invertible without a tuning loop (no nested cross-validation), and the
//     rule stays linear and deterministic.
//
// LDA's scores depend on the patterns only through their inner products, so
// GramCoordinates maps n patterns of p voxels to n coordinates with the same
// Gram matrix; LDA on those (Dim = p) gives the same scores as on the voxels
// at a fraction of the cost, which is what makes a permutation test with
// thousands of refits cheap.
//
// Measures: Accuracy and Confusion on the predicted labels; Pairwise, the
// two-way identification of Haxby et al. (2001): for a test sample of class i
// and another class j, it is correct when the score of i beats that of j
// (ties count one half).
package mvpa
