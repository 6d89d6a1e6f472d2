// Package score scores decoded latent vectors the way the paper does
// (VanRullen & Reddy 2019, §5): Pearson correlation in the model's latent
// space (package corr, with the inputs checked); pairwise accuracy (each
// decoded face against each distractor); its Monte-Carlo p-value over
// random rank sets; 1-of-n recognition with a binomial p-value; gender
// through a mean-difference axis; imagery pairwise ranking; and SSIM
// between a decoded face and the stimulus as shown (package metrics' SSIM
// with Wang et al.'s Gaussian window, checked against scikit-image).
//
// The p-values share one null: each of m independent rankings places the
// true item uniformly at random among c candidates, so its count of beaten
// distractors is uniform on {0, …, c−1}, and the statistic is the total
// count. Pairwise accuracy over n test faces is m = c = n (n(n−1) pairs);
// imagery pooled over 4 subjects is m = 4, c = 20. RankSumPValue draws this
// null by Monte Carlo as the paper did (10⁶ draws by default, seeded);
// RankSumPValueExact computes it exactly by convolution, which tests use to
// check the Monte Carlo. Ties count as failures (strict >), as in the
// paper's definition.
package score
