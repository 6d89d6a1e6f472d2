// Package vaegan trains the face model: a VAE-GAN after Larsen et al. (2016) in
// the form VanRullen & Reddy (2019) used (encoder → μ = tanh, log σ = 0.5·tanh;
// generator of strided transposed convs; discriminator whose hidden layer is the
// reconstruction space), built as gorgonia graphs.
//
// One training step runs two graphs that share the weight storage:
//
//  1. the encoder–generator graph: x → E → z = μ + ε·σ; [z; z_p] → G → [x̃; x_p];
//     [x; x̃; x_p] → D. Its cost, differentiated for E and G only, is
//     w_kl·KL + w_feat·‖D_l(x̃) − D_l(x)‖² + w_pix·‖x̃ − x‖² + w_gan·(softplus(−D(x̃)) + softplus(−D(x_p)));
//  2. the discriminator graph on [x; x̃; x_p] (the step's images, fixed), with the
//     usual cross-entropy, differentiated for D only.
//
// Deviations from Larsen, on purpose: E and G share one cost (Larsen gives E no GAN
// term; sharing it saves a second generator pass on 2 cores), and a small pixel
// term anchors colours early in training. All weights are flags.
//
// Randomness (data order, flips, ε, z_p) is drawn from generators seeded by
// (seed, step), so a resumed run continues exactly as an uninterrupted one.
package vaegan
