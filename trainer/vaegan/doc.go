// Package vaegan trains the face model: a VAE-GAN after Larsen et al. (2016) in
// the form VanRullen & Reddy (2019) used (encoder → μ = tanh, log σ = 0.5·tanh;
// generator of strided transposed convs; discriminator whose hidden layer is the
// reconstruction space), built as gorgonia graphs.
//
// One training step runs two graphs that share the weight storage:
//
//  1. the encoder–generator graph: x → E → z = μ + ε·σ; [z; z_p] → G → [x̃; x_p];
//     [x; x̃; x_p] → D. Its cost, differentiated for E and G only, is
//     w_kl·KL + w_feat·‖D_l(x̃) − D_l(x)‖² + w_pix·‖x̃ − x‖² + w_gan·(softplus(−D(x̃)) + softplus(−D(x_p)))
//     + w_center·‖mean over the batch of μ‖² + w_decor·Σ_{i≠j} R_ij² (R: correlations of μ's dimensions
//     over the batch);
//  2. the discriminator graph on [x; x̃; x_p] (the step's images, fixed), with the
//     usual cross-entropy (real target RealLabel, one-sided label smoothing),
//     differentiated for D only, and skipped while D's mean loss is below DFloor.
//
// Deviations from Larsen, on purpose: E and G share one cost (Larsen gives E no GAN
// term; sharing it saves a second generator pass on 2 cores), and a small pixel
// term anchors colours early in training. Small is the point: with the pixel
// weight at 20 (the GAN's at 10) the pixel error dominated the cost and the
// reconstructions kept a quarter of the originals' high-frequency energy, half
// of what PCA keeps; at 2 (GAN 30) they keep more than PCA, at 1 more still. The decorrelation term
// (after DIP-VAE, Kumar et al. 2018) shapes the latent for the paper's read-outs: the KL acts on each face
// alone, and without the term ten of the 1024 directions held 39 % of the latent's variance, so the paper's
// mean-difference gender axis, which picks up those directions too, classified 76 % of the test faces; with
// w_decor = 0.1 they hold 11 % and the axis classifies 84 % after 7 epochs, 86 % after 14 (the shipped model). It is computed on correlations, not covariances,
// so it cannot be lowered by shrinking μ. Two additions keep the prior usable:
// the centring term (without it the encoder parks ~100 of the 1024 dimensions at
// a constant offset, so the generator never sees z near 0 and samples from
// N(0, I) come out as a texture; measured on our first runs), and the
// discriminator floor with label smoothing (an unchecked discriminator reached a
// loss of 0.04 within 100 steps, after which its gradients carried no face
// structure). All weights are flags.
//
// Randomness (data order, flips, ε, z_p) is drawn from generators seeded by
// (seed, step), so a resumed run continues exactly as an uninterrupted one.
package vaegan
